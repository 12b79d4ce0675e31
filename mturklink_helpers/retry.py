"""The kit's one retry policy, and the clock waits run on.

Two different things are called "trying again", and each has one home here:

* **One call** (a single AWS request) is retried by botocore itself, in its *standard*
  mode: throttling, server faults and lost connections, with jittered exponential backoff
  and botocore's retry quota. The kit never loops around a call to retry it. The bound is
  :data:`MAX_ATTEMPTS` HTTP attempts per call (:data:`BULK_MAX_ATTEMPTS` for the paced bulk
  clean-up, which runs thousands of calls near MTurk's rate limit).
* **A wait** for something AWS makes true *eventually* (a new key reaching MTurk, a policy
  taking effect) repeats a whole check with growing pauses until :attr:`Wait.max_wait`
  seconds have passed on its clock: :meth:`Wait.run`. Each check inside is still one call
  as above, so a wait makes at most ``checks x MAX_ATTEMPTS`` HTTP attempts.

The clock is injected: real time in live mode, the demo world's clock in demo mode (so a
demo never makes a learner wait for real, and tests never sleep).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

MAX_ATTEMPTS = 3  # HTTP attempts per call, botocore's standard mode (first try included)
BULK_MAX_ATTEMPTS = 5  # the paced clean-up: throttling near the rate limit is expected
CONNECT_TIMEOUT = 5  # seconds; no network must be "could not check" in seconds, not minutes
READ_TIMEOUT = 20  # seconds; a server that accepts and never answers gives up after this


def client_config(max_attempts: int = MAX_ATTEMPTS):
    """botocore's Config for every client the kit builds (see :mod:`.clients`)."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "total_max_attempts": max_attempts},
                  connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealTime:
    """The computer's clock (live mode)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def __repr__(self) -> str:
        return "RealTime()"


REAL_TIME = RealTime()


@dataclass
class Wait:
    """How long to keep checking something AWS makes true eventually, and how to pause."""

    max_wait: float = 90.0
    first_delay: float = 2.0
    factor: float = 2.0
    max_delay: float = 15.0
    clock: Clock = field(default=REAL_TIME)

    def delays(self):
        """1st, 2nd, … pause in seconds: first_delay growing by factor up to max_delay."""
        delay = self.first_delay
        while True:
            yield delay
            delay = min(delay * self.factor, self.max_delay)

    def run(self, attempt: Callable[[], tuple[bool | None, str]],
            on_wait=None) -> tuple[bool, int, float]:
        """Call ``attempt`` until it returns (True, _) or max_wait runs out.

        ``attempt`` returns (done, reason): done None gives up at once (waiting cannot help,
        e.g. nothing answers at all). ``on_wait(tries, elapsed, reason, delay)`` is called
        before each pause. Returns (done, tries, elapsed seconds).
        """
        start = self.clock.monotonic()
        delays = self.delays()
        tries = 0
        while True:
            tries += 1
            done, reason = attempt()
            elapsed = self.clock.monotonic() - start
            if done:
                return True, tries, elapsed
            if done is None or elapsed >= self.max_wait:
                return False, tries, elapsed
            delay = min(next(delays), max(self.max_wait - elapsed, 0.0))
            if on_wait is not None:
                on_wait(tries, elapsed, reason, delay)
            self.clock.sleep(delay)

