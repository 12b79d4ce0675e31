"""Every notebook run in demo mode with known secrets, each followed in its kernel by its
checks (tests/notebooks/harness.py) and by what a curious learner also clicks, and saved as
JupyterLab saves it with "Save Widget State Automatically" on; then everything the run left
behind is searched for the secrets: the saved notebooks (outputs and widget state), the
kernels' stdout and stderr, nbclient's log of every kernel message, any exception, and every
file under the temporary HOME, MTURKLINK_HOME, TMPDIR and notebook folder. Only the key
files the learner chose may hold a secret, and those are mode 0600 and git-ignored.

The kernels share the learner's demo world (one process, found through MTURKLINK_HOME),
which makes every key, with known secrets (tests/secrets/conftest.py). Its files are
scanned too, while it runs: world.json (address and admin token), demo-world/meta.json (the
seed), demo-world/journal.jsonl (every change) and demo-world/server.log. None may hold an
access key's secret; world.json and meta.json are 0600 in 0700 folders, and the admin token
is in world.json only.

All eight kernels run once, in one session fixture, one after another (in order).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import stat
import subprocess
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mturklink_helpers import world as worlds
from mturklink_helpers.kit import CHOSEN_KEYS, DEMO_DOWNLOAD, Kit
from mturklink_helpers.widgets.keys import CreateIamUserForm
from tests.notebooks.harness import CHECKS, learner_env, run_lesson_async

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# One at a time, in order, as a learner goes: the kernels share one world now, and 05 run
# beside 04 would catch up on its own (a key of its own) while 04 makes the learner's.
PARALLEL_KERNELS = 1

# Beyond the lessons' checks: what a curious learner also clicks (appended to the copy only).
LEARNER_EXTRAS = {
    "04_create_iam_user": (
        "# The file chooser, as the browser fills it: the learner picks credentials.csv (and\n"
        "# JupyterLab may save the notebook before anyone presses “Load key”).\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n\n"
        "chosen = Path(load.path.value).read_bytes()\n"
        "load.upload.value = ({'name': 'credentials.csv', 'type': 'text/csv', 'size': len(chosen),\n"
        "                      'content': memoryview(chosen), 'last_modified': datetime.now(UTC)},)\n"
        "assert load.status_text.startswith('✓ Done: loaded'), load.status_text\n"
        "assert all(len(f['content']) == 0 for f in load.upload.value), 'bytes kept'\n"
    ),
    "08_manage_keys": (
        "# Route B again, with “make a new key” ticked: provisioning makes, saves and waits.\n"
        "create.new_key.value = True\n"
        "create.create_button.click()\n"
        "assert create.status_text.startswith('✓ Done'), create.status_text\n"
        "assert 'new access key AKIA' in create.output.value, create.output.value\n"
        "# And keeps it as the AWS profile “mturk”, for the command-line doctor.\n"
        "from mturklink_helpers.credentials import save_profile\n"
        "from mturklink_helpers.kit import kernel_kit\n"
        "save_profile(kernel_kit().key)\n"
    ),
    "07_troubleshooting": (
        "# Every mistake in the list, the doctor run after each (wrong secret and root key too).\n"
        "for _label, choice in problems.problem.options:\n"
        "    problems.problem.value = choice\n"
        "    problems.apply_button.click()\n"
        "    assert problems.status_text.startswith('✓ Done'), problems.status_text\n"
        "    doctor.run_button.click()\n"
        "    assert doctor.status_text[0] in '✓✗ℹ', doctor.status_text\n"
    ),
}

# Asked of each kernel after its notebook ran (not saved in the notebook): does the key the
# kernel holds have a known secret (the world made it), and was moto, the simulator or its
# HTTP server (whose admin interface hands out simulated secrets) ever imported? The probe
# holds the audit's seed, never a secret (nbclient logs it with every message).
PROBE = """\
import json as _json, sys as _sys
from mturklink_helpers.kit import kernel_kit as _kernel_kit
{code}
_key = _kernel_kit().key
print(_json.dumps({{
    "key_id": _key.access_key_id if _key else None,
    "known": known_stem({seed!r}) in _key.reveal_secret() if _key else None,
    "moto_imported": any(m == "moto" or m.startswith("moto.") for m in _sys.modules),
    "simulator_imported": any(m.startswith("mturklink_helpers.simulator") for m in _sys.modules),
    "server_imported": "mturklink_helpers.simulator.server" in _sys.modules,
}}))
"""


@dataclass
class Run:
    """One notebook's run: the saved copy, its error (if any) and what the probe said."""

    name: str
    saved: Path
    error: str | None = None
    probe: dict = field(default_factory=dict)


@dataclass
class Audit:
    stem: str  # every secret of the run starts with it
    scanner: object
    places: dict[str, Path]  # everything under these is scanned
    save_to_default: str  # route B's "Save key to" as the form first shows it
    seed: str = ""
    probe_code: str = ""  # known_stem() and friends, for the probe
    keys_log: Path | None = None  # key ids the world made (with known secrets)
    token: str = ""  # the world's admin token, read from world.json
    runs: dict[str, Run] = field(default_factory=dict)

    @property
    def keys_made(self) -> list[str]:
        return self.keys_log.read_text(encoding="utf-8").split() if self.keys_log else []

    @property
    def notebook_dir(self) -> Path:
        return self.places["notebook folder"]

    @property
    def chosen_key_files(self) -> set[Path]:
        """Where the learner chose to keep a key: the demo's download, route B's "Save key
        to", the kit's copy of the file chosen with "Choose file", and the shared AWS
        credentials file (a profile the learner saved)."""
        return {self.notebook_dir / DEMO_DOWNLOAD, self.notebook_dir / self.save_to_default,
                self.notebook_dir / CHOSEN_KEYS / "credentials.csv",
                self.places["HOME"] / ".aws" / "credentials"}

    def files(self):
        for place, folder in self.places.items():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    yield place, path


class LabLikeClient(NotebookClient):
    """nbclient, saving widget state as JupyterLab does: a widget's binary buffers go when the
    kernel replaces the value that held them (nbclient would keep the old ones forever)."""

    def handle_comm_msg(self, outs, msg, cell_index):
        data = msg["content"]["data"]
        if self.store_widget_state and "state" in data:
            buffers = self.widget_buffers.get(msg["content"]["comm_id"], {})
            for path in [p for p in buffers if p and p[0] in data["state"]]:
                del buffers[path]
        super().handle_comm_msg(outs, msg, cell_index)


def kernel_env(home: Path, kit_home: Path, tmp: Path) -> dict[str, str]:
    return learner_env(home, MTURKLINK_HOME=str(kit_home), TMPDIR=str(tmp))


async def run_notebook(path: Path, audit: Audit, env: dict, logs: Path, gate: asyncio.Semaphore) -> Run:
    name = path.stem
    saved = audit.notebook_dir / path.name
    run = Run(name, saved)
    nb = nbformat.read(saved, as_version=4)
    log = logging.getLogger(f"secrets-audit.{name}")
    log.setLevel(logging.DEBUG)  # nbclient logs every kernel message at debug level
    log.propagate = False
    handler = logging.FileHandler(logs / f"{name}.nbclient.log", encoding="utf-8")
    log.addHandler(handler)
    async with gate:
        with open(logs / f"{name}.kernel-stdout", "wb") as out, \
                open(logs / f"{name}.kernel-stderr", "wb") as err:
            try:
                # The lesson, its checks and the extras are kept in the saved copy (with the
                # widget state); the probe is asked of the kernel afterwards and not kept.
                lesson = await run_lesson_async(
                    nb, home=audit.places["HOME"], checks=CHECKS[name],
                    then=[LEARNER_EXTRAS[name]] if name in LEARNER_EXTRAS else [],
                    ask=[PROBE.format(code=audit.probe_code, seed=audit.seed)],
                    env=env, cwd=audit.notebook_dir, client_class=LabLikeClient,
                    kernel_output=(out, err), store_widget_state=True, log=log)
                run.probe = json.loads(lesson.answers[0])
            except Exception as exc:  # noqa: BLE001 - kept, scanned, and then failed on
                run.error = "".join(traceback.format_exception(exc))
                (logs / f"{name}.exception.txt").write_text(run.error, encoding="utf-8")
    log.removeHandler(handler)
    handler.close()
    nbformat.write(nb, saved)
    return run


@pytest.fixture(scope="session")
def audit(tmp_path_factory, audit_seed, audit_site, secret_tools) -> Audit:
    base = tmp_path_factory.mktemp("secrets-audit")
    places = {name: base / folder for name, folder in (
        ("HOME", "home"), ("MTURKLINK_HOME", "kit-home"), ("TMPDIR", "tmp"),
        ("notebook folder", "notebooks"), ("logs and exceptions", "logs"))}
    for folder in places.values():
        folder.mkdir()
    for path in NOTEBOOKS:
        shutil.copy(path, places["notebook folder"] / path.name)
    stem = secret_tools.known_stem(audit_seed)
    default = CreateIamUserForm(kit=Kit("demo", home_dir=base / "unused-home")).save_to.value
    audit = Audit(stem, secret_tools.Scanner([stem]), places, default, seed=audit_seed,
                  probe_code=secret_tools.code, keys_log=base / "world-keys.txt")
    env = kernel_env(places["HOME"], places["MTURKLINK_HOME"], places["TMPDIR"])
    # The learner's world, started before the first kernel needs it (so that it is started
    # with the audit's known secrets); the kernels find it through MTURKLINK_HOME.
    secret_tools.start_world(places["MTURKLINK_HOME"], audit_seed, audit_site, audit.keys_log)
    audit.token = json.loads((places["MTURKLINK_HOME"] / worlds.WORLD_FILE).read_text())["token"]

    async def run_all():
        gate = asyncio.Semaphore(PARALLEL_KERNELS)
        return await asyncio.gather(*(run_notebook(p, audit, env, places["logs and exceptions"], gate)
                                      for p in NOTEBOOKS))

    try:
        # In a thread of its own: a session-wide Playwright (the browser tests) keeps an event
        # loop running in this one, and asyncio.run refuses to start a second there.
        with ThreadPoolExecutor(1) as thread:
            audit.runs = {run.name: run for run in thread.submit(asyncio.run, run_all()).result()}
        yield audit  # the world still runs: its files are scanned as they are while it runs
    finally:
        worlds.stop(places["MTURKLINK_HOME"])


def test_every_notebook_ran_and_every_key_had_a_known_secret(audit):
    assert [r.name for r in audit.runs.values()] == [p.stem for p in NOTEBOOKS]
    assert len(NOTEBOOKS) == 9
    made = audit.keys_made
    for run in audit.runs.values():
        assert run.error is None, f"{run.name} failed:\n{run.error}"
        # No kernel plays AWS: moto and the simulator live in the world's process only.
        assert not run.probe["moto_imported"] and not run.probe["simulator_imported"], run.probe
    # Notebooks 04–08 hold a key (the learner's; in 07 the last problem's, the root key; in 08
    # the one Route B made), made by the world with a known secret; so did every key the
    # world made (admin, learner, provisioned, root, the problems'), which the world's
    # patched moto listed.
    for name in ("04_create_iam_user", "05_link_turkprime", "06_sandbox_test_hit", "07_troubleshooting",
                 "08_manage_keys"):
        probe = audit.runs[name].probe
        assert probe["known"] is True and probe["key_id"] in made, (name, probe)
    assert len(made) >= 8, made


def test_saved_notebooks_hold_widget_state_showing_what_the_learner_saw(audit):
    for run in audit.runs.values():
        saved = json.loads(run.saved.read_text(encoding="utf-8"))
        state = saved["metadata"]["widgets"][WIDGET_STATE]["state"]
        assert len(state) >= 10, (run.name, len(state))
        text = json.dumps(state, ensure_ascii=False)
        # The final status lines are in the saved state: a secret shown would be there too.
        assert "✓ Done" in text, run.name
        assert any(cell.get("outputs") for cell in saved["cells"] if cell["cell_type"] == "code")
    loaded = json.dumps(json.loads(audit.runs["04_create_iam_user"].saved.read_text())["metadata"])
    assert "loaded access key AKIA" in loaded and "**** (never shown)" in loaded


def test_no_secret_anywhere_except_the_key_files_the_learner_chose(audit):
    chosen = {p.resolve() for p in audit.chosen_key_files}
    found, counts = {}, dict.fromkeys(audit.places, (0, 0))
    for place, path in audit.files():
        files, size = counts[place]
        counts[place] = (files + 1, size + path.stat().st_size)
        if path.resolve() in chosen:
            continue
        hits = audit.scanner.scan_file(path)
        if hits:
            found[str(path.relative_to(audit.places[place].parent))] = hits
    for run in audit.runs.values():
        if run.error and audit.scanner.find(run.error):
            found[f"exception in {run.name}"] = audit.scanner.find(run.error)
    _write_summary(audit, counts, found)
    assert not found, f"secret found outside the chosen key files: {found}"
    # The scan saw what the run made: the saved notebooks with the key files, the settings and
    # progress, the world's files, and three logs per kernel (IPython keeps a kernel's history
    # in memory).
    assert counts["notebook folder"][0] >= len(NOTEBOOKS) + 2
    kit_home = audit.places["MTURKLINK_HOME"]
    scanned = {p for _place, p in audit.files()}
    for name in (worlds.WORLD_FILE, "settings.json", "progress.json", "demo-world/meta.json",
                 "demo-world/journal.jsonl", "demo-world/server.log"):
        assert kit_home / name in scanned, name
    assert (kit_home / "demo-world" / "journal.jsonl").stat().st_size > 1000  # every change
    assert counts["logs and exceptions"][0] >= 3 * len(NOTEBOOKS)


def test_the_worlds_files_are_private_and_its_token_is_in_world_json_only(audit):
    kit_home = audit.places["MTURKLINK_HOME"]
    for folder in (kit_home, kit_home / "demo-world"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, (folder, oct(folder.stat().st_mode))
    for path in (kit_home / worlds.WORLD_FILE, kit_home / "demo-world" / "meta.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    assert len(audit.token) >= 32
    holding = [str(path) for _place, path in audit.files() if audit.token.encode() in path.read_bytes()]
    assert holding == [str(kit_home / worlds.WORLD_FILE)]
    for run in audit.runs.values():
        assert not run.error or audit.token not in run.error


def test_chosen_key_files_hold_the_secret_privately_and_are_git_ignored(audit):
    holding = sorted(audit.chosen_key_files)
    for path in holding:  # notebook 04 and the learner's extra steps wrote all three
        assert path.is_file(), path
        # Proves the scanner and the known secrets on real output: it finds the key here.
        assert audit.scanner.scan_file(path), f"{path} holds no known secret"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
        assert not list(path.parent.glob(f".{path.name}.*")), "a temporary key file was left"
    in_repo = [f"notebooks/{p.relative_to(audit.notebook_dir)}" for p in holding
               if p.is_relative_to(audit.notebook_dir)]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *in_repo], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert sorted(ignored) == sorted(in_repo)


def test_notebooks_never_reach_the_simulator_admin_interface(audit):
    # /_admin/requester-key answers a (simulated) secret in JSON: only the HTTP server has
    # it, and no notebook, form or module a notebook uses starts or imports that server.
    for run in audit.runs.values():
        assert run.probe["server_imported"] is False, run.name
    sources = [p.read_text(encoding="utf-8") for p in NOTEBOOKS]
    sources += [p.read_text(encoding="utf-8") for p in
                [*(ROOT / "mturklink_helpers" / "widgets").glob("*.py"),
                 ROOT / "mturklink_helpers" / "kit.py", ROOT / "mturklink_helpers" / "problems.py"]]
    for text in sources:
        assert not re.search(r"_admin/|simulator\.server|SimulatorServer|new_requester_key", text)


def _write_summary(audit: Audit, counts: dict, found: dict) -> None:
    """What was scanned, for the README's reliability table (test-artifacts/ is git-ignored)."""
    out = ROOT / "test-artifacts" / "secrets-audit.json"
    out.parent.mkdir(exist_ok=True)
    summary = {
        "notebooks": len(audit.runs),
        "keys_made": len(audit.keys_made),
        "scanned": {place: {"files": n, "bytes": size} for place, (n, size) in counts.items()},
        "chosen_key_files": sorted(str(p.relative_to(audit.notebook_dir.parent))
                                   for p in audit.chosen_key_files),
        "needles": len(audit.scanner.needles),
        "found": found,
    }
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
