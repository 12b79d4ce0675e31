"""The simulator object and ``mock_mturk()``, its in-process way in.

A botocore ``before-send.mturk`` handler is added to botocore's BUILTIN_HANDLERS (ahead
of moto's own stubber) when this module is imported, so every boto3 session created
afterwards carries it. It answers requests for the two real MTurk endpoints while a
``mock_mturk()`` is active and stays silent (returns None) otherwise.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
from decimal import Decimal

from . import fees
from .clock import Clock
from .faults import Faults
from .models import DEFAULT_ACCOUNT_ID, MTurkBackend, World
from .responses import MTurkResponse

HOSTS = {
    "mturk-requester-sandbox.us-east-1.amazonaws.com": "sandbox",
    "mturk-requester.us-east-1.amazonaws.com": "production",
}
ENVIRONMENTS = ("sandbox", "production")


class MTurkSimulator:
    """An offline MTurk Requester service: accounts, HITs, workers, a clock and faults.

    The methods below are the "console actions" a person does in a browser (link the
    Requester account, register the sandbox, fund production) and the workers' side.
    """

    def __init__(self, seed: int = 0, auth: bool = True, clock: Clock | None = None):
        from .auth import Authenticator

        self.seed = seed
        self.auth_enabled = auth
        self.clock = clock or Clock()
        self.world = World(seed, self.clock)
        self.faults = Faults(self.clock)
        self.authenticator = Authenticator(self.clock)
        self.responses = MTurkResponse(self)

    def __repr__(self) -> str:
        return (f"<MTurkSimulator seed={self.seed} auth={self.auth_enabled} "
                f"clock={self.clock.now().isoformat()} backends={len(self.world.backends)}>")

    # --- console actions -----------------------------------------------------------------

    def link_requester(self, account_id: str = DEFAULT_ACCOUNT_ID, linked: bool = True) -> None:
        """Guide step 2: the AWS account linked to the (production) Requester account."""
        with self.world.lock:
            account = self.world.account(account_id)
            if linked and not account.linked:
                account.linked_at = self.clock.now()  # the realism profile's link delay
            account.linked = linked

    def register_sandbox(self, account_id: str = DEFAULT_ACCOUNT_ID,
                         registered: bool = True) -> None:
        """Guide step 3: the Requester Sandbox registered and linked to the AWS account."""
        with self.world.lock:
            account = self.world.account(account_id)
            if registered and not account.sandbox_registered:
                account.registered_at = self.clock.now()
            account.sandbox_registered = registered

    def set_balance(self, amount: str | Decimal, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        """Set the production balance (the sandbox always has 10000.00)."""
        value = fees.parse_money(str(amount))
        if value is None:
            raise ValueError(f"balance must be an amount like '25.00', not {amount!r}")
        with self.world.lock:
            self.world.account(account_id).production_balance = value

    def balance(self, account_id: str = DEFAULT_ACCOUNT_ID) -> Decimal:
        """The production balance."""
        return self.world.account(account_id).production_balance

    def set_propagation_delay(self, seconds: float) -> None:
        """IAM keys younger than ``seconds`` (simulator clock) are not recognised yet."""
        if seconds < 0:
            raise ValueError(f"propagation delay must be 0 or more seconds, not {seconds}")
        self.authenticator.propagation_delay = float(seconds)
        self.world.propagation_delay = float(seconds)

    # --- the workers' side -----------------------------------------------------------------

    def workers_submit(self, hit_id: str, count: int | None = None,
                       environment: str = "sandbox",
                       account_id: str | None = None) -> list[str]:
        """Simulated workers accept and submit ``count`` assignments (all that are left when
        None) of a HIT; returns the new assignment ids. Workers respect MaxAssignments,
        qualification requirements, blocks and expiry, so fewer may come."""
        with self.world.lock:
            return self._owner(hit_id, environment, account_id).workers_submit(hit_id, count)

    def workers_accept(self, hit_id: str, count: int | None = None,
                       submit_after: float | None = None, environment: str = "sandbox",
                       account_id: str | None = None) -> list[str]:
        """Simulated workers accept assignments now and submit them later on the world's
        clock (``submit_after`` seconds, or a time drawn per assignment from the seed).
        Until then GetAssignment, ApproveAssignment and RejectAssignment refuse them as
        MTurk does, and the HIT counts them as pending."""
        with self.world.lock:
            return self._owner(hit_id, environment, account_id).workers_accept(
                hit_id, count, submit_after)

    # --- a person on the worker site (the learner: "you") -----------------------------

    def learner_id(self, environment: str = "sandbox") -> str:
        """The worker id of the person at the keyboard (one per world and environment)."""
        return self.world.learners[_environment(environment)].worker_id

    def learner_accept(self, hit_id: str, environment: str = "sandbox") -> str:
        """The learner accepts an assignment of a HIT on the worker site; its id."""
        with self.world.lock:
            backend = self._hit_owner(hit_id, environment)
            return backend.accept_as(self.world.learners[backend.environment], hit_id).id

    def learner_submit(self, assignment_id: str, fields: list[tuple[str, str]],
                       environment: str = "sandbox") -> str:
        """The learner's form reached externalSubmit; the HIT's id."""
        with self.world.lock:
            backend = self._assignment_owner(assignment_id, environment)
            return backend.submit_as(self.learner_id(environment), assignment_id, fields).hit_id

    def learner_return(self, assignment_id: str, environment: str = "sandbox") -> str:
        """The learner gives an accepted assignment back; the HIT's id."""
        with self.world.lock:
            backend = self._assignment_owner(assignment_id, environment)
            return backend.return_as(self.learner_id(environment), assignment_id).hit_id

    def _hit_owner(self, hit_id: str, environment: str) -> MTurkBackend:
        try:
            return self._owner(hit_id, environment, None)
        except KeyError:  # the backend's own words for an unknown HIT
            return self.backend(environment)

    def _assignment_owner(self, assignment_id: str, environment: str) -> MTurkBackend:
        environment = _environment(environment)
        for (_account, env), backend in self.world.backends.items():
            if env == environment and (assignment_id in backend.assignments
                                       or assignment_id in backend._released):
                return backend
        return self.backend(environment)

    @property
    def realism(self):
        """The realism profile (off by default): ``sim.realism.configure(enabled=True)``."""
        return self.world.realism

    def workers_request_qualification(self, qualification_type_id: str, count: int = 1,
                                      environment: str = "sandbox",
                                      account_id: str = DEFAULT_ACCOUNT_ID) -> list[str]:
        """Simulated workers ask for a requestable qualification; returns request ids
        (AutoGranted types are granted at once and give no request id)."""
        with self.world.lock:
            backend = self.backend(environment, account_id)
            ids = []
            for worker in self.world.pool(_environment(environment))[:count]:
                request_id = backend.request_qualification(qualification_type_id,
                                                           worker.worker_id, "yes")
                if request_id:
                    ids.append(request_id)
            return ids

    def _owner(self, hit_id: str, environment: str, account_id: str | None) -> MTurkBackend:
        environment = _environment(environment)
        if account_id is not None:
            return self.backend(environment, account_id)
        for (_account, env), backend in self.world.backends.items():
            if env == environment and hit_id in backend.hits:
                return backend
        raise KeyError(f"no HIT {hit_id!r} in the simulated {environment}")

    # --- state -------------------------------------------------------------------------

    def backend(self, environment: str = "sandbox",
                account_id: str = DEFAULT_ACCOUNT_ID) -> MTurkBackend:
        """The backend object itself, for assertions in tests."""
        return self.world.backend(account_id, _environment(environment))

    def reset(self) -> None:
        """Back to the default world: no HITs, default accounts, no faults, clock at now."""
        with self.world.lock:
            self.clock.set(dt.datetime.now(dt.UTC).replace(microsecond=0))
            self.world = World(self.seed, self.clock)
            self.faults.configure()
            self.authenticator.reset()
            self.authenticator.propagation_delay = 0.0

    def new_requester_key(self, user_name: str = "mturk-requester",
                          policy: str | None = "AmazonMechanicalTurkFullAccess",
                          account_id: str = DEFAULT_ACCOUNT_ID):
        """An IAM user in moto with ``policy`` attached and a fresh access key (an AccessKey).

        Needs moto's IAM, i.e. ``mock_aws()`` around the simulator or the HTTP server.
        """
        from moto.iam.models import iam_backends

        from ..credentials import AccessKey
        from . import iam_policies

        iam = iam_backends[account_id]["aws"]
        iam_policies.add_to(iam)
        arn = f"arn:aws:iam::aws:policy/{policy}"
        if policy and arn not in iam.managed_policies:  # refuse before making the user
            raise ValueError(f"there is no AWS managed policy {policy!r} in the simulated IAM")
        if not isinstance(user_name, str) or not user_name:
            raise ValueError(f"user_name must be a user name (text), not {user_name!r}")
        if user_name in iam.users and len(iam.users[user_name].access_keys) >= 2:
            # IAM's limit; refused before the policy is attached, so nothing changes
            raise ValueError(f"the IAM user {user_name!r} already has two access keys")
        if user_name not in iam.users:
            iam.create_user(region_name="us-east-1", user_name=user_name, path="/", tags=[])
        if policy:
            iam.attach_user_policy(arn, user_name)
        key = iam.create_access_key(user_name)
        return AccessKey(key.access_key_id, key.secret_access_key, user_name,
                         source="simulator")

    # --- requests ----------------------------------------------------------------------

    def handle(self, environment: str, method: str, url: str, headers, body: bytes | None):
        """(status, headers, body) for one MTurk request, whichever way it came in."""
        return self.responses.dispatch(environment, method, url, headers, body)


def _environment(value: str) -> str:
    value = getattr(value, "value", value)
    if value not in ENVIRONMENTS:
        raise ValueError(f"environment must be 'sandbox' or 'production', not {value!r}")
    return value


# --- the in-process way in -----------------------------------------------------------------


class _RawBody(io.BytesIO):
    """What botocore reads a response body from."""

    def stream(self, **kwargs):
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


class _BeforeSend:
    """botocore before-send handler: answers MTurk requests while a simulator is active."""

    def __init__(self):
        self.stack: list[MTurkSimulator] = []
        self.lock = threading.Lock()

    def __call__(self, request, **kwargs):
        if not self.stack:
            return None
        url = request.url
        environment = HOSTS.get(url.split("/", 3)[2])
        if environment is None:
            return None
        from botocore.awsrequest import AWSResponse

        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        elif isinstance(body, str):
            body = body.encode()
        status, headers, payload = self.stack[-1].handle(
            environment, request.method, url, request.headers, body
        )
        return AWSResponse(url, status, headers, _RawBody(payload))


_handler = _BeforeSend()
_installed = False


def _install_handler() -> None:
    """Put our handler first in botocore's built-in handlers (before moto's stubber)."""
    global _installed
    if _installed:
        return
    from botocore.handlers import BUILTIN_HANDLERS

    BUILTIN_HANDLERS.insert(0, ("before-send.mturk", _handler))
    _installed = True


def _register_on_default_session() -> None:
    """boto3's default session may predate this module: give it our handler too."""
    import sys

    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 else None
    if session is None:
        return
    events = session._session.get_component("event_emitter")
    try:  # private botocore API, as moto's patch_client uses; registering twice is harmless
        if _handler in events._emitter._handlers.prefix_search("before-send.mturk.GetHIT"):
            return
    except AttributeError:
        pass
    events.register_first("before-send.mturk", _handler, unique_id="mturklink-simulator")


class mock_mturk:  # noqa: N801 - named like moto's mock_aws
    """Answer every boto3 MTurk call (sandbox and production endpoints) in-process.

    Use as ``with mock_mturk(seed=0) as sim:``, as ``@mock_mturk`` or
    ``@mock_mturk(seed=1)``. Works alone and inside ``moto.mock_aws()``; authentication
    needs moto's IAM (``mock_aws()``), or pass ``auth=False``.
    """

    def __init__(self, func=None, *, seed: int = 0, auth: bool = True):
        self.seed = seed
        self.auth = auth
        self.simulator: MTurkSimulator | None = None
        self._func = func
        if func is not None:
            functools.update_wrapper(self, func)

    def __call__(self, *args, **kwargs):
        if self._func is not None:
            with mock_mturk(seed=self.seed, auth=self.auth):
                return self._func(*args, **kwargs)
        func = args[0]

        @functools.wraps(func)
        def wrapper(*a, **kw):
            with mock_mturk(seed=self.seed, auth=self.auth):
                return func(*a, **kw)

        return wrapper

    def start(self) -> MTurkSimulator:
        from . import iam_policies

        _install_handler()
        _register_on_default_session()
        if self.auth:
            iam_policies.install()
        self.simulator = MTurkSimulator(seed=self.seed, auth=self.auth)
        with _handler.lock:
            _handler.stack.append(self.simulator)
        return self.simulator

    def stop(self) -> None:
        from . import iam_policies

        with _handler.lock:
            if self.simulator in _handler.stack:
                _handler.stack.remove(self.simulator)
        if self.auth:
            iam_policies.uninstall()

    def __enter__(self) -> MTurkSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


_install_handler()
