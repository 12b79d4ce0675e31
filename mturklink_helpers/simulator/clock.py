"""The simulator's clock: frozen until a test moves it, so nothing depends on real time."""

from __future__ import annotations

import datetime as dt
import threading

UTC = dt.UTC


class Clock:
    """Simulated time. Starts at the real time (whole seconds, UTC) and then stands still.

    HIT expiry, auto-approval and key propagation are all measured on this clock, so a
    test moves time with :meth:`advance` instead of sleeping.
    """

    def __init__(self, start: dt.datetime | None = None):
        self._lock = threading.Lock()
        self._now = _aware(start) if start else dt.datetime.now(UTC).replace(microsecond=0)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, seconds: float) -> dt.datetime:
        """Move time forward (never backward) by ``seconds``."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward: advance({seconds}) is negative")
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
            return self._now

    def set(self, when: dt.datetime) -> dt.datetime:
        """Jump to ``when`` (naive datetimes are taken as UTC)."""
        with self._lock:
            self._now = _aware(when)
            return self._now

    def __repr__(self) -> str:
        return f"Clock({self._now.isoformat()})"


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)
