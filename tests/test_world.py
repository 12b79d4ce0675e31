"""The learner's demo world as one local service: real processes, temporary homes.

Every test gets homes from ``homes()``; whatever happens, the fixture stops each home's
world afterwards (and kills a world server of that home that would not stop).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from mturklink_helpers import world
from mturklink_helpers.credentials import load_credentials
from mturklink_helpers.world import DemoStepMissing, WorldWarning

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ONE_TRY = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                 read_timeout=30)
QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>'
    "<FrameHeight>400</FrameHeight></ExternalQuestion>"
)


def _world_pids(home: Path) -> list[int]:
    """World server processes of ``home`` (found in /proc: only ever this test's own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if world.SERVER_MODULE.encode() in args and os.fsencode(str(home)) in args:
                pids.append(int(entry.name))
    return pids


def _gone(pid: int, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while world._pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """homes(name) -> a fresh MTURKLINK_HOME; every world of them is stopped afterwards."""
    made: list[Path] = []
    monkeypatch.delenv(world.IDLE_ENV, raising=False)

    def make(name: str = "home") -> Path:
        home = (tmp_path / name).resolve()
        made.append(home)
        return home

    yield make
    for home in made:
        try:
            world.stop(home)
        except Exception:  # the kill below still cleans up
            pass
        for pid in _world_pids(home):
            os.kill(pid, signal.SIGKILL)
            _gone(pid, 30)


def _client(key, service: str, url: str):
    return key.session().client(service, endpoint_url=url, config=ONE_TRY)


def _raw(url: str, path: str, data: bytes | None = b"{}", token: str | None = None):
    """(status, body) of one plain HTTP request."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers[world.TOKEN_HEADER] = token
    request = urllib.request.Request(url + path, data=data, headers=headers,
                                     method="POST" if data is not None else "GET")
    try:
        with NO_PROXY.open(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _error_code(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


def _ready_world(home: Path, download: Path | None = None):
    """A world with steps 1–3 done and a learner's key (written to ``download``)."""
    w = world.connect(home)
    w.create_aws_account()
    w.link_requester_account()
    w.register_sandbox()
    key = w.console_create_iam_user(download=download)
    return w, key


def _secrets_in(folder: Path, secrets: list[str], skip: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.name not in skip:
            text = path.read_bytes().decode("utf-8", "replace")
            found += [f"{path.name}" for s in secrets if s in text]
    return found


# --- finding, starting, sharing -----------------------------------------------------------------


def test_connect_starts_one_world_and_finds_it_again(homes):
    home = homes()
    first = world.connect(home)
    assert first.started_now and first.startup_seconds is not None
    again = world.connect(home)
    assert (again.pid, again.url, again.world_id) == (first.pid, first.url, first.world_id)
    assert not again.started_now
    assert first.url.startswith("http://127.0.0.1:")
    assert first.endpoint() == first.url + "/sandbox"
    assert first.endpoint("production") == first.url + "/production"
    with pytest.raises(ValueError, match="sandbox"):
        first.endpoint("prod")
    assert "token" not in repr(first) and first._token not in repr(first)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(first)
    # files: world.json and the state 0600, their folders 0700
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / world.STATE_DIR).stat().st_mode) == 0o700
    assert stat.S_IMODE((home / world.WORLD_FILE).stat().st_mode) == 0o600
    for path in (home / world.STATE_DIR).iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    info = world.status(home)
    assert info["pid"] == first.pid and info["running"] is True
    assert first._token not in json.dumps(info)
    assert world.connect(home, start=False).pid == first.pid


def test_connect_without_start_says_there_is_no_world(homes):
    home = homes()
    with pytest.raises(world.WorldError, match="no demo world is running"):
        world.connect(home, start=False)
    assert world.status(home) is None
    assert world.stop(home) is False


def test_eight_processes_connecting_at_once_get_one_world(homes):
    home = homes()
    script = ("import sys\nfrom mturklink_helpers import world\nsys.stdin.read()\n"
              f"print(world.connect({str(home)!r}).pid)\n")
    children = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
                for _ in range(8)]
    pids = set()
    try:
        for child in children:  # all of them have started; now let them go together
            child.stdin.close()
            child.stdin = None
        for child in children:
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0, err.decode()
            pids.add(int(out.decode().strip()))
    finally:  # no child left to start a world after the fixture has cleaned up
        for child in children:
            if child.poll() is None:
                child.kill()
            child.wait()
    assert len(pids) == 1
    assert _world_pids(home) == list(pids)
    assert world.status(home)["pid"] == pids.pop()


def test_two_homes_are_two_private_worlds(homes):
    a, b = homes("alice"), homes("bob")
    wa, key_a = _ready_world(a)
    wb, key_b = _ready_world(b)
    assert wa.pid != wb.pid and wa.url != wb.url
    # Nothing is a constant: each world has its own seed, so its own keys and admin.
    assert wa.admin_key().access_key_id != wb.admin_key().access_key_id
    assert key_a.access_key_id != key_b.access_key_id
    # Bob's keys are unknown in Alice's world, for IAM, STS and MTurk.
    assert _error_code(lambda: _client(key_b, "sts", wa.url).get_caller_identity()) == \
        "InvalidClientTokenId"
    assert _error_code(lambda: _client(wb.admin_key(), "iam", wa.url).list_users()) == \
        "InvalidClientTokenId"
    with pytest.raises(ClientError):
        _client(key_b, "mturk", wa.endpoint()).get_account_balance()
    # Bob cannot drive Alice's console: no token, or his own, is refused.
    for token in (None, "", wb._token, wa._token[:-1] + "x"):
        for action in ("state", "create-aws-account", "admin-key", "close-aws-account"):
            status, body = _raw(wa.url, f"/_admin/{action}", token=token)
            assert status == 403, (action, token)
            assert b"AccessKey" not in body
    # … nor read it through moto's own API
    for path in ("/moto-api/data.json", "/moto-api/reset", "/moto-api/seed?a=1",
                 "/moto-api/reset-auth", "/MOTO-API/data.json", "/latest/meta-data/"):
        assert _raw(wa.url, path)[0] == 404
        assert _raw(wa.url, path, data=None)[0] == 404
    # Alice's own token works, and her world is untouched.
    status, body = _raw(wa.url, "/_admin/steps", token=wa._token)
    assert status == 200 and json.loads(body)["steps"] == {"1": True, "2": True, "3": True}
    assert _client(key_a, "sts", wa.url).get_caller_identity()["Arn"].endswith(
        ":user/mturk-requester")
    assert _client(key_a, "mturk", wa.endpoint()).get_account_balance()["AvailableBalance"]


def test_authentication_from_the_very_first_request(homes):
    w = world.connect(homes())
    unsigned = urllib.request.Request(
        w.url + "/", data=b"Action=CreateUser&UserName=intruder&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        NO_PROXY.open(unsigned, timeout=30)
    assert caught.value.code == 403
    made_up = boto3.client("iam", endpoint_url=w.url, region_name="us-east-1", config=ONE_TRY,
                           aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                           aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert _error_code(lambda: made_up.create_user(UserName="intruder")) == \
        "InvalidClientTokenId"
    admin = w.create_aws_account()
    wrong_secret = boto3.client("iam", endpoint_url=w.url, region_name="us-east-1",
                                config=ONE_TRY, aws_access_key_id=admin.access_key_id,
                                aws_secret_access_key="x" * 40)
    assert _error_code(lambda: wrong_secret.create_user(UserName="intruder")) == \
        "SignatureDoesNotMatch"
    users = _client(admin, "iam", w.url).list_users()["Users"]
    assert [u["UserName"] for u in users] == ["demo-admin"]
    assert w.state()["users"] == 1


def test_other_aws_services_are_not_served(homes):
    w = world.connect(homes())
    admin = w.create_aws_account()
    with pytest.raises(ClientError) as caught:
        _client(admin, "sqs", w.url).list_queues()
    assert "IAM, STS and MTurk only" in str(caught.value)


# --- the console ----------------------------------------------------------------------------------


def test_console_actions_and_their_order(homes):
    w = world.connect(homes())
    assert w.steps_done() == {1: False, 2: False, 3: False}
    with pytest.raises(DemoStepMissing, match="guide step 1"):
        w.link_requester_account()
    with pytest.raises(DemoStepMissing, match="no AWS account"):
        w.admin_key()
    with pytest.raises(DemoStepMissing):
        w.console_create_iam_user()
    admin = w.create_aws_account()
    assert admin.user_name == "demo-admin" and "****" in repr(admin)
    assert w.create_aws_account() == admin  # again: the same account, the same admin
    w.link_requester_account()
    w.register_sandbox()
    assert w.steps_done() == {1: True, 2: True, 3: True}
    assert _client(admin, "sts", w.url).get_caller_identity()["Arn"].endswith(":user/demo-admin")
    root = w.root_key()
    identity = _client(root, "sts", w.url).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{identity['Account']}:root"
    assert identity["UserId"] == identity["Account"]
    assert w.root_key() == root
    with pytest.raises(ValueError, match="managed policy"):
        w.console_create_iam_user(policy="NoSuchPolicy")
    with pytest.raises(ValueError, match="IAM user name"):
        w.console_create_iam_user(user_name="not a name")
    with pytest.raises(ValueError, match="unknown admin action"):
        w.admin("no-such-action")
    with pytest.raises(ValueError, match="takes no parameter"):
        w.admin("register-sandbox", now=True)
    first = w.console_create_iam_user()
    second = w.console_create_iam_user()
    with pytest.raises(ValueError, match="two access keys"):
        w.console_create_iam_user()
    third = w.console_create_iam_user(replace_keys=True)
    assert len({first, second, third}) == 3
    assert _error_code(lambda: _client(first, "sts", w.url).get_caller_identity()) == \
        "InvalidClientTokenId"
    assert _client(third, "sts", w.url).get_caller_identity()["Arn"].endswith(
        ":user/mturk-requester")
    w.unregister_sandbox()
    w.unlink_requester_account()
    assert w.steps_done() == {1: True, 2: False, 3: False}
    w.close_aws_account()
    assert w.steps_done() == {1: False, 2: False, 3: False}
    assert _error_code(lambda: _client(admin, "sts", w.url).get_caller_identity()) == \
        "InvalidClientTokenId"
    assert w.state()["users"] == 0


def test_the_clock_follows_real_time_plus_what_sleep_added(homes):
    w = world.connect(homes())
    before = w.now()
    w.sleep(7200)
    after = w.now()
    assert (after - before).total_seconds() >= 7200
    assert w.monotonic() >= after.timestamp()
    assert world.status(w.home)["clock_offset"] == 7200.0
    with pytest.raises(ValueError, match="forward"):
        w.admin("clock", advance=-1)


# --- persistence ------------------------------------------------------------------------------------


def _learner_day(w, key) -> dict:
    """A learner's day in the world: a balance, a HIT, assignments, time passing, an IAM user
    made over the IAM API (as create-iam-user does), a key of theirs deactivated."""
    w.set_balance("25.50")
    w.set_propagation_delay(0)
    mturk = _client(key, "mturk", w.endpoint())
    hit = mturk.create_hit(Title="A test HIT", Description="d", Reward="0.10",
                           MaxAssignments=3, LifetimeInSeconds=86400,
                           AssignmentDurationInSeconds=600, Question=QUESTION)["HIT"]
    assignments = w.workers_submit(hit["HITId"], 2)
    mturk.approve_assignment(AssignmentId=assignments[0])
    w.sleep(3600)
    iam = _client(w.admin_key(), "iam", w.url)
    iam.create_user(UserName="made-by-api")
    iam.attach_user_policy(UserName="made-by-api",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonMechanicalTurkFullAccess")
    made = iam.create_access_key(UserName="made-by-api")["AccessKey"]
    spare = iam.create_access_key(UserName="made-by-api")["AccessKey"]
    iam.update_access_key(UserName="made-by-api", AccessKeyId=spare["AccessKeyId"],
                          Status="Inactive")
    return {"hit": hit["HITId"], "assignments": assignments, "api_key": made,
            "spare": spare["AccessKeyId"]}


def _check_day(w, key, day) -> None:
    assert w.steps_done() == {1: True, 2: True, 3: True}
    assert _client(key, "sts", w.url).get_caller_identity()["Arn"].endswith(
        ":user/mturk-requester")
    mturk = _client(key, "mturk", w.endpoint())
    assert mturk.get_account_balance()["AvailableBalance"] == "10000.00"
    production = _client(key, "mturk", w.endpoint("production"))
    assert production.get_account_balance()["AvailableBalance"] == "25.50"
    assert [h["HITId"] for h in mturk.list_hits()["HITs"]] == [day["hit"]]
    listed = mturk.list_assignments_for_hit(HITId=day["hit"])["Assignments"]
    assert sorted(a["AssignmentId"] for a in listed) == sorted(day["assignments"])
    statuses = {a["AssignmentId"]: a["AssignmentStatus"] for a in listed}
    assert statuses[day["assignments"][0]] == "Approved"
    api = boto3.Session(aws_access_key_id=day["api_key"]["AccessKeyId"],
                        aws_secret_access_key=day["api_key"]["SecretAccessKey"],
                        region_name="us-east-1")
    assert api.client("sts", endpoint_url=w.url, config=ONE_TRY).get_caller_identity()[
        "Arn"].endswith(":user/made-by-api")
    keys = _client(w.admin_key(), "iam", w.url).list_access_keys(UserName="made-by-api")
    assert {k["AccessKeyId"]: k["Status"] for k in keys["AccessKeyMetadata"]}[day["spare"]] == \
        "Inactive"
    assert world.status(w.home)["clock_offset"] == 3600.0


def test_the_world_survives_stop_and_start(homes):
    home = homes()
    download = home.parent / "credentials.csv"
    w, key = _ready_world(home, download)
    day = _learner_day(w, key)
    admin = w.admin_key()
    saved = world.status(home)["saved_changes"]
    assert world.stop(home) is True
    assert _gone(w.pid)
    assert world.status(home) is None and not (home / world.WORLD_FILE).exists()
    assert world.saved_changes(home) == saved
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no WorldWarning: nothing was lost
        again = world.connect(home)
    assert again.pid != w.pid and again.started_now
    yesterday = load_credentials(download)  # yesterday's credentials.csv still works
    assert yesterday == key
    _check_day(again, yesterday, day)
    assert again.admin_key() == admin
    assert world.status(home)["notice"] is None


def test_the_world_survives_kill_minus_9(homes):
    home = homes()
    w, key = _ready_world(home)
    day = _learner_day(w, key)
    os.kill(w.pid, signal.SIGKILL)
    assert _gone(w.pid)
    assert (home / world.WORLD_FILE).exists()  # stale: its pid is dead
    again = world.connect(home)
    assert again.pid != w.pid
    _check_day(again, key, day)


def test_a_handle_outlives_its_world_stopping(homes):
    home = homes()
    w, key = _ready_world(home)
    old_pid = w.pid
    world.stop(home)
    assert w.steps_done() == {1: True, 2: True, 3: True}  # started again, found again
    assert w.pid != old_pid and w.pid == world.status(home)["pid"]


def test_a_damaged_journal_gives_a_fresh_world_and_says_what_was_lost(homes):
    home = homes()
    w, key = _ready_world(home)
    world.stop(home)
    journal = home / world.STATE_DIR / "journal.jsonl"
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"kind":"admin"', b'"kind":"admix"')  # a flipped bit
    journal.write_bytes(b"\n".join(lines))
    with pytest.warns(WorldWarning, match=r"damaged at line 2.*its 4 saved changes.*lost.*"
                                          r"guide step 4"):
        fresh = world.connect(home)
    assert fresh.steps_done() == {1: False, 2: False, 3: False}
    assert _error_code(lambda: _client(key, "sts", fresh.url).get_caller_identity()) == \
        "InvalidClientTokenId"
    assert (home / world.STATE_DIR / "journal.jsonl.damaged").exists()
    assert "damaged" in world.status(home)["notice"]
    # the fresh world is saved as any other
    fresh.create_aws_account()
    world.stop(home)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert world.connect(home).steps_done()[1] is True


def test_a_damaged_seed_file_gives_a_fresh_world(homes):
    home = homes()
    _ready_world(home)
    world.stop(home)
    (home / world.STATE_DIR / "meta.json").write_text('{"format": 1, "se')
    with pytest.warns(WorldWarning, match="seed.*damaged"):
        fresh = world.connect(home)
    assert fresh.steps_done()[1] is False


def test_a_torn_last_line_is_dropped_quietly(homes):
    home = homes()
    w, key = _ready_world(home)
    world.stop(home)
    journal = home / world.STATE_DIR / "journal.jsonl"
    whole = journal.read_bytes()
    with open(journal, "ab") as f:
        f.write(b'{"action":"close-aws-account","kind":"adm')  # the crash came mid-write
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = world.connect(home)
    assert again.steps_done() == {1: True, 2: True, 3: True}
    assert _client(key, "sts", again.url).get_caller_identity()
    assert journal.read_bytes().startswith(whole) and journal.read_bytes().endswith(b"\n")


def test_a_stale_or_broken_world_file_is_replaced(homes):
    home = homes()
    w = world.connect(home)
    pid, info = w.pid, json.loads((home / world.WORLD_FILE).read_text())
    world.stop(home)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, check=True)
    for stale in (dict(info, pid=int(finished.stdout)),  # a dead process
                  dict(info, pid=os.getpid()),  # alive, but not a world (this test)
                  dict(info, token="wrong")):  # a dead world's pid, a wrong token
        (home / world.WORLD_FILE).write_text(json.dumps(stale))
        fresh = world.connect(home)
        assert fresh.pid not in (pid, os.getpid()) and fresh.ping()
        world.stop(home)
    (home / world.WORLD_FILE).write_text("{not json")
    assert world.connect(home).ping()
    assert world._pid_alive(os.getpid())  # nobody killed this test's process


def test_a_world_serving_but_not_answering_as_itself_is_not_trusted(homes):
    home = homes()
    w = world.connect(home)
    info = json.loads((home / world.WORLD_FILE).read_text())
    (home / world.WORLD_FILE).write_text(json.dumps(dict(info, world_id="someone-else")))
    again = world.connect(home)
    assert again.world_id != "someone-else" and again.ping()
    assert _gone(w.pid)  # the old one, ours but unable to prove it, was ended
    assert _world_pids(home) == [again.pid]


def test_the_world_stops_after_its_idle_time(homes, monkeypatch):
    home = homes()
    world.connect(home).create_aws_account()
    world.stop(home)
    monkeypatch.setenv(world.IDLE_ENV, "1")
    w = world.connect(home)  # nothing asks it anything after this
    assert _gone(w.pid)
    assert not (home / world.WORLD_FILE).exists()
    assert world.status(home) is None
    monkeypatch.delenv(world.IDLE_ENV)
    assert world.connect(home).steps_done()[1] is True  # its state was kept
    log = (home / world.STATE_DIR / world.LOG_FILE).read_text()
    assert "idle for 1 s" in log


def test_a_world_nobody_can_find_stops(homes, monkeypatch):
    home = homes()
    monkeypatch.setenv(world.IDLE_ENV, "20")  # looks every 2 s
    w = world.connect(home)
    (home / world.WORLD_FILE).unlink()
    assert _gone(w.pid)
    assert "world.json is gone" in (home / world.STATE_DIR / world.LOG_FILE).read_text()


def test_a_world_that_cannot_start_says_why(homes):
    import fcntl

    home = homes()
    world.connect(home)
    world.stop(home)
    # A second server on the same state folder refuses to start (it would fork the journal):
    # here the test holds the folder's server lock, as a running world does.
    guard = os.open(home / world.STATE_DIR / world.SERVER_LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        with pytest.raises(world.WorldError, match="did not start.*already serves"):
            world.connect(home)
    finally:
        os.close(guard)
    assert world.connect(home).ping()


def test_a_bad_idle_setting_is_refused(homes, monkeypatch):
    monkeypatch.setenv(world.IDLE_ENV, "soon")
    with pytest.raises(world.WorldError, match="MTURKLINK_WORLD_IDLE must be a number"):
        world.connect(homes())


def test_a_change_whose_answer_was_lost_is_kept(homes):
    home = homes()
    w = world.connect(home)
    admin = w.create_aws_account()
    w.faults(drop_rate=1.0)
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        _client(admin, "iam", w.url).create_user(UserName="unheard")
    w.faults()
    iam = _client(admin, "iam", w.url)
    assert "unheard" in [u["UserName"] for u in iam.list_users()["Users"]]
    os.kill(w.pid, signal.SIGKILL)
    assert _gone(w.pid)
    again = world.connect(home)
    names = [u["UserName"] for u in _client(admin, "iam", again.url).list_users()["Users"]]
    assert "unheard" in names


def test_reset_gives_a_fresh_world(homes):
    home = homes()
    w, key = _ready_world(home)
    fresh = world.reset(home)
    assert fresh.pid != w.pid and _gone(w.pid)
    assert fresh.steps_done() == {1: False, 2: False, 3: False}
    assert world.saved_changes(home) == 0
    assert _error_code(lambda: _client(key, "sts", fresh.url).get_caller_identity()) == \
        "InvalidClientTokenId"


def test_the_console_reset_gives_a_fresh_world_in_place(homes):
    home = homes()
    w, key = _ready_world(home)
    admin = w.admin_key()
    w.sleep(600)
    w.admin("reset")
    assert w.steps_done() == {1: False, 2: False, 3: False}
    assert world.status(home)["pid"] == w.pid and world.saved_changes(home) == 0
    assert world.status(home)["clock_offset"] == 0.0
    assert _error_code(lambda: _client(key, "sts", w.url).get_caller_identity()) == \
        "InvalidClientTokenId"
    # the same steps again make other keys: a new seed, not the old draws once more
    again_admin = w.create_aws_account()
    assert again_admin.access_key_id != admin.access_key_id
    w.link_requester_account()
    w.register_sandbox()
    again_key = w.console_create_iam_user()
    assert again_key.access_key_id != key.access_key_id
    world.stop(home)  # and the world after the reset is saved as any other
    restarted = world.connect(home)
    assert restarted.admin_key() == again_admin
    assert _client(again_key, "sts", restarted.url).get_caller_identity()


def test_no_secret_in_the_world_files(homes):
    home = homes()
    download = home / "credentials.csv"
    w, key = _ready_world(home, download)
    iam = _client(w.admin_key(), "iam", w.url)
    iam.create_login_profile(UserName="mturk-requester", Password="Learner-Pass-123!")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                "Action": "sts:AssumeRole"}]}))
    temporary = _client(w.admin_key(), "sts", w.url).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="session")["Credentials"]
    secrets = [key.reveal_secret(), w.admin_key().reveal_secret(), w.root_key().reveal_secret(),
               "Learner-Pass-123!", temporary["SecretAccessKey"], temporary["SessionToken"]]
    info = world.status(home)
    assert not [s for s in secrets if s in json.dumps(info)]
    world.stop(home)
    assert _secrets_in(home, secrets, skip=("credentials.csv",)) == []
    assert stat.S_IMODE(download.stat().st_mode) == 0o600
    # …and the temporary credentials still work after the restart (same seed, same draws)
    again = world.connect(home)
    session = boto3.Session(aws_access_key_id=temporary["AccessKeyId"],
                            aws_secret_access_key=temporary["SecretAccessKey"],
                            aws_session_token=temporary["SessionToken"], region_name="us-east-1")
    assert ":assumed-role/r/session" in session.client(
        "sts", endpoint_url=again.url, config=ONE_TRY).get_caller_identity()["Arn"]


# --- the command line ---------------------------------------------------------------------------


def _demo(home: Path, *args: str, stdin: str | None = None, env: dict | None = None):
    environment = {k: v for k, v in os.environ.items() if k != world.IDLE_ENV}
    environment.update(MTURKLINK_HOME=str(home), **(env or {}))
    return subprocess.run([sys.executable, "-m", "mturklink_helpers", "demo", *args],
                          input=stdin if stdin is not None else "", capture_output=True,
                          text=True, env=environment, cwd=REPO, timeout=300)


def test_cli_demo_start_status_stop_reset(homes):
    home = homes()
    done = _demo(home, "status")
    assert done.returncode == 0 and "No demo world is running" in done.stdout
    done = _demo(home, "start")
    assert done.returncode == 0 and "Started the demo world in" in done.stdout
    pid = world.status(home)["pid"]
    w = world.connect(home)
    w.create_aws_account()
    key = w.console_create_iam_user()
    from mturklink_helpers import progress

    progress.mark_done(4, "demo", home)  # as notebook 04 records it: status says so too
    done = _demo(home, "status")
    assert done.returncode == 0
    assert f"pid {pid}" in done.stdout and "AWS account made yes, Requester account linked no" in done.stdout
    assert "Your progress (demo mode): step 4 done; next: step 1, AWS account." in done.stdout
    assert "IAM users: 2 (the demo administrator among them), access keys: 2" in done.stdout
    done = _demo(home, "status", "--json")
    report = json.loads(done.stdout)
    assert report["pid"] == pid and report["users"] == 2
    for secret in (w._token, key.reveal_secret(), w.admin_key().reveal_secret()):
        assert secret not in done.stdout + done.stderr
    done = _demo(home, "start")
    assert done.returncode == 0 and "is running at" in done.stdout
    assert world.status(home)["pid"] == pid
    # reset asks first
    done = _demo(home, "reset", stdin="no\n")
    assert done.returncode == 1 and "every IAM user, access key" in done.stderr
    assert "Nothing was reset" in done.stderr and world.status(home)["pid"] == pid
    done = _demo(home, "reset")  # no answer at all (stdin closed)
    assert done.returncode == 2 and "--yes" in done.stderr
    done = _demo(home, "stop")
    assert done.returncode == 0 and "Stopped" in done.stdout and _gone(pid)
    done = _demo(home, "stop")
    assert done.returncode == 0 and "No demo world was running" in done.stdout
    done = _demo(home, "status")
    assert "saved changes" in done.stdout and "No demo world is running" in done.stdout
    done = _demo(home, "reset", "--yes")
    assert done.returncode == 0 and "every key and HIT of the old one is gone" in done.stdout
    assert world.connect(home).steps_done()[1] is False
    assert _demo(home).returncode == 2
    assert _demo(home, "bogus").returncode == 2
    assert _demo(home, "start", env={world.IDLE_ENV: "never"}).returncode == 2
