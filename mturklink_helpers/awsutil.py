"""Small pieces shared by iam.py and doctor.py: AWS clients, error codes, waiting with backoff.

MTurk clients are built only by :func:`mturklink_helpers.endpoints.mturk_client`; this module
builds the IAM and STS clients and says where each service lives when the kit talks to the
simulator's local server instead of AWS.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .endpoints import REGION, Environment

if TYPE_CHECKING:
    import boto3

    from .credentials import AccessKey


def server_root(endpoint_url: str | None) -> str | None:
    """The simulator server's root URL, even when given its /sandbox or /production URL."""
    if not endpoint_url:
        return None
    root = endpoint_url.rstrip("/")
    for suffix in ("/sandbox", "/production"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
    return root


def mturk_url(endpoint_url: str | None, environment: Environment | str) -> str | None:
    """Where MTurk ``environment`` lives on the simulator's server (None: the real endpoint)."""
    root = server_root(endpoint_url)
    if root is None:
        return None
    return f"{root}/{Environment.parse(environment).value}"


def as_session(credentials: AccessKey | boto3.Session | str) -> boto3.Session:
    """A boto3 Session from an AccessKey, a Session, or the name of a profile."""
    import boto3

    if isinstance(credentials, boto3.Session):
        return credentials
    if isinstance(credentials, str):
        return boto3.Session(profile_name=credentials, region_name=REGION)
    return credentials.session()


def aws_client(credentials, service: str, endpoint_url: str | None = None):
    """An IAM or STS client in us-east-1 (the simulator server also answers both)."""
    from botocore.config import Config

    return as_session(credentials).client(
        service,
        region_name=REGION,
        endpoint_url=server_root(endpoint_url),
        config=Config(retries={"mode": "standard", "max_attempts": 3},
                      connect_timeout=10, read_timeout=30),  # as endpoints.mturk_client
    )


def error_codes(exc: BaseException) -> tuple[str, str | None]:
    """(error code, TurkErrorCode) of a botocore error; the class name for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code") or type(exc).__name__
        return code, response.get("TurkErrorCode")
    return type(exc).__name__, None


# Error codes that mean "AWS does not know this key (yet)": a deleted key, a typo, or a
# key created moments ago that has not reached every service (eventual consistency).
UNKNOWN_KEY_CODES = {"UnrecognizedClientException", "InvalidClientTokenId"}
WRONG_SECRET_CODES = {"InvalidSignatureException", "SignatureDoesNotMatch"}
ACCESS_DENIED_CODES = {"AccessDeniedException", "AccessDenied"}


@dataclass
class Backoff:
    """How long to keep trying, and how to wait between tries.

    ``sleep`` and ``clock`` default to real time, or to the simulated clock when a demo
    world is running (so a demo never makes a learner wait, and tests never sleep).
    """

    max_wait: float = 90.0
    first_delay: float = 2.0
    factor: float = 2.0
    max_delay: float = 15.0
    sleep: Callable[[float], object] | None = None
    clock: Callable[[], float] | None = None

    def timing(self) -> tuple[Callable[[float], object], Callable[[], float]]:
        sleep, clock = self.sleep, self.clock
        if sleep is None or clock is None:
            demo_sleep, demo_clock = _demo_timing()
            sleep = sleep or demo_sleep or time.sleep
            clock = clock or demo_clock or time.monotonic
        return sleep, clock

    def delays(self):
        """1st, 2nd, … delay in seconds: first_delay growing by factor up to max_delay."""
        delay = self.first_delay
        while True:
            yield delay
            delay = min(delay * self.factor, self.max_delay)


NO_WAIT = Backoff(max_wait=0.0)


def _demo_timing():
    """The running demo world's clock, if a demo world is running in this process."""
    demo = sys.modules.get("mturklink_helpers.demo")
    world = demo.running_world() if demo else None
    if world is None:
        return None, None
    return world.sleep, world.monotonic


def retry_until(attempt: Callable[[], tuple[bool, str]], backoff: Backoff, on_wait=None):
    """Call ``attempt`` until it returns (True, _) or backoff.max_wait runs out.

    ``attempt`` returns (done, reason); ``on_wait(attempt_number, elapsed, reason, delay)``
    is called before each wait. Returns (done, attempts, elapsed seconds).
    """
    sleep, clock = backoff.timing()
    start = clock()
    delays = backoff.delays()
    tries = 0
    while True:
        tries += 1
        done, reason = attempt()
        elapsed = clock() - start
        if done:
            return True, tries, elapsed
        if elapsed >= backoff.max_wait:
            return False, tries, elapsed
        delay = min(next(delays), max(backoff.max_wait - elapsed, 0.0))
        if on_wait is not None:
            on_wait(tries, elapsed, reason, delay)
        sleep(delay)
