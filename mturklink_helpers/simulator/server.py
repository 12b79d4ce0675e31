"""The simulator as a local HTTP server: MTurk, IAM and STS on one port.

    http://127.0.0.1:PORT/sandbox      MTurk Requester API, sandbox
    http://127.0.0.1:PORT/production   MTurk Requester API, production
    http://127.0.0.1:PORT/_admin/...   console actions (docs/simulator.md)
    http://127.0.0.1:PORT/             MTurk too (told by X-Amz-Target or the credential
                                       scope; environment from a real Host name), and
                                       everything else: moto (IAM, STS, ...)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
from typing import Any

from .core import MTurkSimulator
from .models import DEFAULT_ACCOUNT_ID

PREFIXES = {"/sandbox": "sandbox", "/production": "production"}


class SimulatorApp:
    """WSGI app: MTurk paths to the simulator, /_admin to the console, the rest to moto.

    ``authenticate`` (default: as the simulator's own ``auth``): moto checks every IAM and
    STS key from the first request (moto's own default lets every request through).
    ``allow_moto_api`` (tests only): serve moto's ``/moto-api/`` (it can reset or dump the
    whole state, secrets included); refused otherwise.
    """

    def __init__(self, simulator: MTurkSimulator | None = None,
                 authenticate: bool | None = None, allow_moto_api: bool = False):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from . import frontdoor, iam_policies
        from .worker_site import WorkerSite

        iam_policies.install()  # the server's IAM knows the MTurk managed policies
        frontdoor.install()
        self.simulator = simulator or MTurkSimulator()
        self.authenticate = self.simulator.auth_enabled if authenticate is None else authenticate
        self.allow_moto_api = allow_moto_api
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.worker_site = WorkerSite(self.simulator)  # MTurk's worker website, for its HITs

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_admin/"):  # the console is never dropped
            return self._admin(path[len("/_admin/"):], environ, start_response)
        if path.lstrip("/").startswith("moto-api") and not self.allow_moto_api:  # "//moto-api" too
            return _refuse_moto_api(start_response)
        if self.worker_site.serves(path):  # a person's browser: never faulted
            return self.worker_site(environ, start_response)
        fault = self.simulator.faults.network_fault()
        # Every service on the port (MTurk, IAM, STS): a flaky network does not pick one.
        if fault == "hang":
            _hang(environ, self.simulator.faults)  # raises
        if fault == "drop":
            _lose_answer(self._route(path, environ, lambda *_: None), environ)  # raises
        if fault == "cut":
            sent: list = []
            answer = self._route(path, environ, lambda status, headers, *_: sent.extend(
                [status, headers]))
            _cut_answer(answer, sent, environ)  # raises
        return self._route(path, environ, start_response)

    def _route(self, path, environ, start_response):
        from . import frontdoor

        for prefix, environment in PREFIXES.items():
            if path == prefix or path.startswith(prefix + "/"):
                return self._mturk(environment, environ, start_response)
        environment = _mturk_at_root(environ)
        if environment == "legacy":
            return _legacy_host(environ, start_response)
        if environment is not None:
            return self._mturk(environment, environ, start_response)
        if self.authenticate:
            frontdoor.refuse_inactive_key(environ)
        with frontdoor.enforcing(self.authenticate):
            return self.moto(environ, start_response)

    def _mturk(self, environment, environ, start_response):
        body = _read_body(environ)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        query = environ.get("QUERY_STRING")
        url = (f"{environ.get('wsgi.url_scheme', 'http')}://{headers.get('host', '')}"
               f"{environ.get('PATH_INFO', '')}" + (f"?{query}" if query else ""))
        status, response_headers, payload = self.simulator.handle(
            environment, environ.get("REQUEST_METHOD", "POST"), url, headers, body)
        # the HTTP server writes its own Date (http.server's send_response): not a second one
        start_response(_status_line(status),
                       [(k, v) for k, v in response_headers.items() if k != "Date"])
        return [payload]

    # --- admin ---------------------------------------------------------------------------

    def _admin(self, action, environ, start_response):
        from moto.core.exceptions import ServiceException

        from .exceptions import MTurkError

        try:
            raw = _read_body(environ)
            params = json.loads(raw) if raw.strip() else {}
            if not isinstance(params, dict):
                raise ValueError("the admin request body must be a JSON object")
            handler = ADMIN_ACTIONS.get(action)
            if handler is None:
                status, result = 404, {"error": f"unknown admin action {action!r}",
                                       "actions": sorted(ADMIN_ACTIONS)}
            else:
                status, result = 200, handler(self, params)
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError, MTurkError,
                ServiceException) as error:  # the last: moto's IAM refusing (requester-key)
            status, result = 400, {"error": str(error)}
        payload = json.dumps(result, default=str).encode()
        start_response(_status_line(status), [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(payload)))])
        return [payload]

    def _state(self, account_id: str) -> dict:
        account = self.simulator.world.account(account_id)
        return {"account_id": account_id, "linked": account.linked,
                "sandbox_registered": account.sandbox_registered,
                "production_balance": str(account.production_balance),
                "now": self.simulator.clock.now().isoformat()}


def _mturk_at_root(environ) -> str | None:
    """The MTurk environment of a request sent to a path that is not /sandbox or
    /production (a tool with a hard-coded host sends to ``/``), or None when it is not an
    MTurk request. MTurk is told from IAM and STS by ``X-Amz-Target`` or the credential
    scope's service; the environment by the Host header when it is one of the real host
    names, else the sandbox."""
    from .core import HOSTS
    from .shapes import TARGET_PREFIX

    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    scope = (environ.get("HTTP_AUTHORIZATION") or "").partition("Credential=")[2]
    if not (target.startswith(TARGET_PREFIX) or "/mturk-requester/" in scope.split(",")[0]):
        return None
    host = (environ.get("HTTP_HOST") or "").lower()
    if not host.startswith("["):
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if host in LEGACY_HOSTS:
        return "legacy"
    return HOSTS.get(host, "sandbox")


# The hosts of MTurk's legacy API, retired in June 2019: a JSON request sent there gets a 400
# whose body is not JSON (NRGI #1195); the legacy API's own refusal reads "This Requester API
# is no longer supported…" (simple-amt #27, vatic #113)
LEGACY_HOSTS = ("mechanicalturk.amazonaws.com", "mechanicalturk.sandbox.amazonaws.com")


def _legacy_host(environ, start_response):
    _read_body(environ)
    payload = (b'<?xml version="1.0"?>\n<Response><Errors><Error>'
               b"<Message>This Requester API is no longer supported. Please use the latest API "
               b"using the official AWS SDK.</Message></Error></Errors></Response>")
    start_response("400 Bad Request", [("Content-Type", "text/xml"),
                                       ("Content-Length", str(len(payload)))])
    return [payload]


def _refuse_moto_api(start_response):
    payload = json.dumps({"error": "moto's /moto-api/ is not served here (it can reset or "
                          "dump the whole state); use /_admin (docs/simulator.md)"}).encode()
    start_response("404 Not Found", [("Content-Type", "application/json"),
                                     ("Content-Length", str(len(payload)))])
    return [payload]


def _hang(environ, faults) -> None:
    """Fault injection (``hang_rate``): read the request, do nothing, answer nothing; hold
    the connection until the client closes it (its read timeout), ``hang_max`` seconds
    pass or the faults are configured again."""
    import select
    import time

    _read_body(environ)
    sock = environ["werkzeug.socket"]
    deadline = time.monotonic() + faults.hang_max
    release = faults.release
    while time.monotonic() < deadline and not release.is_set():
        readable, _, _ = select.select([sock], [], [], 0.2)
        if readable:
            try:
                if not sock.recv(1, socket.MSG_PEEK):
                    break  # the client gave up and closed
            except OSError:
                break
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("request held without an answer by fault injection (hang_rate)")


def _cut_answer(answer, sent: list, environ) -> None:
    """Fault injection (``cut_rate``): the work is done; the status line, the headers (the
    full Content-Length) and half the body are sent, then the connection is closed."""
    body = b"".join(answer)
    if hasattr(answer, "close"):
        answer.close()
    status, headers = (sent + ["500 Internal Server Error", []])[:2]
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    sock = environ["werkzeug.socket"]
    with contextlib.suppress(OSError):
        sock.sendall(head.encode("latin-1") + b"\r\n" + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("answer cut off by fault injection (cut_rate)")


def _lose_answer(answer, environ) -> None:
    """Fault injection (``drop_rate``): the work is done, then the connection is closed
    before a byte of the answer is sent. werkzeug takes the ConnectionError as a dropped
    connection and logs nothing."""
    for _chunk in answer:
        pass
    if hasattr(answer, "close"):
        answer.close()
    environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("answer dropped by fault injection (drop_rate)")


def _read_body(environ) -> bytes:
    from werkzeug.wsgi import get_content_length

    length = get_content_length(environ)  # werkzeug's rule: junk or negative is 0
    return environ["wsgi.input"].read(length) if length else b""


def _status_line(status: int) -> str:
    from http import HTTPStatus

    return f"{status} {HTTPStatus(status).phrase}"


def _account(params: dict) -> str:
    return str(params.get("account_id", DEFAULT_ACCOUNT_ID))


def _link(app: SimulatorApp, p: dict) -> dict:
    app.simulator.link_requester(_account(p), bool(p.get("linked", True)))
    return app._state(_account(p))


def _register(app: SimulatorApp, p: dict) -> dict:
    app.simulator.register_sandbox(_account(p), bool(p.get("registered", True)))
    return app._state(_account(p))


def _balance(app: SimulatorApp, p: dict) -> dict:
    if "amount" in p:
        app.simulator.set_balance(str(p["amount"]), _account(p))
    return app._state(_account(p))


def _workers_submit(app: SimulatorApp, p: dict) -> dict:
    ids = app.simulator.workers_submit(p["hit_id"], p.get("count"),
                                       p.get("environment", "sandbox"), p.get("account_id"))
    return {"assignment_ids": ids}


def _request_qualification(app: SimulatorApp, p: dict) -> dict:
    ids = app.simulator.workers_request_qualification(
        p["qualification_type_id"], int(p.get("count", 1)), p.get("environment", "sandbox"),
        _account(p))
    return {"qualification_request_ids": ids}


def _faults(app: SimulatorApp, p: dict) -> dict:
    app.simulator.faults.configure(**p)  # {} turns every fault off
    return app.simulator.faults.settings()


def _clock(app: SimulatorApp, p: dict) -> dict:
    clock = app.simulator.clock
    when = dt.datetime.fromisoformat(p["set"]) if "set" in p else None  # refuse before moving
    if "advance" in p:
        clock.advance(float(p["advance"]))
    if when is not None:
        clock.set(when)
    return {"now": clock.now().isoformat()}


def _propagation(app: SimulatorApp, p: dict) -> dict:
    app.simulator.set_propagation_delay(float(p["seconds"]))
    return {"seconds": app.simulator.authenticator.propagation_delay}


def _workers_accept(app: SimulatorApp, p: dict) -> dict:
    ids = app.simulator.workers_accept(p["hit_id"], p.get("count"), p.get("submit_after"),
                                       p.get("environment", "sandbox"), p.get("account_id"))
    return {"assignment_ids": ids}


def _realism(app: SimulatorApp, p: dict) -> dict:
    realism = app.simulator.realism
    if p:
        realism.configure(**p)
    return realism.settings()


def _requester_key(app: SimulatorApp, p: dict) -> dict:
    key = app.simulator.new_requester_key(
        p.get("user_name", "mturk-requester"),
        p.get("policy", "AmazonMechanicalTurkFullAccess"), _account(p))
    # A simulated key for the simulated IAM: handed out like IAM's CreateAccessKey does.
    return {"UserName": key.user_name, "AccessKeyId": key.access_key_id,
            "SecretAccessKey": key.reveal_secret()}


def _reset(app: SimulatorApp, p: dict) -> dict:
    app.simulator.reset()
    if p.get("moto", True):
        from moto.core.base_backend import BackendDict

        BackendDict.reset()
    return app._state(DEFAULT_ACCOUNT_ID)


def _state(app: SimulatorApp, p: dict) -> dict:
    return app._state(_account(p))


ADMIN_ACTIONS: dict[str, Any] = {
    "link-requester": _link,
    "register-sandbox": _register,
    "balance": _balance,
    "workers-submit": _workers_submit,
    "workers-accept": _workers_accept,
    "realism": _realism,
    "request-qualification": _request_qualification,
    "faults": _faults,
    "clock": _clock,
    "propagation-delay": _propagation,
    "requester-key": _requester_key,
    "reset": _reset,
    "state": _state,
}


class SimulatorServer:
    """The HTTP server in a background thread (for tests, notebooks and benchmarks)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1",
                 simulator: MTurkSimulator | None = None, log_requests: bool = False,
                 authenticate: bool | None = None, allow_moto_api: bool = False):
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        class Handler(MotoRequestHandler):
            def log_request(self, *args, **kwargs):
                if log_requests:
                    super().log_request(*args, **kwargs)

        self.app = SimulatorApp(simulator, authenticate, allow_moto_api)
        self.simulator = self.app.simulator
        self._server = make_server(host, port, self.app, threaded=True, request_handler=Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def endpoint(self, environment: str = "sandbox") -> str:
        """The boto3 ``endpoint_url`` for an MTurk environment."""
        return f"{self.url}/{environment}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
