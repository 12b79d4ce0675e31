"""A workshop on a real JupyterHub (deploy/jupyterhub, started by tests/hub/hub.py): three
learners sign in with the workshop password and walk notebooks 00 → 07 in their own servers
at once, each lesson with its checks (tests/notebooks/harness.py). Then: everyone finished;
each learner's world, key files, progress and room row are theirs alone; the room view shows
each one's real step and verdict, to the instructor only; a learner who turned reporting off
stops being reported.

Needs root and configurable-http-proxy (npm); skipped without them unless
MTURKLINK_REQUIRE_HUB=1 (.ci/run sets it).
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from mturklink_helpers.credentials import load_credentials
from tests.hub.hub import REQUIRE_ENV, HubError, running_hub, why_no_hub
from tests.notebooks.harness import CHECKS, GUIDE_LESSONS, doctor_names_step

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "hub"
ACCOUNT = "123456789012"  # every demo world's AWS account (world_server.ACCOUNT_ID)
# After each lesson, in its kernel: the reports it made have reached the room (or failed).
FLUSH = "from mturklink_helpers import room as _room\nassert _room.flush(), 'a report is still on its way'"
WHO = "import os\nprint('uid', os.getuid())"
OPT_OUT = "reports.send.value = False\nassert reports.status_text.startswith('✓ Done: nothing is sent')"
CLONE_TIMEOUT = 120  # a ceiling for a loaded machine; a clone of the kit takes seconds
SEATS = 27  # rows of other learners laid in the room's state before it starts: 30 in all


def _seed_room(hub) -> None:
    """A room of 27 more learners (as a restarted room view finds its state file), so the
    page is seen with 30 rows: 9 stuck at step 3, 4 at step 4, 8 working, 6 finished."""
    now, learners = time.time(), {}
    for n in range(SEATS):
        if n < 9:
            entry = {"steps_done": [1, 2], "current_step": 3, "verdict_step": 3,
                     "verdict": "step 3 missing: sandbox not registered"}
        elif n < 13:
            entry = {"steps_done": [1, 2, 3], "current_step": 4, "verdict_step": 4,
                     "verdict": "step 4 f–h missing: cannot create HITs (weaker policy)"}
        elif n < 21:
            entry = {"steps_done": list(range(1, n % 5 + 1)), "current_step": n % 5 + 1}
        else:
            entry = {"steps_done": [1, 2, 3, 4, 5, 6], "current_step": None,
                     "verdict": "all checks passed"}
        entry.update(mode="demo", received=now - 30 * n, progress_at=now - 30 * n - 60,
                     verdict_at=now - 30 * n)
        learners[f"seat-{n + 1:02d}-of-the-room"] = entry
    hub.room_state.write_text(json.dumps({"format": 1, "learners": learners}))


@pytest.fixture(scope="module")
def workshop():
    why = why_no_hub()
    if why and os.environ.get(REQUIRE_ENV) != "1":
        pytest.skip(f"no workshop hub here: {why}")
    try:
        with running_hub(["ana", "ben", "cleo"], before_start=_seed_room) as hub:
            yield _walk(hub)
    except HubError as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            raise
        pytest.skip(f"no workshop hub here: {exc}")


class Workshop:
    def __init__(self, hub):
        self.hub = hub
        self.ana, self.ben, self.cleo = hub.learners
        self.teacher = hub.admins[0]
        self.uids: dict[str, str] = {}
        self.cleo_reports_when_opted_out: int | None = None
        self.started = time.monotonic()

    def room(self) -> dict:
        reply = self.teacher.browser.get("/services/mturklink-room/api/room", token=False)
        assert reply.status == 200, reply.text
        return reply.json()

    def row(self, learner) -> dict:
        return next(r for r in self.room()["learners"] if r["name"] == learner.name)

    def reports_from(self, learner) -> list[dict]:
        return [r for r in self.hub.recorded() if r["sender"] == learner.name]


def _walk(hub) -> Workshop:
    w = Workshop(hub)
    for person in (*hub.learners, w.teacher):
        assert person.login().status == 200, person
    # Before anything else: a report that names someone else is still the sender's own.
    forged = w.ana.browser.request("POST", "/services/mturklink-room/api/report",
                                   body={"steps_done": [1], "current_step": 2, "name": w.ben.name})
    assert forged.status == 204, forged.text
    with ThreadPoolExecutor(len(hub.learners)) as pool, hub.memory_peaks() as w.peaks:
        list(pool.map(lambda learner: learner.start_server(), hub.learners))

        def lessons(learner, names):
            for lesson in names:
                then = [CHECKS[lesson], FLUSH] + ([WHO] if lesson == "00_start_here" else [])
                run = learner.run_notebook(lesson, then=then)
                if lesson == "00_start_here":
                    w.uids[learner.name] = run.text().split("uid ")[-1].split()[0]

        def ana():
            lessons(w.ana, GUIDE_LESSONS)

        def ben():  # finishes, then breaks his world on purpose: the doctor names step 3
            lessons(w.ben, GUIDE_LESSONS)
            w.ben.run_notebook("07_troubleshooting", then=[doctor_names_step("sandbox", "3"), FLUSH])

        def cleo():  # turns reporting off after step 3, in notebook 00's form
            lessons(w.cleo, GUIDE_LESSONS[:4])
            w.cleo.run_notebook("00_start_here", then=[OPT_OUT, FLUSH])
            w.cleo_reports_when_opted_out = len(w.reports_from(w.cleo))
            lessons(w.cleo, GUIDE_LESSONS[4:])

        for done in [pool.submit(ana), pool.submit(ben), pool.submit(cleo)]:
            done.result()
    w.walked = time.monotonic() - w.started
    return w


# --- everyone finishes, in their own accounts -------------------------------------------------


def test_every_learner_finishes_the_walk_in_kernels_of_their_own(workshop):
    for learner in workshop.hub.learners:
        progress = json.loads((learner.home / ".mturklink" / "progress.json").read_text())
        # Ben broke step 3 after finishing: the doctor un-marked it, and 5, which needs it.
        done = [1, 2, 4, 6] if learner is workshop.ben else [1, 2, 3, 4, 5, 6]
        assert sorted(map(int, progress["demo"])) == done, learner
        assert workshop.uids[learner.name] == str(learner.account.pw_uid)  # the kernel's user
        world = json.loads((learner.home / ".mturklink" / "world.json").read_text())
        import psutil

        assert psutil.Process(world["pid"]).uids().real == learner.account.pw_uid
    assert len({learner.account.pw_uid for learner in workshop.hub.learners}) == 3


def _key(learner):
    return load_credentials(learner.home / "mturklink" / "secrets" / "demo-downloads" / "credentials.csv")


def test_each_learners_home_and_key_files_are_closed_to_the_others(workshop):
    ana, ben = workshop.ana, workshop.ben
    for learner in workshop.hub.learners:
        assert stat.S_IMODE(learner.home.stat().st_mode) == 0o700
        assert learner.home.stat().st_uid == learner.account.pw_uid
        key_file = learner.home / "mturklink" / "secrets" / "demo-downloads" / "credentials.csv"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Ana, as herself, tries Ben's key file, his world's file and his home.
    for target in (ben.home / "mturklink" / "secrets" / "demo-downloads" / "credentials.csv",
                   ben.home / ".mturklink" / "world.json", ben.home):
        tried = subprocess.run(
            [sys.executable, "-c", "import os, sys; p = sys.argv[1]\n"
             "os.listdir(p) if os.path.isdir(p) else open(p).read()", str(target)],
            user=ana.account.pw_uid, group=ana.account.pw_gid, extra_groups=[],
            capture_output=True, text=True, cwd="/")
        assert tried.returncode != 0 and "PermissionError" in tried.stderr, (target, tried.stderr)


def test_a_learners_key_is_refused_by_another_learners_world(workshop):
    from botocore.exceptions import ClientError

    def whoami(key, learner):
        world = json.loads((learner.home / ".mturklink" / "world.json").read_text())
        return key.session().client("sts", endpoint_url=f"http://127.0.0.1:{world['port']}",
                                    region_name="us-east-1").get_caller_identity()

    for owner in workshop.hub.learners:
        key = _key(owner)
        assert whoami(key, owner)["Arn"].endswith(":user/mturk-requester")
        for other in workshop.hub.learners:
            if other is not owner:
                with pytest.raises(ClientError) as refused:
                    whoami(key, other)
                assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"


def _secrets_of(learner) -> list[str]:
    """Every secret and key id of this learner's key files, in the forms files hold them."""
    found = []
    for path in learner.home.rglob("*"):
        if path.is_file() and (path.name.endswith(".csv") or path.name == "credentials"):
            text = path.read_text(errors="replace")
            for key in _keys_in(path, text):
                found += [key.access_key_id, key.reveal_secret()]
    assert found, f"no key file in {learner.home}"
    forms = set()
    for value in found:
        forms |= {value, json.dumps(value)[1:-1], quote(value, safe=""),
                  base64.b64encode(value.encode()).decode()[:24]}
    return sorted(forms)


def _keys_in(path, text):
    if path.name == "credentials":  # ~/.aws/credentials: every profile's key
        import configparser

        from mturklink_helpers.credentials import AccessKey

        profiles = configparser.RawConfigParser()
        profiles.read_string(text)
        return [AccessKey(profiles.get(s, "aws_access_key_id"), profiles.get(s, "aws_secret_access_key"))
                for s in profiles.sections() if profiles.has_option(s, "aws_secret_access_key")]
    try:
        return [load_credentials(path)]
    except Exception:  # noqa: BLE001 - a CSV that is no key file holds no key
        return []


def _everything_in(learner) -> bytes:
    chunks = []
    for path in learner.home.rglob("*"):
        if path.is_file() and not path.is_symlink():
            chunks.append(path.read_bytes())
    return b"\n".join(chunks)


def test_no_secret_of_one_learner_in_anothers_files_pages_or_room_row(workshop):
    room = workshop.room()
    for owner in workshop.hub.learners:
        secrets_ = _secrets_of(owner)
        for other in workshop.hub.learners:
            if other is owner:
                continue
            files = _everything_in(other)
            pages = [other.browser.get(f"{other.server}/lab").text]
            for lesson in GUIDE_LESSONS:
                pages.append(other.server_api("GET", f"contents/mturklink/{lesson}.ipynb").text)
            row = json.dumps([r for r in room["learners"] if r["name"] == other.name])
            for secret in secrets_:
                assert secret.encode() not in files, (owner, other, "files")
                assert not any(secret in page for page in pages), (owner, other, "pages")
                assert secret not in row, (owner, other, "room row")


def test_reports_the_room_page_and_its_state_hold_no_key_secret_or_account(workshop):
    recorded = workshop.hub.recorded()
    assert {r["sender"] for r in recorded} == {p.name for p in workshop.hub.learners}
    page = workshop.teacher.browser.get("/services/mturklink-room/", token=False).text
    texts = [r["body"] for r in recorded] + [page, json.dumps(workshop.room()),
                                             workshop.hub.room_state.read_text()]
    forbidden = [s for learner in workshop.hub.learners for s in _secrets_of(learner)]
    for text in texts:
        assert ACCOUNT not in text and "arn:" not in text
        for secret in forbidden:
            assert secret not in text
    for r in recorded:
        assert set(json.loads(r["body"])) <= {"mode", "steps_done", "current_step", "verdict",
                                              "verdict_step", "checks", "at", "name"}
    # Ana's first report named Ben: it counted as hers, and the name was not kept.
    assert json.loads(recorded[0]["body"])["name"] == workshop.ben.name
    assert recorded[0]["sender"] == workshop.ana.name
    assert '"name"' not in workshop.hub.room_state.read_text()


# --- the room view ----------------------------------------------------------------------------


def test_the_room_shows_each_learners_real_step_and_verdict(workshop):
    ana, ben = workshop.row(workshop.ana), workshop.row(workshop.ben)
    assert (ana["state"], ana["steps_done"], ana["verdict"]) == (
        "finished", [1, 2, 3, 4, 5, 6], "all checks passed")
    assert (ben["state"], ben["stuck_step"], ben["verdict"]) == (
        "stuck", 3, "step 3 missing: sandbox not registered")
    room = workshop.room()
    assert len(room["learners"]) == 30
    assert room["summary"].startswith("10 of 30 stuck at step 3 · 4 of 30 stuck at step 4 · "), room
    assert "7 of 30 finished" in room["summary"]  # 6 seats and Ana


def test_a_learner_who_turned_reporting_off_stops_being_reported(workshop):
    cleo = workshop.row(workshop.cleo)
    assert (cleo["steps_done"], cleo["current_step"]) == ([1, 2, 3], 4)  # where she turned it off
    assert len(workshop.reports_from(workshop.cleo)) == workshop.cleo_reports_when_opted_out
    progress = json.loads((workshop.cleo.home / ".mturklink" / "progress.json").read_text())
    assert sorted(map(int, progress["demo"])) == [1, 2, 3, 4, 5, 6]  # she went on all the same


def test_a_learner_cannot_open_the_room_view(workshop):
    ana = workshop.ana
    page = ana.browser.get("/services/mturklink-room/", token=False)
    assert page.status == 403 and "the room view is for the workshop's instructors" in page.text
    assert f"signed in as <b>{ana.name}</b>" in page.text
    for token in (False, True):  # her browser's cookie, or her token: the same answer
        assert ana.browser.get("/services/mturklink-room/api/room", token=token).status == 403


def test_the_room_page_fits_1280_by_800_and_refreshes_itself(workshop):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("MTURKLINK_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is missing and MTURKLINK_REQUIRE_BROWSER=1")
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hub, teacher = workshop.hub, workshop.teacher
    result: dict = {}

    def browse():  # in a thread: Playwright's sync API wants a thread without an event loop
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium),
                                        args=["--no-sandbox", "--headless=new", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{hub.url}/hub/login?next=/services/mturklink-room/")
                page.fill("#username_input", teacher.name)
                page.fill("#password_input", hub.admin_password)
                page.click("#login_submit")
                rows = page.locator("#rows tr")
                try:
                    expect(rows).to_have_count(30, timeout=60_000)
                except AssertionError:
                    page.screenshot(path=str(ARTIFACTS / "room-view-failed.png"))
                    raise AssertionError(f"{page.url}: {page.inner_text('body')[:500]}") from None
                result["sizes"] = page.evaluate("""() => {
                    const d = document.documentElement;
                    const cut = [...document.querySelectorAll('td, th, #summary')]
                        .filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent);
                    return {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth,
                            scrollHeight: d.scrollHeight, clientHeight: d.clientHeight, cut};
                }""")
                page.screenshot(path=str(ARTIFACTS / "room-view-30.png"))
                result["summary"] = page.locator("#summary").inner_text()
                # Ana breaks her world and runs the doctor: her row changes, the page not reloaded.
                marker = page.evaluate("() => (window.__notReloaded = true)")
                workshop.ana.run_notebook("07_troubleshooting",
                                          then=[doctor_names_step("not-linked", "2"), FLUSH])
                ana_row = page.locator(f'#rows tr[data-name="{workshop.ana.name}"] td.verdict')
                expect(ana_row).to_have_text("step 2 missing: AWS account not linked to MTurk",
                                             timeout=30_000)
                result["not_reloaded"] = marker and page.evaluate("() => window.__notReloaded")
                page.screenshot(path=str(ARTIFACTS / "room-view-after-ana-broke-step-2.png"))
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(browse).result(timeout=300)
    sizes = result["sizes"]
    assert sizes["scrollWidth"] <= sizes["clientWidth"], sizes
    assert sizes["scrollHeight"] <= sizes["clientHeight"], sizes
    assert sizes["cut"] == [], sizes["cut"]
    assert result["summary"].startswith("10 of 30 stuck at step 3")
    assert result["not_reloaded"] is True


def test_the_workshop_link_puts_a_copy_of_the_kit_into_a_learners_home(workshop, tmp_path):
    """`workshop link` as handed out: the hub sends the learner to their own server's
    nbgitpuller, which clones the repository into the folder named, as the learner."""
    from mturklink_helpers.workshop import hub_link

    ana = workshop.ana
    # A git host of her own: git refuses to read a repository another user owns ("dubious
    # ownership"), as it would a root-owned folder on a real server; GitHub's is no one's.
    shared = workshop.hub.folder / "kit.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(shared)], check=True)
    subprocess.run(["chown", "-R", f"{ana.account.pw_uid}:{ana.account.pw_gid}", str(shared)],
                   check=True)
    link = hub_link(workshop.hub.url, f"file://{shared}",
                    branch=subprocess.run(["git", "-C", str(ROOT), "branch", "--show-current"],
                                          capture_output=True, text=True).stdout.strip() or "main",
                    folder="kit-from-git")
    page = ana.browser.get(link, token=False)  # her browser: the hub's cookie, no token
    assert page.status == 200 and f"/user/{ana.name}/git-pull?" in page.url, page.url
    # The page's script then asks the api to pull, and follows its event stream.
    api = page.url.replace("/git-pull?", "/git-pull/api?", 1)
    stream = ana.browser.get(api, timeout=CLONE_TIMEOUT).text
    phases = [json.loads(line[5:])["phase"] for line in stream.splitlines()
              if line.startswith("data:")]
    assert phases and phases[-1] == "finished", stream[-2000:]
    first = ana.home / "kit-from-git" / "notebooks" / "00_start_here.ipynb"
    assert first.is_file() and first.stat().st_uid == ana.account.pw_uid
    opened = parse_qs(urlsplit(link).query)["urlpath"][0]
    assert ana.browser.get(f"{ana.server}/{opened}", token=False).status == 200


def test_the_hubs_services_kept_running(workshop):
    """The room view and the idle culler started with the hub and never died (the hub
    restarts a managed service that exits, and logs it)."""
    log = workshop.hub.log.read_text(errors="replace")
    assert "Starting service 'idle-culler'" in log and "Starting service 'mturklink-room'" in log
    assert "exited with status" not in log, workshop.hub.log_tail()


def test_each_learner_stays_within_the_walk_memory_target(workshop):
    """Each learner's processes (server, kernels, demo world) stayed within the one-world
    walk's 600 MB at their highest; the figures go to test-artifacts/hub/figures.json."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figures = {"walk_seconds": round(workshop.walked, 1),
               "memory_peak_mb": {n: round(b / 2**20) for n, b in workshop.peaks.items()},
               "memory_at_rest_mb": {p.name: round(workshop.hub.memory(p) / 2**20)
                                     for p in workshop.hub.learners}}
    (ARTIFACTS / "figures.json").write_text(json.dumps(figures, indent=2))
    print(figures)
    for name, peak in figures["memory_peak_mb"].items():
        assert 0 < peak <= 600, (name, peak)
