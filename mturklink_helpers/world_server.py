"""The demo world's process: the simulator's WSGI app, the console actions and the journal.

:func:`mturklink_helpers.world.connect` starts it as ``python -m mturklink_helpers.world_server
--home HOME --ready-fd N``; it forks once more at once, so that no kernel is its parent, and
says on the ready pipe when it answers. What it serves on ``http://127.0.0.1:PORT``:

* ``/sandbox``, ``/production``: the kit's MTurk simulator, which authenticates every request;
* ``/_admin/<action>``: the console (guide steps 1–4 as actions, the clock, workers, faults),
  refused (403) without the world's random admin token (``X-MTurkLink-Token``);
* everything else: moto's IAM and STS, authenticating from the very first request (moto's
  server lets ``INITIAL_NO_AUTH_ACTION_COUNT`` requests through unsigned: here none). Other
  AWS services are refused, and so are moto's ``/moto-api/`` paths (they reset or dump the
  whole world, secrets included).

Persistence: every successful world-changing request (IAM and STS actions and MTurk
operations whose names do not start with Get or List, and the console's changing actions) is
appended to ``demo-world/journal.jsonl`` (flushed and fsync-ed before the answer leaves),
with the time it happened. One lock serialises all requests, and before each world-changing
one moto's random generator (``moto.moto_api._internal.mock_random``, which draws every IAM
user id, key id and secret) and the simulator's id generators are reseeded from the world's
seed and the entry's number. A restarted world replays the journal on the same seed with
authentication off and a clock frozen at each entry's time, and so rebuilds the same users,
keys (yesterday's credentials.csv works), links, balances, HITs and assignments.

The journal holds no secret: SigV4 requests carry signatures, not secrets; session tokens
and passwords are left out. The seed, however, re-creates every secret with the journal, so
both live in the 0700 folder in 0600 files.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import io
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from . import world as client
from .simulator.worker_site import ACTIONS as WORKER_ACTIONS
from .simulator.worker_site import PARAMS as WORKER_PARAMS
from .world import DemoStepMissing, write_private_json

META_FILE = "meta.json"
JOURNAL_FILE = "journal.jsonl"
PORT_FILE = "port"
ACCOUNT_ID = "123456789012"  # moto's default account, and the simulator's
ADMIN_USER = "demo-admin"
ROOT_USER = "account-root"
ROOT_PATH = "/demo-world/"
MOTO_SERVICES = ("iam", "sts")
# Request fields that would put a secret into the journal; replayed with a placeholder.
REDACTED_FIELDS = {"Password", "NewPassword", "OldPassword", "PrivateKey"}
PLACEHOLDER_PASSWORD = "Redacted-by-mturklink-0!"
UNJOURNALED_HEADERS = {"x-amz-security-token", "cookie", "proxy-authorization",
                       client.TOKEN_HEADER.lower(), "content-length"}
_KEY_ID_RE = re.compile(rb"<AccessKeyId>((?:AKIA|ASIA)[A-Z0-9]{16})</AccessKeyId>")
_ALLOW_ALL = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_USER_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")


def log(message: str) -> None:
    """One line in demo-world/server.log (stderr). Never a secret."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} [{os.getpid()}] {message}", file=sys.stderr, flush=True)


class Damaged(Exception):
    """The saved state cannot be used; the message says where."""


# --- the world's clock ------------------------------------------------------------------------


def _clock_class():
    from .simulator.clock import Clock

    class WorldClock(Clock):
        """Real time plus an offset (what sleep() added), frozen while one request is answered.

        Frozen, every reading during a request gives the same time, so a replay made at the
        recorded time sees exactly what the live request saw.
        """

        def __init__(self, offset: float = 0.0):
            self._lock = threading.Lock()
            self.offset = float(offset)
            self._frozen: float | None = None

        def real(self) -> float:
            frozen = self._frozen
            return time.time() if frozen is None else frozen

        def now(self) -> dt.datetime:
            return dt.datetime.fromtimestamp(self.real() + self.offset, dt.UTC)

        def advance(self, seconds: float) -> dt.datetime:
            seconds = float(seconds)
            if not math.isfinite(seconds) or seconds < 0:
                raise ValueError(f"the clock only moves forward: advance({seconds}) is not a "
                                 "number of seconds of 0 or more")
            with self._lock:
                self.offset += seconds
            return self.now()

        def set(self, when: dt.datetime) -> dt.datetime:
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            with self._lock:
                self.offset = when.timestamp() - self.real()
            return self.now()

        def freeze(self, real: float | None = None) -> None:
            self._frozen = time.time() if real is None else float(real)

        def thaw(self) -> None:
            self._frozen = None

        def __repr__(self) -> str:
            return f"WorldClock({self.now().isoformat()}, offset {self.offset:+.3f} s)"

    return WorldClock


_moto_clock = None  # the clock moto's utcnow reads (the world's; replaced if rebuilt)


def _patch_moto_time(clock) -> None:
    """moto's ``utcnow`` reads the world's real-time part: frozen during a request, so a
    replayed key gets the creation date the live one had."""
    global _moto_clock
    import moto.core.utils as moto_utils

    _moto_clock = clock
    if getattr(moto_utils, "_mturklink_original_utcnow", None) is not None:
        return  # patched already (a world rebuilt in the same process)
    original = moto_utils.utcnow

    def utcnow() -> dt.datetime:
        real = _moto_clock.real() if _moto_clock is not None else time.time()
        return dt.datetime.fromtimestamp(real, dt.UTC).replace(tzinfo=None)

    moto_utils._mturklink_original_utcnow = original
    moto_utils.utcnow = utcnow
    import moto.iam.models  # noqa: F401 - imported now, so that they import the patched one
    import moto.iam.responses  # noqa: F401
    import moto.sts.models  # noqa: F401
    import moto.sts.responses  # noqa: F401

    for name, module in list(sys.modules.items()):
        if name.startswith("moto") and getattr(module, "utcnow", None) is original:
            module.utcnow = utcnow
    _patch_moto_session_tokens()


def _patch_moto_session_tokens() -> None:
    """moto draws STS session tokens from os.urandom: here from its seedable generator, so a
    replayed AssumeRole gives back the same temporary credentials."""
    import moto.sts.models as sts_models
    import moto.sts.utils as sts_utils
    from moto.moto_api._internal import mock_random

    prefix = sts_utils.SESSION_TOKEN_PREFIX

    def random_session_token() -> str:
        noise = mock_random.getrandbits(266 * 8).to_bytes(266, "little")
        return prefix + base64.b64encode(noise)[len(prefix):].decode()

    sts_utils.random_session_token = random_session_token
    sts_models.random_session_token = random_session_token


def _derive(seed: int, index: int, what: str) -> int:
    digest = hashlib.sha256(f"{seed}:{index}:{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# --- the journal ------------------------------------------------------------------------------


def _entry_hash(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "h"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Journal:
    """``journal.jsonl``: one world-changing request a line, numbered and checksummed."""

    def __init__(self, path: Path):
        self.path = path
        self.next_index = 0
        self._fd: int | None = None

    def load(self) -> tuple[list[dict], bool]:
        """(entries, whether a torn last line was dropped); raises :class:`Damaged`."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return [], False
        except OSError as error:
            raise Damaged(f"{self.path.name} cannot be read ({error.strerror})") from None
        lines = data.split(b"\n")
        tail = lines.pop()  # what follows the last line break: a write that never finished
        torn = bool(tail)
        entries = []
        for number, raw in enumerate(lines):
            try:
                entry = json.loads(raw)
                ok = (isinstance(entry, dict) and entry.get("n") == number
                      and entry.get("h") == _entry_hash(entry))
            except ValueError:
                ok = False
            if not ok:
                raise Damaged(f"{self.path.name} is damaged at line {number + 1}")
            entries.append(entry)
        if torn:
            with open(self.path, "r+b") as f:
                f.truncate(len(data) - len(tail))
                f.flush()
                os.fsync(f.fileno())
        self.next_index = len(entries)
        return entries, torn

    def append(self, entry: dict) -> None:
        """Write one entry and fsync it, before the answer to its request is sent."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        entry = dict(entry, n=self.next_index)
        entry["h"] = _entry_hash(entry)
        line = (json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode()
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self.next_index += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def load_state(state_dir: Path) -> tuple[dict, list[dict], str | None]:
    """(meta, journal entries, notice): a damaged state is set aside and a fresh one begun."""
    meta_path, journal_path = state_dir / META_FILE, state_dir / JOURNAL_FILE
    problem = None
    meta = None
    entries: list[dict] = []
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not (isinstance(meta, dict) and meta.get("format") == client.FORMAT
                    and isinstance(meta.get("seed"), int)):
                raise ValueError
        except (OSError, ValueError):
            problem, meta = f"{META_FILE}, which holds the world's seed, is damaged", None
    elif journal_path.exists() and journal_path.stat().st_size:
        problem = f"{META_FILE}, which holds the world's seed, is missing"
    torn = False
    if problem is None and meta is not None:
        try:
            entries, torn = Journal(journal_path).load()
        except Damaged as damage:
            problem = str(damage)
    if torn:
        log("the journal's last line was half-written (a change that was never answered): "
            "dropped")
    if problem is None:
        if meta is None:
            meta = new_meta(state_dir)
        return meta, entries, None
    notice = lost_notice(state_dir, problem)  # counted before the files are set aside
    return new_meta(state_dir, set_aside=True), [], notice


def lost_notice(state_dir: Path, problem: str) -> str:
    """The one-sentence warning a learner gets when their saved world cannot be used."""
    try:
        with open(state_dir / JOURNAL_FILE, "rb") as f:
            changes = sum(1 for line in f if line.strip())
    except OSError:
        changes = 0
    what = "IAM users, access keys, links, balances and HITs"
    lost = f"its {changes} saved changes ({what})" if changes else f"the {what} it held"
    return (f"The demo world's saved state in {state_dir} could not be used ({problem}): the "
            f"world starts fresh, and {lost} are lost; an old credentials.csv no longer works: "
            "make a new key (guide step 4). The damaged files are kept next to it as "
            "*.damaged.")


def new_meta(state_dir: Path, *, set_aside: bool = False) -> dict:
    """A new world's seed (random: nothing about a world is a constant anyone can know)."""
    if set_aside:
        for name in (META_FILE, JOURNAL_FILE):
            with contextlib.suppress(FileNotFoundError):
                os.replace(state_dir / name, state_dir / f"{name}.damaged")
    with contextlib.suppress(FileNotFoundError):
        (state_dir / JOURNAL_FILE).unlink()
    meta = {"format": client.FORMAT, "seed": secrets.randbits(63),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    write_private_json(state_dir / META_FILE, meta)
    return meta


# --- the service ------------------------------------------------------------------------------


class Action:
    """A console action: its handler, the parameters it takes, whether it changes the world."""

    def __init__(self, handler, params=(), changing=False, locked=True):
        self.handler = handler
        self.params = params  # None: any (passed through to the simulator, which checks)
        self.changing = changing  # bool, or a function of (service, params)
        self.locked = locked

    def changes(self, service, params) -> bool:
        return self.changing(service, params) if callable(self.changing) else self.changing


class WorldService:
    """One learner's world: moto's IAM and STS, the MTurk simulator, the console, the journal."""

    def __init__(self, home: Path, meta: dict, idle: float):
        from moto import settings

        from .simulator.core import MTurkSimulator
        from .simulator.server import SimulatorApp
        from .simulator.worker_site import WorkerSite

        self.home = home
        self.state_dir = home / client.STATE_DIR
        self.seed = int(meta["seed"])
        self.token = secrets.token_urlsafe(32)
        self.world_id = secrets.token_hex(8)
        self.idle = idle
        self.url = ""
        self.started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.notice: str | None = None
        self.lock = threading.RLock()  # one request at a time: moto is not thread-safe
        self.last_request = self.previous_request = time.monotonic()
        self.stopping = threading.Event()
        self.answering = 0  # connections being answered (the last answer is sent before exit)
        self.answering_lock = threading.Lock()
        self.requests = 0  # every request answered (or refused) since the process started
        self.clock = _clock_class()()
        _patch_moto_time(self.clock)
        self.sim = MTurkSimulator(seed=self.seed, auth=True, clock=self.clock)
        self.inner = SimulatorApp(self.sim)
        # MTurk's worker website for the learner, its changes journaled like the console's.
        self.worker_site = WorkerSite(self.sim, act=self._worker_act, lock=self.lock)
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # authenticate from the first request
        # Network faults (hang, drop, cut) are decided here, not in the simulator's app: a
        # lost or cut answer comes after its change is in the journal (see __call__), and a
        # held request does not hold the world's lock.
        faults = self.sim.faults
        self._network_fault = getattr(faults, "network_fault", None) or (lambda: None)
        faults.network_fault = lambda: None
        if hasattr(faults, "should_drop"):
            faults.should_drop = lambda: False
        self._writing: int | None = None
        self._hook_backends()
        self.journal = Journal(self.state_dir / JOURNAL_FILE)
        self.account_open = False
        self.admin_key_id: str | None = None
        self.root_key_id: str | None = None
        # The simulator's default account is linked and registered; a learner's starts blank.
        self.sim.link_requester(ACCOUNT_ID, False)
        self.sim.register_sandbox(ACCOUNT_ID, False)
        self._warm_up()

    # --- determinism ----------------------------------------------------------------------

    def _hook_backends(self) -> None:
        """A simulator backend made during a world-changing request is seeded like the others."""
        world = self.sim.world
        original = world.backend

        def backend(account_id, environment):
            fresh = (account_id, environment) not in world.backends
            made = original(account_id, environment)
            if fresh and self._writing is not None:
                self._reseed_backend(made, self._writing)
            return made

        world.backend = backend

    def _reseed(self, index: int) -> None:
        from moto.moto_api._internal import mock_random

        mock_random.seed(_derive(self.seed, index, "moto"))
        for backend in list(self.sim.world.backends.values()):
            self._reseed_backend(backend, index)
        self._writing = index

    def _reseed_backend(self, backend, index: int) -> None:
        rng = getattr(backend, "_rng", None)
        if isinstance(rng, random.Random):
            rng.seed(f"{self.seed}-{index}-{backend.account_id}-{backend.environment}")

    def _warm_up(self) -> None:
        """Build moto's IAM and STS now, so that the learner's first request is quick."""
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends

        iam_backends[ACCOUNT_ID]["aws"]
        sts_backends[ACCOUNT_ID]["global"]
        dispatcher = getattr(self.inner, "moto", None)
        try:  # moto's own apps, built on their first request otherwise: only a speed-up
            for service in MOTO_SERVICES:
                dispatcher.get_application({
                    "PATH_INFO": "/", "HTTP_HOST": "127.0.0.1", "REQUEST_METHOD": "POST",
                    "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=X/20200101/us-east-1/"
                                          f"{service}/aws4_request, SignedHeaders=host, "
                                          "Signature=x",
                })
        except Exception as error:
            log(f"warming up moto's {service} app failed ({type(error).__name__}): it is "
                "built on its first request instead")

    # --- replay -------------------------------------------------------------------------------

    def replay(self, entries: list[dict]) -> None:
        """Make every saved change again (authentication off); raises :class:`Damaged`."""
        from moto import settings

        if not entries:
            return
        started = time.monotonic()
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        self.sim.auth_enabled = False  # MTurk
        self.inner.authenticate = False  # IAM and STS (the simulator's front door)
        try:
            with self.lock:
                for entry in entries:
                    self._replay_one(entry, len(entries))
        finally:
            self._writing = None
            self.clock.thaw()
            self.sim.auth_enabled = True
            self.inner.authenticate = True
            settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        self.journal.next_index = len(entries)
        log(f"rebuilt the world from {len(entries)} saved changes in "
            f"{time.monotonic() - started:.2f} s")

    def _replay_one(self, entry: dict, total: int) -> None:
        number = entry["n"] + 1
        try:
            self.clock.freeze(float(entry["r"]))
            self.clock.offset = float(entry["o"])
            self._reseed(entry["n"])
            if entry["kind"] == "http":
                body = (base64.b64decode(entry["body64"]) if "body64" in entry
                        else entry.get("body", "").encode())
                status, _headers, payload = self._call(_environ(entry, body), body)
                ok, keys = 200 <= status < 300, _key_ids(payload)
                what = entry.get("op", "a request")
            elif entry["kind"] == "admin":
                what = f"the console's {entry['action']}"
                action = ACTIONS[entry["action"]]
                result = action.handler(self, dict(entry.get("params") or {}))
                ok, keys = True, _result_key_ids(result)
            else:
                raise KeyError(entry["kind"])
        except Damaged:
            raise
        except Exception as error:  # any failure to make a change again: the world is not whole
            raise Damaged(f"change {number} of {total} could not be made again "
                          f"({type(error).__name__})") from None
        if not ok:
            raise Damaged(f"change {number} of {total} ({what}) was refused when made again")
        if keys != entry.get("keys", []):
            raise Damaged(f"change {number} of {total} ({what}) made different access keys "
                          "when made again")

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        self.previous_request, self.last_request = self.last_request, time.monotonic()
        self.requests += 1
        path = environ.get("PATH_INFO", "") or "/"
        if "moto-api" in path.lower() or path.startswith("/latest/"):
            return _answer(start_response, 404, {"error": "not here: this demo world does not "
                                                          "serve moto's own API"})
        if path.startswith("/_admin/"):
            return self._admin(path[len("/_admin/"):], environ, start_response)
        if self.worker_site.serves(path):  # the learner's browser: no key, no token, no faults
            return self.worker_site(environ, start_response)
        fault = self._network_fault()  # drawn first, as the simulator's own app does
        if fault == "hang":
            from .simulator.server import _hang

            _hang(environ, self.sim.faults)  # raises: nothing done, nothing answered
        body = _read_body(environ)
        try:
            kind, operation = _classify(environ, body)
        except _Refused as refusal:
            return _aws_error(start_response, refusal.status, refusal.code, str(refusal))
        changing = bool(operation) and not operation.startswith(("Get", "List"))
        with self.lock:
            self.clock.freeze()
            real, offset = self.clock.real(), self.clock.offset
            try:
                if changing:
                    self._reseed(self.journal.next_index)
                status, headers, payload = self._call(environ, body)
                if changing and 200 <= status < 300:
                    self._save({"kind": "http", "op": operation, "r": real, "o": offset,
                                "keys": _key_ids(payload), **_request_record(environ, body)})
            finally:
                self._writing = None
                self.clock.thaw()
        if fault == "drop":
            _lose_answer(environ)  # raises: the change is made and saved, the answer lost
        if fault == "cut":
            from .simulator.server import _cut_answer

            _cut_answer([payload], [_status_line(status), headers], environ)  # raises
        start_response(_status_line(status), headers)
        return [payload]

    def _call(self, environ, body: bytes):
        """(status, headers, body) of the simulator's app for one request."""
        environ = dict(environ, CONTENT_LENGTH=str(len(body)))
        environ["wsgi.input"] = io.BytesIO(body)
        answer: dict = {}
        written: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, list(headers)
            return written.append

        result = self.inner(environ, start_response)
        try:
            payload = b"".join(written) + b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return int(answer["status"].split()[0]), answer["headers"], payload

    def _save(self, entry: dict) -> None:
        try:
            self.journal.append(entry)
        except OSError as error:  # the change is made but will not survive a restart: say so
            self.notice = (f"The demo world could not save a change to "
                           f"{self.journal.path} ({error.strerror}): changes from now on are "
                           "lost when the world stops.")
            log(self.notice)

    # --- the console --------------------------------------------------------------------------

    def _admin(self, name, environ, start_response):
        token = environ.get("HTTP_" + client.TOKEN_HEADER.upper().replace("-", "_"), "")
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self.token.encode()):
            return _answer(start_response, 403, {
                "error": "the demo world's console needs its admin token (in the learner's "
                         "world.json); this request has none or a wrong one"})
        action = ACTIONS.get(name)
        if action is None:
            return _answer(start_response, 404, {"error": f"unknown admin action {name[:40]!r}",
                                                 "kind": "bad-input", "actions": sorted(ACTIONS)})
        try:
            raw = _read_body(environ)
            params = json.loads(raw) if raw.strip() else {}
            if not isinstance(params, dict):
                raise ValueError("the admin request body must be a JSON object")
            if action.params is not None:
                unknown = sorted(set(params) - set(action.params))
                if unknown:
                    raise ValueError(f"{name} takes no parameter {unknown[0][:40]!r}")
            if action.locked:
                with self.lock:
                    status, result = 200, self._run(name, action, params)
            else:
                status, result = 200, action.handler(self, params)
        except DemoStepMissing as error:
            status, result = 400, {"error": str(error), "kind": "step-missing"}
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as error:
            status, result = 400, {"error": _sentence(error), "kind": "bad-input"}
        except Exception as error:
            if not _is_service_error(error):
                log(f"admin {name} failed: {type(error).__name__}\n{traceback.format_exc()}")
                status, result = 500, {"error": f"the demo world failed on {name} "
                                                f"({type(error).__name__}); its log is "
                                                f"{self.state_dir / client.LOG_FILE}",
                                       "kind": "internal"}
            else:
                status, result = 400, {"error": _sentence(error), "kind": "aws"}
        return _answer(start_response, status, result)

    def _run(self, name: str, action: Action, params: dict) -> dict:
        if not action.changes(self, params):
            return action.handler(self, params)
        self.clock.freeze()
        real, offset = self.clock.real(), self.clock.offset
        try:
            self._reseed(self.journal.next_index)
            result = action.handler(self, dict(params))
            self._save({"kind": "admin", "action": name, "params": params, "r": real,
                        "o": offset, "keys": _result_key_ids(result)})
            return result
        finally:
            self._writing = None
            self.clock.thaw()

    def _worker_act(self, name: str, params: dict) -> dict:
        """A change made on the worker site: journaled, like a console action."""
        return self._run(name, ACTIONS[name], params)

    # --- what the console actions do -----------------------------------------------------------

    def iam(self):
        from moto.iam.models import iam_backends

        return iam_backends[ACCOUNT_ID]["aws"]

    def need_account(self, doing: str) -> None:
        if not self.account_open:
            raise DemoStepMissing(f"cannot {doing}: there is no AWS account yet (guide step 1: "
                                  "create_aws_account())")

    def steps(self) -> dict[int, bool]:
        account = self.sim.world.account(ACCOUNT_ID)
        return {1: self.account_open, 2: bool(account.linked),
                3: bool(account.sandbox_registered)}

    def key_answer(self, key_id: str | None, user_name: str | None, what: str) -> dict:
        key = self.iam().access_keys.get(key_id or "")
        if key is None or key.status != "Active":
            raise DemoStepMissing(f"the {what}'s access key was deleted or deactivated: close "
                                  "the AWS account and create it again (guide step 1)")
        return {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key,
                "UserName": user_name}

    def counts(self) -> dict:
        iam = self.iam()
        users = [u for u in iam.users.values() if u.name != ROOT_USER]
        hits, assignments = {"sandbox": 0, "production": 0}, {"sandbox": 0, "production": 0}
        # What the learner's requester would see: deleted (disposed) HITs and their work
        # are gone for them, so clean-up's "nothing left" and `demo status` agree.
        for (_account, environment), backend in list(self.sim.world.backends.items()):
            live = backend.list_hits()
            hits[environment] = hits.get(environment, 0) + len(live)
            assignments[environment] = assignments.get(environment, 0) + sum(
                len(h.assignment_ids) for h in live)
        return {"users": len(users), "access_keys": sum(len(u.access_keys) for u in users),
                "root_key": self.root_key_id is not None, "hits": hits,
                "assignments": assignments}

    def state(self) -> dict:
        account = self.sim.world.account(ACCOUNT_ID)
        return {"account_id": ACCOUNT_ID, "linked": bool(account.linked),
                "sandbox_registered": bool(account.sandbox_registered),
                "production_balance": str(account.production_balance),
                "now": self.clock.now().isoformat(), "steps": self.steps(),
                "requests": self.requests, "faults": self.fault_counts(), **self.counts()}

    def fault_counts(self) -> dict:
        """Requests faulted since the faults were last set (tests' and drills' figures)."""
        f = self.sim.faults
        return {"throttled": f.throttled, "service_faults": f.faulted, "dropped": f.dropped,
                "cut": f.cut, "hung": f.hung}

    def status(self) -> dict:
        idle_for = time.monotonic() - self.previous_request
        return {"running": True, "world_id": self.world_id, "pid": os.getpid(), "url": self.url,
                "home": str(self.home), "state_dir": str(self.state_dir),
                "started": self.started, "idle_timeout": self.idle,
                "idle_seconds": round(idle_for, 1), "saved_changes": self.journal.next_index,
                "clock": self.clock.now().isoformat(), "clock_offset": round(self.clock.offset, 3),
                "memory_mb": _rss_mb(), "notice": self.notice, "steps": self.steps(),
                **self.counts()}

    def shutdown(self, reason: str) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        log(f"stopping: {reason}")
        threading.Thread(target=self._server_shutdown, daemon=True).start()

    _server_shutdown = staticmethod(lambda: None)  # set by serve()


# --- console action handlers --------------------------------------------------------------------


def _ping(w: WorldService, p: dict) -> dict:
    return {"world_id": w.world_id, "pid": os.getpid()}


def _reset(w: WorldService, p: dict) -> dict:
    """Every user, key, link, balance and HIT gone, in place (no new process): the journal
    starts again. For `demo reset` and for tests, which need a blank world many times."""
    from moto.core.base_backend import BackendDict

    from .simulator import iam_policies

    BackendDict.reset()
    iam_policies.install()
    w.journal.close()
    # A new seed (and with it a new meta.json; the journal is deleted): the fresh world's
    # keys are not the old world's keys drawn again.
    w.seed = w.sim.seed = int(new_meta(w.state_dir)["seed"])
    w.sim.reset()  # a new simulator World (on the new seed), faults off, clock at now
    w._hook_backends()  # the new World's backends are seeded like the old one's were
    w.clock.offset = 0.0
    w.sim.link_requester(ACCOUNT_ID, False)
    w.sim.register_sandbox(ACCOUNT_ID, False)
    w.account_open, w.admin_key_id, w.root_key_id = False, None, None
    w.notice = None
    w.journal = Journal(w.state_dir / JOURNAL_FILE)
    w._warm_up()
    log("reset: a blank world (asked by the console)")
    return w.state()


def _shutdown(w: WorldService, p: dict) -> dict:
    w.shutdown("asked to stop (demo stop)")
    return {"stopping": True}


def _create_account(w: WorldService, p: dict) -> dict:
    if not w.account_open:
        iam = w.iam()
        if ADMIN_USER not in iam.users:
            iam.create_user(region_name="us-east-1", user_name=ADMIN_USER)
        # Inline, not AWS's AdministratorAccess: loading all of AWS's managed policies into
        # moto is slow; the simulator adds only the MTurk ones.
        iam.put_user_policy(ADMIN_USER, "AdministratorAccess", json.dumps(_ALLOW_ALL))
        key = iam.create_access_key(ADMIN_USER)
        w.admin_key_id = key.access_key_id
        w.account_open = True
    return {"steps": w.steps(), "AccessKeyId": w.admin_key_id}


def _close_account(w: WorldService, p: dict) -> dict:
    w.sim.register_sandbox(ACCOUNT_ID, False)
    w.sim.link_requester(ACCOUNT_ID, False)
    iam = w.iam()
    for name in list(iam.users):
        user = iam.users[name]
        for key in list(user.access_keys):
            iam.delete_access_key(key.access_key_id, name)
        for arn in list(user.managed_policies):
            iam.detach_user_policy(arn, name)
        for policy in list(user.policies):
            iam.delete_user_policy(name, policy)
        for group in iam.groups.values():
            if user in group.users:
                group.users.remove(user)
        iam.delete_user(name)
    w.account_open = False
    w.admin_key_id = w.root_key_id = None
    return {"steps": w.steps()}


def _account_switch(setter: str, doing: str):
    """Console actions that turn an account-wide setting on (needs the AWS account) or off."""
    def switch(on: bool):
        def handler(w: WorldService, p: dict) -> dict:
            if on:
                w.need_account(doing)
            getattr(w.sim, setter)(ACCOUNT_ID, on)
            return {"steps": w.steps()}
        return handler
    return switch


_link = _account_switch("link_requester", "link the Requester account")
_register = _account_switch("register_sandbox", "register for the Requester Sandbox")


def _admin_key(w: WorldService, p: dict) -> dict:
    w.need_account("sign in as an administrator")
    return w.key_answer(w.admin_key_id, ADMIN_USER, "administrator")


def _root_key(w: WorldService, p: dict) -> dict:
    w.need_account("make a root access key")
    if w.root_key_id is None:
        from moto.iam.models import User

        iam = w.iam()
        user = iam.create_user(region_name="us-east-1", user_name=ROOT_USER, path=ROOT_PATH)
        iam.put_user_policy(ROOT_USER, "root-can-do-anything", json.dumps(_ALLOW_ALL))
        key = iam.create_access_key(ROOT_USER)
        # moto has no account root user: this one answers arn:aws:iam::<account>:root, and
        # GetCallerIdentity's UserId for root is the account id.
        user.__class__ = type("AccountRoot", (User,), {"arn": property(_root_arn)})
        user.id = ACCOUNT_ID
        w.root_key_id = key.access_key_id
    return w.key_answer(w.root_key_id, None, "root user")


def _root_arn(user) -> str:
    return f"arn:aws:iam::{user.account_id}:root"


def _console_create_iam_user(w: WorldService, p: dict) -> dict:
    w.need_account("create an IAM user")
    user_name = p.get("user_name", "mturk-requester")
    policy = p.get("policy", "AmazonMechanicalTurkFullAccess")
    if not isinstance(user_name, str) or not _USER_NAME_RE.match(user_name):
        raise ValueError("user_name must be 1–64 letters, digits or +=,.@_- (an IAM user name)")
    if policy is not None and not isinstance(policy, str):
        raise ValueError("policy must be the name or ARN of a managed policy, or None")
    iam = w.iam()
    arn = None
    if policy:
        arn = policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}"
        if arn not in iam.managed_policies:  # refused before anything is made
            raise ValueError(f"there is no managed policy {policy[:80]!r} in the demo world's IAM")
    if user_name == ROOT_USER:
        raise ValueError(f"{ROOT_USER!r} is the demo world's root user: choose another name")
    user = iam.users.get(user_name) or iam.create_user(region_name="us-east-1",
                                                       user_name=user_name)
    replace = p.get("replace_keys", False)
    if not isinstance(replace, bool):
        raise ValueError("replace_keys must be true or false")
    if not replace and len(user.access_keys) >= 2:
        raise ValueError(f"the IAM user {user_name!r} already has two access keys (IAM's "
                         "limit): delete one, or pass replace_keys=True")
    if arn:
        iam.attach_user_policy(arn, user_name)
    if replace:
        for old in list(user.access_keys):
            iam.delete_access_key(old.access_key_id, user_name)
    key = iam.create_access_key(user_name)
    return {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key,
            "UserName": user_name}


def _workers_submit(w: WorldService, p: dict) -> dict:
    count = p.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        raise ValueError(f"count must be a whole number or None, not {count!r}")
    hit_id = p.get("hit_id")
    if not isinstance(hit_id, str):
        raise ValueError("hit_id must be a HIT id (text)")
    ids = w.sim.workers_submit(hit_id, count, p.get("environment", "sandbox"))
    return {"assignment_ids": ids}


def _request_qualification(w: WorldService, p: dict) -> dict:
    ids = w.sim.workers_request_qualification(
        p["qualification_type_id"], int(p.get("count", 1)), p.get("environment", "sandbox"),
        ACCOUNT_ID)
    return {"qualification_request_ids": ids}


def _clock(w: WorldService, p: dict) -> dict:
    when = dt.datetime.fromisoformat(p["set"]) if "set" in p else None  # refused before moving
    if "advance" in p:
        w.clock.advance(float(p["advance"]))
    if when is not None:
        w.clock.set(when)
    return {"now": w.clock.now().isoformat(), "offset": w.clock.offset}


def _faults(w: WorldService, p: dict) -> dict:
    w.sim.faults.configure(**p)  # {} turns every fault off
    return w.sim.faults.settings()


def _balance(w: WorldService, p: dict) -> dict:
    if "amount" in p:
        w.sim.set_balance(str(p["amount"]), ACCOUNT_ID)
    return w.state()


def _propagation(w: WorldService, p: dict) -> dict:
    w.sim.set_propagation_delay(float(p["seconds"]))
    return {"seconds": float(p["seconds"])}


def _worker_action(name: str):
    return lambda w, p: WORKER_ACTIONS[name](w.sim, p)


def _requester_key(w: WorldService, p: dict) -> dict:
    w.need_account("create an IAM user")
    key = w.sim.new_requester_key(p.get("user_name", "mturk-requester"),
                                  p.get("policy", "AmazonMechanicalTurkFullAccess"), ACCOUNT_ID)
    return {"UserName": key.user_name, "AccessKeyId": key.access_key_id,
            "SecretAccessKey": key.reveal_secret()}


ACTIONS: dict[str, Action] = {
    "ping": Action(_ping, locked=False),
    "shutdown": Action(_shutdown, locked=False),
    "reset": Action(_reset),
    "status": Action(lambda w, p: w.status()),
    "state": Action(lambda w, p: w.state()),
    "steps": Action(lambda w, p: {"steps": w.steps()}),
    "create-aws-account": Action(_create_account, changing=lambda w, p: not w.account_open),
    "close-aws-account": Action(_close_account, changing=True),
    "link-requester-account": Action(_link(True), changing=True),
    "unlink-requester-account": Action(_link(False), changing=True),
    "register-sandbox": Action(_register(True), changing=True),
    "unregister-sandbox": Action(_register(False), changing=True),
    "admin-key": Action(_admin_key),
    "root-key": Action(_root_key, changing=lambda w, p: w.root_key_id is None),
    "console-create-iam-user": Action(_console_create_iam_user,
                                      ("user_name", "policy", "replace_keys"), changing=True),
    "requester-key": Action(_requester_key, ("user_name", "policy"), changing=True),
    "workers-submit": Action(_workers_submit, ("hit_id", "count", "environment"),
                             changing=True),
    "request-qualification": Action(_request_qualification,
                                    ("qualification_type_id", "count", "environment"),
                                    changing=True),
    "clock": Action(_clock, ("advance", "set"),
                    changing=lambda w, p: "advance" in p or "set" in p),
    # Faults are for tests and drills, and not saved: a restarted world has none.
    "faults": Action(_faults, None),
    "balance": Action(_balance, ("amount",), changing=lambda w, p: "amount" in p),
    "propagation-delay": Action(_propagation, ("seconds",), changing=True),
    "learner": Action(lambda w, p: {env: w.sim.learner_id(env)
                                    for env in ("sandbox", "production")}),
    # The learner on the worker site (what its pages do, also open to the console).
    **{name: Action(_worker_action(name), WORKER_PARAMS[name], changing=True)
       for name in WORKER_ACTIONS},
}


# --- requests ----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def _read_body(environ) -> bytes:
    from werkzeug.wsgi import get_content_length

    length = get_content_length(environ)
    return environ["wsgi.input"].read(length) if length else b""


def _form(environ, body: bytes) -> dict[str, str]:
    fields = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return fields


def _classify(environ, body: bytes) -> tuple[str, str | None]:
    """("mturk" or "aws", operation name or None); refuses what this world does not serve."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("MTurkRequesterService"):
        return "mturk", target.rpartition(".")[2] or None
    path = environ.get("PATH_INFO", "")
    if path.split("/")[1:2] in (["sandbox"], ["production"]):
        return "mturk", None  # no target: the simulator says what is wrong, nothing changes
    fields = _form(environ, body)
    credential = environ.get("HTTP_AUTHORIZATION", "")
    match = re.search(r"Credential=[^/,\s]*/[^/,\s]*/[^/,\s]*/([^/,\s]*)/", credential)
    if match is None and fields.get("X-Amz-Credential"):
        match = re.match(r"[^/]*/[^/]*/[^/]*/([^/]*)/", fields["X-Amz-Credential"])
    if match is None:
        raise _Refused(403, "MissingAuthenticationToken",
                       "Request is missing Authentication Token")
    service = match.group(1)
    if service not in MOTO_SERVICES:
        raise _Refused(400, "UnsupportedService",
                       f"This demo world plays IAM, STS and MTurk only, not {service[:40]!r}.")
    return "aws", fields.get("Action") or None


def _request_record(environ, body: bytes) -> dict:
    """What a replay needs of a request, without a secret (see the module's docstring)."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            if name not in UNJOURNALED_HEADERS:
                headers[name] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    record = {"method": environ.get("REQUEST_METHOD", "POST"),
              "path": environ.get("PATH_INFO", "/"),
              "query": _redact_query(environ.get("QUERY_STRING", "")), "headers": headers}
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = _redact_query(body.decode("utf-8", "replace")).encode()
    try:
        record["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        record["body64"] = base64.b64encode(body).decode()
    return record


def _redact_query(text: str) -> str:
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(name in REDACTED_FIELDS for name, _ in pairs):
        return text
    return urlencode([(n, PLACEHOLDER_PASSWORD if n in REDACTED_FIELDS else v) for n, v in pairs])


def _environ(entry: dict, body: bytes) -> dict:
    """A WSGI environ for a saved request."""
    environ = {
        "REQUEST_METHOD": entry["method"], "SCRIPT_NAME": "", "PATH_INFO": entry["path"],
        "QUERY_STRING": entry.get("query", ""), "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in entry.get("headers", {}).items():
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _key_ids(payload: bytes) -> list[str]:
    return [m.decode() for m in _KEY_ID_RE.findall(payload)]


def _result_key_ids(result) -> list[str]:
    key_id = result.get("AccessKeyId") if isinstance(result, dict) else None
    return [key_id] if key_id else []


def _is_service_error(error: Exception) -> bool:
    from moto.core.exceptions import RESTError, ServiceException

    from .simulator.exceptions import MTurkError

    return isinstance(error, RESTError | ServiceException | MTurkError)


def _sentence(error: Exception) -> str:
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    if isinstance(error, KeyError):
        text = f"missing or unknown {text}"
    return text[:500] or type(error).__name__


def _status_line(status: int) -> str:
    from http import HTTPStatus

    return f"{status} {HTTPStatus(status).phrase}"


def _answer(start_response, status: int, result) -> list[bytes]:
    payload = json.dumps(result, default=str).encode()
    start_response(_status_line(status), [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(payload)))])
    return [payload]


def _aws_error(start_response, status: int, code: str, message: str) -> list[bytes]:
    from xml.sax.saxutils import escape

    payload = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>"
               f"{escape(message)}</Message></Error><RequestId>{secrets.token_hex(16)}"
               "</RequestId></ErrorResponse>").encode()
    start_response(_status_line(status), [("Content-Type", "text/xml"),
                                          ("Content-Length", str(len(payload)))])
    return [payload]


def _lose_answer(environ) -> None:
    """Fault injection (``drop_rate``): the connection is closed before a byte is sent."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("answer dropped by fault injection (drop_rate)")


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- the process ------------------------------------------------------------------------------


def build(home: Path, idle: float) -> WorldService:
    """The world of ``home``, rebuilt from its saved state (or fresh, with a notice)."""
    state_dir = home / client.STATE_DIR
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(state_dir, 0o700)
    meta, entries, notice = load_state(state_dir)
    service = WorldService(home, meta, idle)
    try:
        service.replay(entries)
    except Damaged as damage:
        log(f"the saved state could not be replayed: {damage}")
        notice = lost_notice(state_dir, str(damage))
        from moto.core.base_backend import BackendDict

        BackendDict.reset()  # nothing of the half-rebuilt world stays
        service = WorldService(home, new_meta(state_dir, set_aside=True), idle)
    service.notice = notice
    if notice:
        log(notice)
    return service


def _bind(service: WorldService, state_dir: Path):
    """A server on 127.0.0.1: on the port of last time if it is free (clients made then keep
    working), else on any free port."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class QuietHandler(MotoRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

        def handle(self):
            with service.answering_lock:
                service.answering += 1
            try:
                super().handle()
            finally:
                with service.answering_lock:
                    service.answering -= 1

    try:
        last = int((state_dir / PORT_FILE).read_text().strip())
    except (OSError, ValueError):
        last = 0
    for port in ([last] if 1024 <= last <= 65535 else []) + [0]:
        try:
            return make_server("127.0.0.1", port, service, threaded=True,
                               request_handler=QuietHandler)
        except OSError:
            continue
    raise OSError("no free port on 127.0.0.1")


def _try_lock(home: Path):
    """The home's lock, if nobody holds it right now (a connect() in progress), else None."""
    fd = os.open(home / client.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _still_listed(service: WorldService) -> bool:
    try:
        info = json.loads((service.home / client.WORLD_FILE).read_text(encoding="utf-8"))
        return info.get("world_id") == service.world_id
    except (OSError, ValueError, AttributeError):
        return False


def _remove_world_file(service: WorldService) -> None:
    path = service.home / client.WORLD_FILE
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("world_id") == service.world_id:
            path.unlink()


def serve(home: Path, ready_fd: int | None) -> int:
    started = time.monotonic()
    idle = client.idle_timeout()
    state_dir = home / client.STATE_DIR
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # One world per state folder, whatever happens to world.json: held until this process ends.
    guard = os.open(state_dir / client.SERVER_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        log(f"another demo world already serves {state_dir}: not starting a second one")
        return 1
    service = build(home, idle)
    server = _bind(service, service.state_dir)
    port = server.server_address[1]
    service.url = f"http://127.0.0.1:{port}"
    service._server_shutdown = server.shutdown
    with contextlib.suppress(OSError):
        (service.state_dir / PORT_FILE).write_text(f"{port}\n")
    write_private_json(home / client.WORLD_FILE, {
        "format": client.FORMAT, "port": port, "pid": os.getpid(), "token": service.token,
        "world_id": service.world_id, "started": service.started, "home": str(home),
        "idle_timeout": idle, "notice": service.notice})
    signal.signal(signal.SIGTERM, lambda *_: service.shutdown("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: service.shutdown("SIGINT"))
    lock_fd = None

    def watch_idle() -> None:
        nonlocal lock_fd
        interval = min(max(idle / 10, 0.05), 30.0)
        while not service.stopping.wait(interval):
            if not _still_listed(service):
                # world.json deleted (its home too?) or naming another world: nobody can find
                # this one any more, so it would only hold its port and memory.
                service.shutdown("its world.json is gone or names another world")
                return
            if time.monotonic() - service.last_request < idle:
                continue
            lock_fd = _try_lock(home)  # not while a connect() is finding this world
            if lock_fd is None:
                continue
            if time.monotonic() - service.last_request < idle:  # a request came meanwhile
                os.close(lock_fd)
                lock_fd = None
                continue
            _remove_world_file(service)
            service.shutdown(f"idle for {idle:g} s")
            return

    threading.Thread(target=watch_idle, daemon=True, name="idle").start()
    took = time.monotonic() - started
    log(f"serving {service.url} for {home} (ready in {took:.2f} s, "
        f"{service.journal.next_index} saved changes, {_rss_mb()} MB)")
    if ready_fd is not None:
        with contextlib.suppress(OSError):
            os.write(ready_fd, (json.dumps({"world_id": service.world_id, "pid": os.getpid(),
                                            "ready_seconds": round(took, 3)}) + "\n").encode())
            os.close(ready_fd)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()  # the port is free before the lock is let go
        deadline = time.monotonic() + 10
        while service.answering and time.monotonic() < deadline:
            time.sleep(0.01)  # the answers under way (demo stop's own) are sent first
        with service.lock:
            service.journal.close()
        _remove_world_file(service)
        if lock_fd is not None:
            os.close(lock_fd)
        log("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mturklink_helpers.world_server",
                                     description="The learner's demo world (started by "
                                     "mturklink_helpers.world.connect(); see docs/world.md).")
    parser.add_argument("--home", required=True, help="the learner's MTURKLINK_HOME")
    parser.add_argument("--ready-fd", type=int, help="say 'ready' on this file descriptor")
    parser.add_argument("--foreground", action="store_true",
                        help="do not fork into the background (for debugging)")
    args = parser.parse_args(argv)
    if not args.foreground and os.fork():
        os._exit(0)  # the starter's child exits: the world is nobody's child, never a zombie
    os.umask(0o077)
    try:
        return serve(Path(args.home), args.ready_fd)
    except Exception as error:
        log(f"the demo world failed: {type(error).__name__}: {_sentence(error)}\n"
            f"{traceback.format_exc()}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
