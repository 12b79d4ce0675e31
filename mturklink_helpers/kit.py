"""The kit object: mode, MTurk environment, key, clock and endpoints, in one place.

Demo mode is live mode pointed at the learner's own local AWS (their *world*, see
:mod:`.world`): the same clients, the same doctor, the same forms; only the endpoints, the
key and the clock differ. Nothing here patches botocore, so a client for AWS's real
endpoints is always answered by AWS, whatever mode a kernel was in before.

The learner's choices (mode, environment, which key file they loaded: never a secret) are
saved in ``$MTURKLINK_HOME/settings.json`` and read by every notebook and command, so the
mode chosen in notebook 00 and the key loaded in 04 are there in 05, 06 and 07.
``MTURKLINK_MODE`` overrides the saved mode.

Widgets are given a :class:`Kit` (by default the kernel's own, :func:`kernel_kit`).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import progress, room
from .clients import AWS, Endpoints, client
from .credentials import AccessKey, write_private_file
from .endpoints import Environment
from .retry import REAL_TIME, Clock, Wait

if TYPE_CHECKING:
    from .doctor import Diagnosis
    from .world import World

MODES = ("demo", "live")
# Where the demo world's IAM console "downloads" credentials.csv: beside the notebooks
# (their working folder), git-ignored (secrets/).
DEMO_DOWNLOAD = Path("secrets") / "demo-downloads" / "credentials.csv"
# Key files a learner chose in the browser (notebook 04's "Choose file"): a copy is kept here,
# beside the lessons like the other key files (secrets/ is git-ignored), so the next
# notebooks find it as they find a key loaded by its path.
CHOSEN_KEYS = Path("secrets") / "chosen"
# How often a kernel looks at the progress file for steps that other notebooks (their own
# kernels) recorded, so an overview open in another tab catches up by itself.
PROGRESS_POLL_SECONDS = 1.0


def home() -> Path:
    """The learner's kit folder: ``$MTURKLINK_HOME`` or ``~/.mturklink``."""
    return Path(os.environ.get("MTURKLINK_HOME") or Path.home() / ".mturklink")


def _settings_path(folder: Path) -> Path:
    return folder / "settings.json"


def load_settings(folder: Path | None = None) -> dict:
    """The saved choices; an unreadable file counts as none saved."""
    try:
        data = json.loads(_settings_path(folder or home()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Kit:
    """What a kernel or a command knows: mode, environment, key, and where AWS is.

    ``endpoint_url``: a simulator server started by hand (``python -m
    mturklink_helpers.simulator serve``) instead of AWS or the learner's world.
    """

    def __init__(self, mode: str | None = None, environment: Environment | str | None = None,
                 *, home_dir: str | os.PathLike | None = None, endpoint_url: str | None = None,
                 load_saved_key: bool = True):
        self.home = Path(home_dir) if home_dir is not None else home()
        saved = load_settings(self.home)
        chosen = mode or os.environ.get("MTURKLINK_MODE") or saved.get("mode") or "demo"
        self.mode = _parse_mode(chosen)
        self.environment = Environment.parse(environment or saved.get("environment", "sandbox"))
        self.endpoint_url = endpoint_url
        self.key: AccessKey | None = None
        self._world: World | None = None
        self._watchers: list = []
        if load_saved_key:
            self.key = self.saved_key()

    def __repr__(self) -> str:
        key = self.key.masked_id if self.key else "none"
        # Never starts a world just to show itself.
        where = (self.endpoint_url or (self._world.url if self._world else "the demo world")
                 if self.is_demo or self.endpoint_url else "AWS")
        return f"<Kit {self.mode} mode, MTurk {self.environment.value}, key {key}, {where}>"

    # --- mode and environment -------------------------------------------------------------

    @property
    def is_demo(self) -> bool:
        return self.mode == "demo"

    def set_mode(self, mode: str, environment: Environment | str | None = None) -> None:
        """Switch mode (and environment); saved for every notebook and command."""
        mode = _parse_mode(mode)
        if mode != self.mode:
            # A demo key means nothing to real AWS, and the reverse: each mode has its own.
            self.mode, self.key, self._world = mode, None, None
            self.key = self.saved_key()
            self._progress_changed()  # another mode, another progress list
        if environment is not None:
            self.environment = Environment.parse(environment)
        self._save(mode=self.mode, environment=self.environment.value)

    # --- where AWS is ---------------------------------------------------------------------

    @property
    def world(self) -> World:
        """The learner's demo world (demo mode only), started on demand."""
        if not self.is_demo:
            raise RuntimeError("the demo world exists only in demo mode: this kit is in live mode")
        if self._world is None:
            from .world import connect

            self._world = connect(self.home)
        return self._world

    @property
    def endpoints(self) -> Endpoints:
        if self.endpoint_url:
            return Endpoints.of(self.endpoint_url)
        if self.is_demo:
            return Endpoints.of(self.world.url)
        return AWS

    @property
    def clock(self) -> Clock:
        """Real time live; the world's clock in demo (waits never make a learner wait)."""
        return self.world if self.is_demo and not self.endpoint_url else REAL_TIME

    def wait(self, **kwargs) -> Wait:
        return Wait(clock=self.clock, **kwargs)

    # --- clients --------------------------------------------------------------------------

    def _need_key(self) -> AccessKey:
        if self.key is None:
            raise NoKeyLoaded()
        return self.key

    def mturk(self, environment: Environment | str | None = None, **kwargs):
        """An MTurk client for the loaded key (the kit's environment unless told)."""
        return client(self._need_key(), "mturk", self.endpoints,
                      environment or self.environment, **kwargs)

    def aws(self, service: str, credentials=None):
        """An IAM or STS client (the loaded key unless other credentials are given)."""
        return client(credentials or self._need_key(), service, self.endpoints)

    def admin(self, profile: str | None = None):
        """Credentials allowed to manage IAM: the world's administrator in demo mode, else
        the named AWS profile (None: boto3's default chain)."""
        if self.is_demo and not self.endpoint_url:
            return self.world.admin_key().session()
        import boto3

        return boto3.Session(profile_name=profile or None, region_name="us-east-1")

    # --- the key --------------------------------------------------------------------------

    def use_key(self, key: AccessKey, path: str | os.PathLike | None = None) -> AccessKey:
        """Load ``key``; with ``path`` (its file) it is also found by later notebooks."""
        self.key = key
        if path is not None:
            self._save(**{f"key_file_{self.mode}": os.fspath(Path(path).resolve())})
        return key

    def keep_chosen_key(self, key: AccessKey, name: str) -> Path:
        """Load ``key``, read from a file the learner chose in the browser (named ``name``),
        and keep it for the next notebooks: written as CHOSEN_KEYS/name (0600, atomically,
        replacing an earlier copy of that name) and remembered like a key loaded by its path."""
        import re

        from .credentials import write_credentials

        safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name).lstrip(".") or "credentials.csv"
        path = write_credentials(key, CHOSEN_KEYS / safe, overwrite=True)
        self.use_key(key, path)
        return path

    def identity(self, key: AccessKey | None = None) -> tuple[str | None, str]:
        """(ARN, "") of who AWS says the key belongs to, or (None, why it is not known)."""
        from botocore.exceptions import BotoCoreError, ClientError

        from .errors import classify

        try:
            return self.aws("sts", key).get_caller_identity()["Arn"], ""
        except (ClientError, BotoCoreError) as exc:
            return None, classify(exc).sentence()

    def demo_download(self) -> Path:
        return DEMO_DOWNLOAD.resolve()

    def saved_key(self) -> AccessKey | None:
        """The key file this mode's learner loaded last (by its path), read again; None when
        there is none, or it was moved or deleted (the learner loads it again in notebook 04)."""
        from .credentials import load_credentials_if_there

        return load_credentials_if_there(load_settings(self.home).get(f"key_file_{self.mode}"))

    # --- the doctor and progress ----------------------------------------------------------

    def diagnose(self, key: AccessKey | None = None, **kwargs) -> Diagnosis:
        """The doctor on the loaded key, with this kit's endpoints and clock."""
        from .doctor import diagnose

        kwargs.setdefault("wait", self.wait())
        diagnosis = diagnose(key or self._need_key(), endpoints=self.endpoints, **kwargs)
        room.report(self, diagnosis)  # on a workshop hub only (room.py)
        return diagnosis

    def check_step(self, number: int):
        """Is guide step ``number`` done? A :class:`~.doctor.StepVerdict`; it is recorded in
        the progress list only when proven (done True), and un-recorded when disproven."""
        from .doctor import StepVerdict, step_verdict
        from .steps import step

        step(number)
        if self.key is None and self.is_demo and number <= 3 and not self.endpoint_url:
            done = self.world.steps_done()[number]  # the demo's websites, seen directly
            action = step(number).demo.label
            verdict = StepVerdict(number, done, f"step {number} is done." if done else
                                  f"step {number} is not done yet: follow the checklist (in demo "
                                  f"mode, press “Demo: {action}”).")
        elif self.key is None:
            verdict = StepVerdict(number, None, "the kit can check this step once you have an "
                                  "access key (step 4): load credentials.csv in notebook 04, then "
                                  "come back.")
        else:
            verdict = step_verdict(self.diagnose(), number)
        if verdict.done:
            self.record(number)
        elif verdict.done is False:
            self.unrecord(number)
        return verdict

    def record_diagnosis(self, diagnosis: Diagnosis) -> None:
        """What a run of the doctor proves goes into the progress list: a step whose checks
        passed is done (not step 5: the learner says so first), one they disproved is not
        (a problem made on purpose in notebook 07 un-marks its step)."""
        from .doctor import step_verdict
        from .steps import STEPS

        for step in (s for s in STEPS if s.checks):
            done = step_verdict(diagnosis, step.number).done
            if done and not step.learner_confirms:
                progress.mark_done(step.number, self.mode, self.home)
            elif done is False:
                progress.mark_undone(step.number, self.mode, self.home)
        self._progress_changed()

    def record(self, *steps: int) -> None:
        """Mark steps done in this mode's progress list (only on evidence: callers check)."""
        for number in steps:
            progress.mark_done(number, self.mode, self.home)
        self._progress_changed()

    def unrecord(self, *steps: int) -> None:
        for number in steps:
            progress.mark_undone(number, self.mode, self.home)
        self._progress_changed()

    def on_progress(self, callback) -> None:
        """Call ``callback()`` whenever the progress list changes: this kit records or
        un-records a step, or another notebook's kernel did (the overview map redraws
        itself). The progress file is looked at every PROGRESS_POLL_SECONDS, on the
        kernel's event loop between cells; without a running loop (a test, a command) only
        this kit's own changes count."""
        self._watchers.append(callback)
        if len(self._watchers) == 1:
            self._watch_progress_file()

    def _progress_stamp(self) -> tuple | None:
        try:
            info = progress.progress_path(self.home).stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def _watch_progress_file(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        seen = self._progress_stamp()

        def look() -> None:
            nonlocal seen
            try:
                stamp = self._progress_stamp()
                if stamp != seen:
                    seen = stamp
                    self._progress_changed()
            finally:
                loop.call_later(PROGRESS_POLL_SECONDS, look)

        loop.call_later(PROGRESS_POLL_SECONDS, look)

    def _progress_changed(self) -> None:
        room.report(self)  # on a workshop hub only (room.py)
        for callback in list(self._watchers):
            callback()

    def steps_done(self) -> set[int]:
        return progress.steps_done(self.mode, self.home)

    # --- settings -------------------------------------------------------------------------

    def _save(self, **changes) -> None:
        data = load_settings(self.home)
        data.update(changes)
        data = {k: v for k, v in data.items() if v is not None}
        write_private_file(_settings_path(self.home), json.dumps(data, indent=2, sort_keys=True),
                           overwrite=True)


class NoKeyLoaded(RuntimeError):
    def __init__(self):
        super().__init__("no access key is loaded yet: load credentials.csv first (notebook 04, "
                         "guide step 4 j–k)")


def _parse_mode(mode: str) -> str:
    mode = str(mode).strip().lower()
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use 'demo' or 'live'")
    return mode


_KERNEL_KIT: Kit | None = None


def kernel_kit() -> Kit:
    """This kernel's kit, made on first use from the saved settings."""
    global _KERNEL_KIT
    if _KERNEL_KIT is None:
        _KERNEL_KIT = Kit()
    return _KERNEL_KIT
