"""The learner's demo world: one local service per ``$MTURKLINK_HOME``, found or started on demand.

The world is a background process (``mturklink_helpers.world_server``) serving, on
``http://127.0.0.1:PORT``, moto's IAM and STS, the kit's MTurk simulator (``/sandbox``,
``/production``) and a token-protected console (``/_admin/…``). Every kernel, terminal and
command of a learner finds the same world through ``$MTURKLINK_HOME/world.json``::

    from mturklink_helpers import world
    w = world.connect()                  # the running world, or a new one started now
    w.create_aws_account()               # guide step 1 (a console action)
    key = w.console_create_iam_user(download="credentials.csv")
    boto3.client("mturk", endpoint_url=w.endpoint("sandbox"), ...)

This module is the client side: it only speaks HTTP (urllib, short timeouts) and never
imports moto or the simulator, so a kernel stays light. What lives where (docs/world.md):

* ``$MTURKLINK_HOME/world.json`` (0600): address, pid, admin token and id of the running
  world; checked before use (the pid is alive, is a world server of this home, and answers
  an authenticated ping with the right world id), replaced when stale;
* ``$MTURKLINK_HOME/world.lock``: ``flock``-ed while a world is found, started or stopped,
  so processes calling :func:`connect` at the same moment get one world;
* ``$MTURKLINK_HOME/demo-world/`` (0700): the world's seed and its journal of changes, from
  which a restarted world rebuilds the same users, keys, links, balances and HITs.

The world stops by itself after ``MTURKLINK_WORLD_IDLE`` seconds without a request (default
3600), or with :func:`stop` (``python -m mturklink_helpers demo stop``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from .credentials import AccessKey

WORLD_FILE = "world.json"
LOCK_FILE = "world.lock"
STATE_DIR = "demo-world"
LOG_FILE = "server.log"
SERVER_LOCK_FILE = "server.lock"  # held by the world serving demo-world/ for its whole life
TOKEN_HEADER = "X-MTurkLink-Token"
IDLE_ENV = "MTURKLINK_WORLD_IDLE"
DEFAULT_IDLE = 3600.0  # seconds without a request before the world stops by itself
START_TIMEOUT = 120.0  # a cold start on a busy machine, replaying a long journal
PING_TIMEOUT = 5.0
ADMIN_TIMEOUT = 60.0
FORMAT = 1  # of world.json and of the state under demo-world/
SERVER_MODULE = "mturklink_helpers.world_server"
ENVIRONMENTS = ("sandbox", "production")


def home() -> Path:
    """The learner's kit folder: ``$MTURKLINK_HOME``, or ``~/.mturklink``."""
    return Path(os.environ.get("MTURKLINK_HOME") or "~/.mturklink").expanduser().absolute()


class WorldError(RuntimeError):
    """The demo world could not do something: one sentence, what went wrong and what to do."""


class DemoStepMissing(WorldError):
    """A console action needs an earlier step of the guide (one sentence, names the step)."""


class WorldWarning(UserWarning):
    """Something the learner should know about their world (its saved state was damaged…)."""


# --- finding, starting and stopping the world -------------------------------------------------


def connect(home: str | os.PathLike | None = None, *, start: bool = True) -> World:
    """The learner's world: the one running for ``home``, or (``start``) a new one started now.

    Safe to call from any number of processes at once: they all get the same world. A world
    that starts with a notice (its saved state was damaged and it started fresh) also warns
    with :class:`WorldWarning`.
    """
    folder = _prepare_home(home)
    idle = idle_timeout()  # bad input is refused before anything starts
    with _locked(folder):
        world = _find(folder)
        if world is None:
            if not start:
                raise WorldError(
                    f"no demo world is running for {folder}: connect() or "
                    "`python -m mturklink_helpers demo start` starts one")
            world = _spawn(folder, idle)
    if world.notice and world.started_now:
        warnings.warn(world.notice, WorldWarning, stacklevel=2)
    return world


def status(home: str | os.PathLike | None = None) -> dict | None:
    """What the running world says about itself (never a secret), or None: no world running."""
    folder = _folder(home)
    info = _read_world_file(folder)
    if info is None:
        return None
    world = World(info, folder)
    if not world._alive():
        return None
    try:  # not world.admin(): asking must never start a world
        return _post(world.url, "status", {}, world._token, PING_TIMEOUT)
    except (WorldError, ValueError, _Refused, _WrongToken):
        return None


def stop(home: str | os.PathLike | None = None) -> bool:
    """Stop the world of ``home``; False if none was running. Its saved state is kept."""
    folder = _folder(home)
    if not folder.is_dir():
        return False
    with _locked(folder):
        return _stop_locked(folder)


def reset(home: str | os.PathLike | None = None) -> World:
    """A fresh world: the running one is stopped, every saved user, key, link and HIT deleted."""
    folder = _prepare_home(home)
    idle = idle_timeout()
    with _locked(folder):
        _stop_locked(folder)
        _wipe_state(folder)
        return _spawn(folder, idle)


def saved_changes(home: str | os.PathLike | None = None) -> int:
    """How many world-changing requests the saved state of ``home`` holds (0: none saved)."""
    journal = _folder(home) / STATE_DIR / "journal.jsonl"
    try:
        with open(journal, "rb") as f:
            return sum(1 for line in f if line.endswith(b"\n"))
    except OSError:
        return 0


def idle_timeout(environ=None) -> float:
    """Seconds without a request after which the world stops (``MTURKLINK_WORLD_IDLE``)."""
    raw = (os.environ if environ is None else environ).get(IDLE_ENV, "").strip()
    if not raw:
        return DEFAULT_IDLE
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < 10 ** 9:  # NaN fails too
        raise WorldError(f"{IDLE_ENV} must be a number of seconds above 0, not {raw[:20]!r}")
    return value


# --- the handle ---------------------------------------------------------------------------------


class World:
    """A handle on a running world (cheap: an address and a token; no moto inside).

    ``url`` serves IAM and STS (boto3 ``endpoint_url``); :meth:`endpoint` gives MTurk's.
    If the world stopped meanwhile (idle), the next call starts it again, on the same port
    when it is free.
    """

    __slots__ = ("url", "pid", "home", "world_id", "started", "notice", "started_now",
                 "startup_seconds", "_token")

    def __init__(self, info: dict, home: Path):
        self.home = home
        self.started_now = False
        self.startup_seconds: float | None = None
        self._load(info)

    def _load(self, info: dict) -> None:
        self.url = f"http://127.0.0.1:{int(info['port'])}"
        self.pid = int(info["pid"])
        self.world_id = str(info["world_id"])
        self.started = str(info.get("started", ""))
        self.notice = info.get("notice") or None
        self._token = str(info["token"])

    def __repr__(self) -> str:
        return f"<World {self.url} pid {self.pid} home {self.home}>"

    def __reduce_ex__(self, protocol):
        raise TypeError("a World holds its admin token and cannot be pickled")

    def endpoint(self, environment: str = "sandbox") -> str:
        """MTurk's boto3 ``endpoint_url`` in this world (``sandbox`` or ``production``)."""
        environment = getattr(environment, "value", environment)
        if environment not in ENVIRONMENTS:
            raise ValueError(f"environment must be 'sandbox' or 'production', not {environment!r}")
        return f"{self.url}/{environment}"

    # --- the console ---------------------------------------------------------------------

    def admin(self, action: str, **params) -> dict:
        """One token-authenticated console call (``POST /_admin/<action>``, JSON both ways)."""
        try:
            return _post(self.url, action, params, self._token, ADMIN_TIMEOUT)
        except _Refused:
            # The world stopped (idle, `demo stop`): start it again and say it once more.
            # Safe: a refused connection delivered nothing.
            self._reconnect()
            return _post(self.url, action, params, self._token, ADMIN_TIMEOUT)
        except _WrongToken:
            # Another process restarted the world (same port, new token): find it again.
            self._reconnect()
            return _post(self.url, action, params, self._token, ADMIN_TIMEOUT)

    def ping(self) -> bool:
        """Whether this world answers, authenticated, as itself."""
        try:
            answer = _post(self.url, "ping", {}, self._token, PING_TIMEOUT)
        except (WorldError, _Refused, _WrongToken):
            return False
        return answer.get("world_id") == self.world_id

    def steps_done(self) -> dict[int, bool]:
        """{1: the AWS account exists, 2: Requester account linked, 3: sandbox registered}."""
        return {int(k): bool(v) for k, v in self.admin("steps")["steps"].items()}

    def create_aws_account(self) -> AccessKey:
        """Step 1: the AWS account now exists; returns its administrator's key."""
        self.admin("create-aws-account")
        return self.admin_key()

    def close_aws_account(self) -> None:
        """Undo step 1: every IAM user and key of the account is gone, links too."""
        self.admin("close-aws-account")

    def link_requester_account(self) -> None:
        """Step 2: link the AWS account to the MTurk Requester account (production side)."""
        self.admin("link-requester-account")

    def unlink_requester_account(self) -> None:
        self.admin("unlink-requester-account")

    def register_sandbox(self) -> None:
        """Step 3: register for the Requester Sandbox (linking the sandbox side)."""
        self.admin("register-sandbox")

    def unregister_sandbox(self) -> None:
        self.admin("unregister-sandbox")

    def admin_key(self) -> AccessKey:
        """Step 1's administrator: an IAM user allowed everything (random in every world)."""
        return _key(self.admin("admin-key"), "demo world (administrator)")

    def root_key(self) -> AccessKey:
        """An access key of the account's root user (STS answers ``…:root`` for it)."""
        made = self.admin("root-key")
        return AccessKey(made["AccessKeyId"], made["SecretAccessKey"],
                         source="demo world (root user)")

    def save_admin_profile(self, path: str | os.PathLike, name: str = "admin") -> Path:
        """Write the admin key as profile ``name`` to a credentials file (mode 0600)."""
        from .credentials import save_profile

        return save_profile(self.admin_key(), name, path)

    def console_create_iam_user(self, user_name: str = "mturk-requester",
                                policy: str | None = "AmazonMechanicalTurkFullAccess",
                                download: str | os.PathLike | None = None,
                                replace_keys: bool = False) -> AccessKey:
        """Step 4 a–k in the IAM console: a user, ``policy`` (None: skip f–h), a key.

        With ``download`` the key is written like the console's credentials.csv (0600, never
        over an existing file). ``replace_keys`` deletes the user's earlier keys first (IAM
        allows two keys per user, as the console says).
        """
        made = self.admin("console-create-iam-user", user_name=user_name, policy=policy,
                          replace_keys=bool(replace_keys))
        key = _key(made, "credentials.csv")
        if download is not None:
            from .credentials import write_credentials

            write_credentials(key, download)
        return key

    def workers_submit(self, hit_id: str, count: int | None = None,
                       environment: str = "sandbox") -> list[str]:
        """Simulated workers accept and submit assignments of a HIT; the new assignment ids."""
        return list(self.admin("workers-submit", hit_id=hit_id, count=count,
                               environment=environment)["assignment_ids"])

    def learner_worker_id(self, environment: str = "sandbox") -> str:
        """The learner's own worker id on the world's worker site ("you"): what the answers
        they submit there carry as WorkerId. One per world and environment."""
        return str(self.admin("learner")[getattr(environment, "value", environment)])

    # --- the world's clock: real time, plus whatever sleep() added ---------------------------

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.admin("clock")["now"])

    def sleep(self, seconds: float) -> None:
        """Let the world's time pass (what waiting means in demo mode: nobody waits for real)."""
        if seconds > 0:
            self.admin("clock", advance=float(seconds))

    def monotonic(self) -> float:
        return self.now().timestamp()

    # --- knobs ---------------------------------------------------------------------------------

    def faults(self, **settings) -> dict:
        """Fault injection (docs/simulator.md); no settings turns every fault off. Not saved."""
        return self.admin("faults", **settings)

    def set_balance(self, amount) -> None:
        """The production balance (the sandbox always has 10000.00)."""
        self.admin("balance", amount=str(amount))

    def set_propagation_delay(self, seconds: float) -> None:
        """New IAM keys are not recognised by MTurk until they are ``seconds`` old."""
        self.admin("propagation-delay", seconds=float(seconds))

    def state(self) -> dict:
        """Steps, balances, clock, counts of users, keys and HITs, and of requests faulted
        since the faults were last set (never a secret)."""
        return self.admin("state")

    # --- internals ------------------------------------------------------------------------

    def _alive(self) -> bool:
        return _pid_alive(self.pid) and _is_world_process(self.pid, self.home) and self.ping()

    def _reconnect(self) -> None:
        fresh = connect(self.home)
        self._load({"port": fresh.url.rsplit(":", 1)[1], "pid": fresh.pid,
                    "world_id": fresh.world_id, "started": fresh.started,
                    "notice": fresh.notice, "token": fresh._token})


def _key(made: dict, source: str) -> AccessKey:
    return AccessKey(made["AccessKeyId"], made["SecretAccessKey"],
                     user_name=made.get("UserName"), source=source)


# --- HTTP -------------------------------------------------------------------------------------


class _Refused(Exception):
    """Nothing listens on the world's port (it stopped)."""


class _WrongToken(Exception):
    """The port answers, but not to this token (another world, or a restarted one)."""


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def _post(url: str, action: str, params: dict, token: str, timeout: float) -> dict:
    request = urllib.request.Request(
        f"{url}/_admin/{action}", data=json.dumps(params).encode(), method="POST",
        headers={"Content-Type": "application/json", TOKEN_HEADER: token})
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read() or b"{}")
        except ValueError:
            body = {}
        if error.code == 403:
            raise _WrongToken() from None
        message = str(body.get("error") or f"the demo world answered HTTP {error.code}")
        kind = body.get("kind")
        if kind == "step-missing":
            raise DemoStepMissing(message) from None
        if kind == "bad-input":
            raise ValueError(message) from None
        raise WorldError(message) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ConnectionRefusedError):
            raise _Refused() from None
        raise WorldError(f"the demo world at {url} does not answer ({reason}); run "
                         "`python -m mturklink_helpers demo status` to see it") from None
    except ConnectionRefusedError:
        raise _Refused() from None
    except (TimeoutError, ConnectionError, ValueError, http.client.HTTPException) as error:
        raise WorldError(f"the demo world at {url} did not answer {action!r} "
                         f"({type(error).__name__}); run `python -m mturklink_helpers demo "
                         "status` to see it") from None


# --- files and processes ------------------------------------------------------------------------


def _folder(where) -> Path:
    # resolved: every spelling of one folder (a symlink, a trailing slash) is one world
    return (Path(where).expanduser() if where is not None else home()).resolve()


def _prepare_home(where) -> Path:
    """The kit folder, made if needed: owned by this user, readable by nobody else (0700)."""
    folder = _folder(where)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
        if info.st_uid != os.getuid():
            raise WorldError(f"{folder} belongs to another user: set MTURKLINK_HOME to a folder "
                             "of your own")
        if info.st_mode & 0o077:
            os.chmod(folder, 0o700)
    except OSError as error:
        raise WorldError(f"cannot use {folder} as the kit's folder ({error.strerror}): set "
                         "MTURKLINK_HOME to a folder of your own") from None
    return folder


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold ``world.lock``: one process at a time finds, starts or stops the world."""
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_private_json(path: Path, data: dict) -> None:
    """Write JSON to ``path`` at once (temp file, fsync, rename), readable by the owner only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_world_file(folder: Path) -> dict | None:
    """world.json if it is whole and ours, else None (a missing or broken file is stale)."""
    path = folder / WORLD_FILE
    try:
        if path.stat().st_uid != os.getuid():
            return None
        info = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(info, dict) or info.get("format") != FORMAT:
            return None
        int(info["port"]), int(info["pid"]), str(info["token"]), str(info["world_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


def _find(folder: Path) -> World | None:
    """The live world of ``folder``, or None after clearing a stale world.json (lock held)."""
    info = _read_world_file(folder)
    if info is None:
        with contextlib.suppress(FileNotFoundError):
            (folder / WORLD_FILE).unlink()  # broken or foreign: no use to anyone
        return None
    world = World(info, folder)
    if _pid_alive(world.pid) and _is_world_process(world.pid, folder):
        if world.ping():
            return world
        _end_process(world.pid, folder)  # ours, but hung: replaced
    _remove_world_file(folder, world.world_id)
    return None


def _remove_world_file(folder: Path, world_id: str) -> None:
    info = _read_world_file(folder)
    if info is None or info.get("world_id") == world_id:
        with contextlib.suppress(FileNotFoundError):
            (folder / WORLD_FILE).unlink()


def _stop_locked(folder: Path) -> bool:
    info = _read_world_file(folder)
    if info is None:
        return False
    world = World(info, folder)
    if not (_pid_alive(world.pid) and _is_world_process(world.pid, folder)):
        _remove_world_file(folder, world.world_id)
        return False
    with contextlib.suppress(WorldError, _Refused, _WrongToken):
        _post(world.url, "shutdown", {}, world._token, PING_TIMEOUT)
    if not _wait_exit(world.pid, 20.0):
        _end_process(world.pid, folder)
    _remove_world_file(folder, world.world_id)
    return True


def _wipe_state(folder: Path) -> None:
    state = folder / STATE_DIR
    if not state.is_dir():
        return
    for entry in state.iterdir():
        if entry.name in (LOG_FILE, SERVER_LOCK_FILE):
            continue  # the log holds no secret and tells what happened before the reset
        if entry.is_dir() and not entry.is_symlink():
            import shutil

            shutil.rmtree(entry)
        else:
            entry.unlink()


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not our world
    try:  # a zombie has exited; only its parent has not noticed yet
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _is_world_process(pid: int, folder: Path) -> bool:
    """Whether ``pid`` runs the world server of ``folder`` (where /proc can tell)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except FileNotFoundError:
        return os.path.isdir("/proc") is False  # no /proc (macOS): the ping decides
    except OSError:
        return False
    return SERVER_MODULE.encode() in args and os.fsencode(str(folder)) in args


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)  # waiting for another process to exit: there is nothing to block on
    return True


def _end_process(pid: int, folder: Path) -> None:
    """SIGTERM, then SIGKILL, a world server of ``folder`` that does not stop by itself."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        if not (_pid_alive(pid) and _is_world_process(pid, folder)):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if _wait_exit(pid, grace):
            return


def _spawn(folder: Path, idle: float) -> World:
    """Start the world server for ``folder`` (lock held) and wait until it answers."""
    state = folder / STATE_DIR
    state.mkdir(mode=0o700, exist_ok=True)
    os.chmod(state, 0o700)
    log_fd = os.open(state / LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    read_end, write_end = os.pipe()
    # The learner's own AWS keys and moto's knobs have no business in the world's process.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MOTO_")) and k != "INITIAL_NO_AUTH_ACTION_COUNT"}
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env[IDLE_ENV] = repr(idle)
    started = time.monotonic()
    try:
        intermediate = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE, "--home", str(folder),
             "--ready-fd", str(write_end)],
            stdin=subprocess.DEVNULL, stdout=log_fd, stderr=log_fd, pass_fds=(write_end,),
            cwd=folder, env=env, start_new_session=True)
    except OSError as error:
        os.close(read_end)
        raise WorldError(f"cannot start the demo world ({error.strerror})") from None
    finally:
        os.close(write_end)
        os.close(log_fd)
    try:
        line = _read_line(read_end, START_TIMEOUT)
    finally:
        os.close(read_end)
        with contextlib.suppress(subprocess.TimeoutExpired):
            intermediate.wait(timeout=10)  # it forks the world off and exits at once
    ready = None
    with contextlib.suppress(ValueError):
        ready = json.loads(line) if line else None
    if not isinstance(ready, dict) or "world_id" not in ready:
        raise WorldError(f"the demo world did not start ({_last_log_line(state)}); its log is "
                         f"{state / LOG_FILE}")
    info = _read_world_file(folder)
    if info is None or info.get("world_id") != ready["world_id"]:
        raise WorldError(f"the demo world started but {folder / WORLD_FILE} is not its own; "
                         "run `python -m mturklink_helpers demo stop` and try again")
    world = World(info, folder)
    world.started_now = True
    world.startup_seconds = time.monotonic() - started
    return world


def _read_line(fd: int, timeout: float) -> bytes:
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError as error:
            if error.errno == errno.EINTR:
                continue
            break
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


def _last_log_line(state: Path) -> str:
    try:
        lines = (state / LOG_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    for line in reversed(lines):
        if line.strip():
            return line.strip()[:300]
    return "nothing in its log"
