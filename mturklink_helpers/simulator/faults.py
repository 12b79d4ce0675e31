"""Fault injection, deterministic with a seed: throttling, ServiceFault, latency, and the
network's own faults (an answer lost, an answer cut off, a server that never answers)."""

from __future__ import annotations

import collections
import random
import threading
import time

from . import exceptions as err
from .clock import Clock


class Faults:
    """What goes wrong, and how often. Off by default.

    - ``throttle_rps``: more than this many requests within one second get
      ``ThrottlingException`` "Rate exceeded". The second is measured on real monotonic
      time by default (``throttle_clock="real"``) or on the simulator clock
      (``throttle_clock="simulated"``, which only moves when a test moves it).
    - ``service_fault_rate``: the share of requests (0..1) answered with ``ServiceFault``
      (HTTP 500), drawn from a ``random.Random(seed)``, so a run is repeatable.
    - ``latency``: seconds added to every call. Real ``time.sleep`` by default
      (``sleep=True``); with ``sleep=False`` the simulator clock is advanced instead.
    - ``drop_rate``: the share of requests (0..1) whose answer is lost: the HTTP server
      does the work, then closes the connection without sending a byte back (the worst
      case for a retry: the change happened, the caller never heard). Only the HTTP server
      honours it; it has its own ``random.Random`` stream, so adding drops does not move
      which requests get a ``ServiceFault``.
    - ``cut_rate`` (HTTP server only): the share of requests whose answer is cut off mid-way:
      the work is done, the status line, the headers (with the full Content-Length) and the
      first half of the body are sent, then the connection is closed.
    - ``hang_rate`` (HTTP server only): the share of requests the server accepts and never
      answers: the request is read, not done, and the connection is held open until the
      client gives up (its read timeout) and closes it, ``hang_max`` seconds pass, or the
      faults are configured again.
    Each network fault has its own random stream, so adding one moves no other.
    """

    def __init__(self, clock: Clock):
        self._clock = clock
        self._lock = threading.Lock()
        self.configure()

    def configure(self, throttle_rps: float | None = None, service_fault_rate: float = 0.0,
                  latency: float = 0.0, seed: int = 0, throttle_clock: str = "real",
                  sleep: bool = True, drop_rate: float = 0.0, cut_rate: float = 0.0,
                  hang_rate: float = 0.0, hang_max: float = 120.0) -> Faults:
        if throttle_clock not in ("real", "simulated"):
            raise ValueError(f"throttle_clock must be 'real' or 'simulated', not {throttle_clock!r}")
        if not 0.0 <= service_fault_rate <= 1.0:
            raise ValueError(f"service_fault_rate must be between 0 and 1, not {service_fault_rate}")
        for name, rate in (("drop_rate", drop_rate), ("cut_rate", cut_rate),
                           ("hang_rate", hang_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {rate}")
        if not 0 < hang_max <= 3600:
            raise ValueError(f"hang_max must be more than 0 and at most 3600 seconds, not {hang_max}")
        if not 0 <= latency <= 3600:  # NaN, infinity or days would break time.sleep later
            raise ValueError(f"latency must be between 0 and 3600 seconds, not {latency}")
        if throttle_rps is not None and throttle_rps < 0:  # a non-number fails here, not later
            raise ValueError(f"throttle_rps must be 0 or more, not {throttle_rps}")
        random.Random(seed)  # an unusable seed fails here, before anything has changed
        self.throttle_rps = throttle_rps
        self.service_fault_rate = service_fault_rate
        self.latency = latency
        self.seed = seed
        self.throttle_clock = throttle_clock
        self.sleep = sleep
        self.drop_rate = drop_rate
        self.cut_rate = cut_rate
        self.hang_rate = hang_rate
        self.hang_max = float(hang_max)
        release = getattr(self, "release", None)
        if release is not None:
            release.set()  # requests held by the old settings are let go
        self.release = threading.Event()
        self._rng = random.Random(seed)
        self._drop_rng = random.Random(f"drop-{seed}")
        self._cut_rng = random.Random(f"cut-{seed}")
        self._hang_rng = random.Random(f"hang-{seed}")
        self._recent: collections.deque[float] = collections.deque()
        self.throttled = 0
        self.faulted = 0
        self.dropped = 0
        self.cut = 0
        self.hung = 0
        return self

    @property
    def active(self) -> bool:
        return bool(self.throttle_rps is not None or self.service_fault_rate or self.latency
                    or self.drop_rate or self.cut_rate or self.hang_rate)

    def settings(self) -> dict:
        return {"throttle_rps": self.throttle_rps, "service_fault_rate": self.service_fault_rate,
                "latency": self.latency, "seed": self.seed, "throttle_clock": self.throttle_clock,
                "sleep": self.sleep, "drop_rate": self.drop_rate, "cut_rate": self.cut_rate,
                "hang_rate": self.hang_rate, "hang_max": self.hang_max}

    def before_request(self) -> None:
        """Add latency, then maybe refuse the request (raises an MTurkError)."""
        if self.latency:
            if self.sleep:
                time.sleep(self.latency)
            else:
                self._clock.advance(self.latency)
        with self._lock:
            if self.throttle_rps is not None:
                now = (time.monotonic() if self.throttle_clock == "real"
                       else self._clock.now().timestamp())
                while self._recent and self._recent[0] <= now - 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.throttle_rps:
                    self.throttled += 1
                    raise err.ThrottlingException()
                self._recent.append(now)
            if self.service_fault_rate and self._rng.random() < self.service_fault_rate:
                self.faulted += 1
                raise err.ServiceFault()

    def should_drop(self) -> bool:
        """Whether the HTTP server should lose the answer to this request."""
        return self.network_fault() == "drop"

    def network_fault(self) -> str | None:
        """What the network does to this request: "hang", "drop", "cut" or None."""
        if not (self.drop_rate or self.cut_rate or self.hang_rate):
            return None
        with self._lock:
            if self.hang_rate and self._hang_rng.random() < self.hang_rate:
                self.hung += 1
                return "hang"
            if self.drop_rate and self._drop_rng.random() < self.drop_rate:
                self.dropped += 1
                return "drop"
            if self.cut_rate and self._cut_rng.random() < self.cut_rate:
                self.cut += 1
                return "cut"
        return None
