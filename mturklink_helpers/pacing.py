"""Calling MTurk many times, quickly, without tripping its rate limit.

* :class:`RateLimiter` is a token bucket (GCRA form): at most ``rate`` requests per second
  with a burst of ``burst``; threads that ask too early sleep until their slot.
* :func:`paced` hooks a limiter into a boto3 client so that *every* HTTP attempt waits its
  turn, including botocore's own retries, and counts throttled attempts.

Retrying is botocore's (see :mod:`.retry`): pacing only keeps the calls under the limit.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

THROTTLE_CODES = frozenset({"ThrottlingException", "Throttling"})


class RateLimiter:
    """At most ``rate`` acquisitions per second, ``burst`` of them back to back."""

    def __init__(self, rate: float, burst: int = 1, *, clock=time.monotonic, sleep=time.sleep):
        if not rate or rate <= 0:
            raise ValueError(
                f"max_rate must be a positive number of requests per second, not {rate!r}"
            )
        self.rate = float(rate)
        self._interval = 1.0 / self.rate
        self._tolerance = (max(int(burst), 1) - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0  # the theoretical arrival time of the next request

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self._interval
        wait = slot - self._tolerance - now
        if wait > 0:
            self._sleep(wait)


@dataclass
class CallStats:
    """What the paced client did: HTTP attempts, throttled attempts, the worst single call."""

    requests: int = 0
    throttled: int = 0
    most_throttles_in_one_call: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _current: threading.local = field(default_factory=threading.local, repr=False)

    def _count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def _count_throttle(self) -> None:
        calls = getattr(self._current, "throttles", None)
        with self._lock:
            self.throttled += 1
            if calls is not None:
                calls[0] += 1
                self.most_throttles_in_one_call = max(self.most_throttles_in_one_call, calls[0])

    @contextlib.contextmanager
    def one_call(self) -> Iterator[None]:
        """Everything inside (all retries of one logical call) counts as one call."""
        self._current.throttles = [0]
        try:
            yield
        finally:
            self._current.throttles = None


_hook_ids = itertools.count()


@contextlib.contextmanager
def paced(client, limiter: RateLimiter | None, stats: CallStats | None = None):
    """Within the block, every HTTP attempt ``client`` makes first waits for ``limiter``."""
    stats = stats if stats is not None else CallStats()
    events = client.meta.events
    n = next(_hook_ids)

    def before_attempt(**_):
        if limiter is not None:
            limiter.acquire()
        stats._count_request()

    def after_attempt(parsed_response=None, **_):
        code = ((parsed_response or {}).get("Error") or {}).get("Code")
        if code in THROTTLE_CODES:
            stats._count_throttle()

    events.register("request-created.mturk", before_attempt, unique_id=f"mturklink-pace-{n}")
    events.register("response-received.mturk", after_attempt, unique_id=f"mturklink-count-{n}")
    try:
        yield stats
    finally:
        events.unregister("request-created.mturk", unique_id=f"mturklink-pace-{n}")
        events.unregister("response-received.mturk", unique_id=f"mturklink-count-{n}")
