"""A real workshop JupyterHub on 127.0.0.1, for the tests and the benchmarks.

It runs ``deploy/jupyterhub/jupyterhub_config.py`` as an instructor would (as root, with
configurable-http-proxy from npm), on free ports, with its state and the learners' homes in
a temporary folder. Learners sign in through the hub's own login form with the workshop
password, which makes their Unix users; each then gets a token of their own, starts their
server and runs notebooks in it through the proxy (the single-user server's REST API and
kernel websocket), so their kernels run as them, with the environment the hub gives them.

    from tests.hub.hub import running_hub
    with running_hub(learners=3) as hub:
        alice = hub.learners[0]
        alice.start_server()
        alice.run_notebook("00_start_here", then=[CHECKS["00_start_here"]])
        hub.memory(alice)                      # bytes (PSS) of everything running as alice

Test users are named ``mlhubt…`` (:data:`PREFIX`) and are removed, with every process of
theirs, when the context ends, at exit if it never ends, and at the next start if a run
was killed outright.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import http.cookiejar
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PREFIX = "mlhubt"  # every test user's name starts with it
GROUP = f"{PREFIX}-learners"
COMMENT = "mturklink workshop learner"  # what deploy/jupyterhub/workshop.py writes
REQUIRE_ENV = "MTURKLINK_REQUIRE_HUB"
LESSONS = "mturklink"  # the folder of each home the hub copies the lessons into
# Ceilings for a loaded 2-core machine; a passing run never waits for them.
HUB_START = 90
SERVER_START = 150
CELL_TIMEOUT = 180
_NO_PROXY = urllib.request.ProxyHandler({})


class HubError(RuntimeError):
    """The test hub could not do something; the message says what, and the hub log's tail."""


def why_no_hub() -> str | None:
    """Why a hub cannot run on this machine (None: it can)."""
    if os.geteuid() != 0:
        return "the workshop hub runs as root (it makes a Unix user per learner)"
    if shutil.which("configurable-http-proxy", path=_path()) is None:
        return "configurable-http-proxy is not installed (npm install -g configurable-http-proxy)"
    for tool in ("jupyterhub", "jupyterhub-singleuser"):
        if not (Path(sys.executable).parent / tool).exists():
            return f"{tool} is not installed in this environment (pip install -e '.[hub]')"
    for tool in ("useradd", "userdel", "groupadd"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    return None


def _path() -> str:
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""),
                            str(ROOT / "node_modules" / ".bin")])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- HTTP, as a browser would (cookies, the hub's xsrf token) ---------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    url: str
    headers: dict

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Browser:
    """Cookies, redirects followed, and a token if given: one learner's way into the hub."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            _NO_PROXY, urllib.request.HTTPCookieProcessor(self.cookies))
        self.token: str | None = None

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(self, method: str, path: str, body=None, *, token: bool = True,
                form: dict | None = None, timeout: float = 60) -> Reply:
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token and self.token:
            headers["Authorization"] = f"token {self.token}"
        xsrf = self.cookie("_xsrf")
        if xsrf and method != "GET":
            headers["X-XSRFToken"] = xsrf
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as r:
                return Reply(r.status, r.read(), r.geturl(), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read(), e.geturl(), dict(e.headers))

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)


# --- learners ---------------------------------------------------------------------------------


@dataclass
class Learner:
    """One person at the hub: their name, their sign-in, their token and their server."""

    hub: Hub
    name: str
    admin: bool = False
    browser: Browser = field(init=False)
    token: str | None = None

    def __post_init__(self):
        self.browser = Browser(self.hub.url)

    def __repr__(self) -> str:
        return f"<Learner {self.name}{' (admin)' if self.admin else ''}>"

    @property
    def account(self) -> pwd.struct_passwd:
        return pwd.getpwnam(self.name)

    @property
    def home(self) -> Path:
        return Path(self.account.pw_dir)

    @property
    def server(self) -> str:
        return f"/user/{self.name}"

    def login(self, password: str | None = None) -> Reply:
        """Sign in through the hub's login form (its xsrf cookie and field, as a browser does),
        then take a token of one's own from the hub, as /hub/token would."""
        page = self.browser.get("/hub/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        if password is None:
            password = self.hub.admin_password if self.admin else self.hub.password
        reply = self.browser.request("POST", "/hub/login?next=/hub/home", form={
            "username": self.name, "password": password, "_xsrf": xsrf.group(1) if xsrf else ""})
        if reply.status != 200 or not self.browser.cookie("jupyterhub-session-id"):
            return reply
        made = self.browser.request("POST", f"/hub/api/users/{self.name}/tokens",
                                    body={"note": "hub test", "expires_in": 3600})
        if made.status != 201:
            raise HubError(f"{self.name}: no token from the hub ({made.status} {made.text[:200]})")
        self.token = self.browser.token = made.json()["token"]
        return reply

    def start_server(self) -> None:
        """Start this learner's server (as the hub's spawn page does) and wait until it is up."""
        reply = self.browser.request("POST", f"/hub/api/users/{self.name}/server")
        if reply.status not in (201, 202, 400):  # 400: it is already running
            raise HubError(f"{self.name}: the hub did not start a server ({reply.status} "
                           f"{reply.text[:200]})\n{self.hub.log_tail(60)}")
        self.hub.wait(lambda: self._server_ready(), SERVER_START, f"{self.name}'s server to start")

    def _server_ready(self) -> bool:
        model = self.browser.get(f"/hub/api/users/{self.name}").json()
        return bool(model.get("servers", {}).get("", {}).get("ready"))

    def stop_server(self) -> None:
        self.browser.request("DELETE", f"/hub/api/users/{self.name}/server")
        self.hub.wait(lambda: not self.browser.get(f"/hub/api/users/{self.name}").json()
                      .get("servers"), SERVER_START, f"{self.name}'s server to stop")

    def server_api(self, method: str, path: str, body=None) -> Reply:
        """The single-user server's REST API, through the proxy, with this learner's token."""
        return self.browser.request(method, f"{self.server}/api/{path.lstrip('/')}", body)

    def read_notebook(self, path: str) -> nbformat.NotebookNode:
        reply = self.server_api("GET", f"contents/{path}?type=notebook&content=1")
        if reply.status != 200:
            raise HubError(f"{self.name}: cannot open {path} ({reply.status})")
        return nbformat.from_dict(reply.json()["content"])

    def run_notebook(self, lesson: str, *, then: Sequence[str] = (), save: bool = True) -> Run:
        """Open ``~/mturklink/<lesson>.ipynb`` in a new kernel of this learner's server, run
        every code cell in order, then each ``then`` code in the same kernel; save the notebook
        with its outputs (as JupyterLab's autosave would) and shut the kernel down. A failing
        cell raises :class:`CellError` with the kernel's traceback."""
        path = f"{LESSONS}/{lesson}.ipynb"
        notebook = self.read_notebook(path)
        made = self.server_api("POST", "sessions", {"path": path, "type": "notebook",
                                                    "name": f"{lesson}.ipynb",
                                                    "kernel": {"name": "python3"}})
        if made.status != 201:
            raise HubError(f"{self.name}: no kernel for {lesson} ({made.status} {made.text[:200]})")
        session = made.json()
        run = Run(lesson)
        try:
            with Kernel(self, session["kernel"]["id"]) as kernel:
                notebook.cells += [nbformat.v4.new_code_cell(code) for code in then if code]
                for cell in notebook.cells:
                    if cell.cell_type == "code":
                        cell.outputs = kernel.execute(cell.source, lesson)
                        run.outputs.append(cell.outputs)
            run.notebook = notebook
        finally:
            if save:
                self.server_api("PUT", f"contents/{path}", {"type": "notebook", "format": "json",
                                                             "content": notebook})
            self.server_api("DELETE", f"sessions/{session['id']}")
        return run

    def processes(self):
        import psutil

        uid = self.account.pw_uid
        for process in psutil.process_iter(["uids"]):
            with contextlib.suppress(psutil.Error, TypeError):
                if process.info["uids"].real == uid:
                    yield process


@dataclass
class Run:
    lesson: str
    outputs: list = field(default_factory=list)
    notebook: nbformat.NotebookNode | None = None

    def text(self) -> str:
        """Everything the run printed or showed (streams, results, errors), as one string."""
        parts = []
        for outputs in self.outputs:
            for output in outputs:
                parts.append(output.get("text", ""))
                parts += [str(v) for v in output.get("data", {}).values()]
                parts += output.get("traceback", [])
        return "\n".join(parts)


class CellError(AssertionError):
    """A cell of a lesson failed in the learner's kernel (the message is its traceback)."""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Kernel:
    """A kernel of a learner's server, driven through the proxy's websocket with their token
    (the Jupyter messaging protocol, JSON frames: what JupyterLab speaks)."""

    def __init__(self, learner: Learner, kernel_id: str):
        import websocket

        self.session = uuid.uuid4().hex
        url = learner.hub.url.replace("http", "ws", 1) + (
            f"{learner.server}/api/kernels/{kernel_id}/channels?session_id={self.session}")
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {learner.token}"], timeout=CELL_TIMEOUT,
            http_proxy_host=None)
        self.name = learner.name
        self._request("kernel_info_request", {})

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()

    def _request(self, msg_type: str, content: dict) -> tuple[dict, list]:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": self.session,
                       "msg_type": msg_type, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell",
            "buffers": []}))
        outputs, reply, idle = [], None, False
        deadline = time.monotonic() + CELL_TIMEOUT
        while reply is None or not idle:
            if time.monotonic() > deadline:
                raise HubError(f"{self.name}: no answer from the kernel in {CELL_TIMEOUT} s")
            frame = self.ws.recv()
            if isinstance(frame, bytes):
                continue  # a binary frame (widget buffers): nothing a test reads
            msg = json.loads(frame)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if msg["channel"] == "shell" and kind.endswith("_reply"):
                reply = content
            elif kind == "status":
                idle = content["execution_state"] == "idle"
            elif kind == "stream":
                outputs.append(nbformat.v4.new_output("stream", name=content["name"],
                                                      text=content["text"]))
            elif kind in ("execute_result", "display_data"):
                outputs.append(nbformat.v4.new_output(
                    kind, data=content["data"], metadata=content.get("metadata", {}),
                    **({"execution_count": content["execution_count"]}
                       if kind == "execute_result" else {})))
            elif kind == "error":
                outputs.append(nbformat.v4.new_output("error", ename=content["ename"],
                                                      evalue=content["evalue"],
                                                      traceback=content["traceback"]))
        return reply, outputs

    def execute(self, code: str, where: str = "") -> list:
        reply, outputs = self._request("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        if reply.get("status") != "ok":
            trace = _ANSI.sub("", "\n".join(reply.get("traceback", [])))
            raise CellError(f"{self.name}, {where}: a cell failed\n{code}\n{trace}")
        return outputs


# --- the hub ----------------------------------------------------------------------------------


@dataclass
class Hub:
    folder: Path
    url: str
    password: str
    admin_password: str
    ports: dict
    log: Path
    learners: list[Learner] = field(default_factory=list)
    admins: list[Learner] = field(default_factory=list)
    process: subprocess.Popen | None = None

    @property
    def state(self) -> Path:
        return self.folder / "state"

    @property
    def room_state(self) -> Path:
        return self.state / "room.json"

    @property
    def record(self) -> Path:
        """Every report the room received, as it arrived (recording_room.py), one a line."""
        return self.folder / "room-record.jsonl"

    def recorded(self) -> list[dict]:
        with contextlib.suppress(FileNotFoundError):
            return [json.loads(line) for line in self.record.read_text().splitlines()]
        return []

    @property
    def room_url(self) -> str:
        return f"{self.url}/services/mturklink-room/"

    def wait(self, condition, timeout: float, what: str, every: float = 0.2):
        """Until ``condition()`` is truthy (its value is returned), or HubError after
        ``timeout`` seconds naming ``what`` and the hub log's tail."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, ValueError, urllib.error.URLError):
                value = condition()
                if value:
                    return value
            if self.process is not None and self.process.poll() is not None:
                raise HubError(f"the hub stopped while waiting for {what}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise HubError(f"no {what} after {timeout:.0f} s\n{self.log_tail()}")
            time.sleep(every)

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def memory(self, learner: Learner) -> int:
        """Bytes of memory (proportional set size: shared pages split) of every process
        running as ``learner``: their server, kernels and demo world."""
        import psutil

        total = 0
        for process in learner.processes():
            with contextlib.suppress(psutil.Error):
                total += process.memory_full_info().pss
        return total


    @contextlib.contextmanager
    def memory_peaks(self, learners: Sequence[Learner] | None = None,
                     every: float = 1.0) -> Iterator[dict[str, int]]:
        """While the block runs, each learner's highest :meth:`memory` seen (sampled every
        ``every`` seconds in a thread); the dict fills in as it goes."""
        learners = list(self.learners if learners is None else learners)
        peaks = {learner.name: 0 for learner in learners}
        done = threading.Event()

        def sample():
            while not done.is_set():
                for learner in learners:
                    with contextlib.suppress(KeyError, OSError):
                        peaks[learner.name] = max(peaks[learner.name], self.memory(learner))
                done.wait(every)

        sampler = threading.Thread(target=sample, name="hub-memory", daemon=True)
        sampler.start()
        try:
            yield peaks
        finally:
            done.set()
            sampler.join()


def _traversable(path: Path) -> list[Path]:
    """The folders on the way to ``path`` that other users cannot pass through."""
    closed = []
    for folder in [path, *path.parents]:
        with contextlib.suppress(OSError):
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH:
                closed.append(folder)
    return closed


def _open_the_kit_to_learners() -> list[tuple[Path, int]]:
    """Learners' servers run this environment's Python and the kit's source: each folder on
    the way must let other users pass (its 'x' bit; nothing is made readable). Folders that
    do not (a Python installed under /root) are opened for the hub's life, only where
    MTURKLINK_REQUIRE_HUB=1 says so (CI): returns them with their modes, to restore."""
    wanted = [Path(sys.executable).resolve().parent, Path(sys.prefix), ROOT / "notebooks"]
    closed = sorted({folder for path in wanted for folder in _traversable(path)})
    if closed and os.environ.get(REQUIRE_ENV) != "1":
        raise HubError("learners' servers cannot reach this environment: other users cannot "
                       f"pass through {', '.join(map(str, closed))} (with {REQUIRE_ENV}=1 the "
                       "test opens them, chmod o+x, while its hub runs)")
    opened = []
    for folder in closed:
        mode = stat.S_IMODE(folder.stat().st_mode)
        print(f"tests/hub: other users may pass through {folder} while the hub runs (o+x)",
              file=sys.stderr)
        folder.chmod(mode | stat.S_IXOTH)
        opened.append((folder, mode))
    return opened


def _close(opened: list[tuple[Path, int]]) -> None:
    for folder, mode in opened:
        with contextlib.suppress(OSError):
            folder.chmod(mode)


def remove_test_users() -> list[str]:
    """Every Unix user a test hub made (named PREFIX…, made by the workshop config), with
    each of their processes, their home and the test group. Returns their names."""
    import psutil

    removed = []
    for account in pwd.getpwall():
        if not (account.pw_name.startswith(PREFIX) and account.pw_gecos == COMMENT):
            continue
        mine = []
        for process in psutil.process_iter(["uids"]):
            with contextlib.suppress(psutil.Error, TypeError):
                if process.info["uids"].real == account.pw_uid:
                    mine.append(process)
        _kill(mine)
        subprocess.run(["userdel", "--remove", "--force", account.pw_name], capture_output=True)
        removed.append(account.pw_name)
    with contextlib.suppress(KeyError):
        grp.getgrnam(GROUP)
        subprocess.run(["groupdel", GROUP], capture_output=True)
    return removed


def _kill(processes: list) -> None:
    """SIGKILL each, and wait until each is gone or a zombie (a hub's child that died is one
    until the hub reaps it, or exits)."""
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = []
        for process in processes:
            with contextlib.suppress(psutil.Error):
                if process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
        if not alive:
            return
        time.sleep(0.05)


def _stop(process: subprocess.Popen | None, folder: Path, timeout: float = 30) -> None:
    """Stop the hub (it stops its servers, services and proxy), then anything it started that
    is still running, e.g. after a crash: the proxy and services run in sessions of their own,
    with the hub's folder as their working folder."""
    import psutil

    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    left = []
    for candidate in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if candidate.pid != os.getpid() and Path(candidate.cwd()).is_relative_to(folder):
                left.append(candidate)
    _kill(left)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)


HUB_TEST_CONFIG = """\
# Written by tests/hub/hub.py: the workshop's own configuration, then what a test adds.
import sys
c = get_config()  # noqa: F821
load_subconfig({config!r})  # noqa: F821
# The room view keeps every report as it arrived, for the test to scan (recording_room.py).
for service in c.JupyterHub.services:
    if service["name"] == "mturklink-room":
        service["command"] = [sys.executable, {recorder!r}]
        service["environment"]["MTURKLINK_ROOM_RECORD"] = {record!r}
{extra}
"""


@contextlib.contextmanager
def running_hub(learners: int | Sequence[str] = 3, *, admins: int = 1,
                extra_config: str = "", env: dict[str, str] | None = None,
                before_start=None) -> Iterator[Hub]:
    """A workshop hub with ``learners`` (a count, or name suffixes) and ``admins`` not yet
    signed in. ``extra_config`` is JupyterHub config appended after the workshop's own;
    ``env`` more environment for the hub; ``before_start(hub)`` runs before the hub starts
    (to lay files in its state folder). Everything is removed afterwards."""
    why = why_no_hub()
    if why:
        raise HubError(why)
    remove_test_users()  # what a killed run left
    opened = _open_the_kit_to_learners()
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
    folder.chmod(0o711)  # learners' homes are in here: they may pass, not look
    tag = secrets.token_hex(2)
    names = ([f"{PREFIX}{tag}-{n}" for n in range(learners)] if isinstance(learners, int)
             else [f"{PREFIX}{tag}-{n}" for n in learners])
    ports = {k: _free_port() for k in ("public", "hub", "proxy_api", "room")}
    password, admin_password = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
    hub = Hub(folder, f"http://127.0.0.1:{ports['public']}", password, admin_password, ports,
              folder / "hub.log")
    admin_names = [f"{PREFIX}{tag}-teacher{n}" for n in range(admins)]
    hub.learners = [Learner(hub, n) for n in names]
    hub.admins = [Learner(hub, n, admin=True) for n in admin_names]
    (folder / "homes").mkdir(mode=0o711)
    (folder / "homes").chmod(0o711)
    config = folder / "jupyterhub_test_config.py"
    config.write_text(HUB_TEST_CONFIG.format(
        config=str(CONFIG), recorder=str(Path(__file__).with_name("recording_room.py")),
        record=str(hub.record), extra=extra_config))
    hub_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MTURKLINK_", "JUPYTER", "AWS_"))}
    hub_env.update({
        "PATH": _path(), "MTURKLINK_HUB_IP": "127.0.0.1",
        "MTURKLINK_HUB_PORT": str(ports["public"]), "MTURKLINK_HUB_INTERNAL_PORT": str(ports["hub"]),
        "MTURKLINK_HUB_PROXY_API_PORT": str(ports["proxy_api"]),
        "MTURKLINK_HUB_ROOM_PORT": str(ports["room"]),
        "MTURKLINK_HUB_PASSWORD": password, "MTURKLINK_HUB_ADMIN_PASSWORD": admin_password,
        "MTURKLINK_HUB_ADMINS": ",".join(admin_names), "MTURKLINK_HUB_STATE": str(hub.state),
        "MTURKLINK_HUB_HOMES": str(folder / "homes"), "MTURKLINK_HUB_GROUP": GROUP,
        **(env or {}),
    })
    cleaned = threading.Event()

    def clean_up():
        if cleaned.is_set():
            return
        cleaned.set()
        remove_test_users()  # their servers first: the hub would give each 10 s to stop
        _stop(hub.process, folder)
        remove_test_users()
        _close(opened)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(clean_up)
    try:
        if before_start is not None:
            hub.state.mkdir(mode=0o700, exist_ok=True)
            before_start(hub)
        with open(hub.log, "ab") as log:
            hub.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
                cwd=folder, env=hub_env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        hub.wait(lambda: Browser(hub.url).get("/hub/health", timeout=5).status == 200,
                 HUB_START, "hub answering")
        yield hub
    except BaseException:
        # The hub's log outlives a failed run, beside the tests' other artifacts.
        kept = ROOT / "test-artifacts" / "hub" / f"hub-{tag}.log"
        kept.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.copyfile(hub.log, kept)
            print(f"tests/hub: the hub's log is in {kept}", file=sys.stderr)
        raise
    finally:
        clean_up()
        atexit.unregister(clean_up)
