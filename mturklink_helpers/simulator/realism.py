"""The realism profile: the delays the evidence shows, off by default.

- ``extend_delay``: a new HIT cannot be extended (UpdateExpirationForHIT) for this many
  seconds after it was created (Dallinger's tests wait 15 s, PR #794 "MTurk now has a short
  delay"). The answer MTurk gives meanwhile was not found; the simulator answers "Hit … does
  not exist." (an assumption, docs/simulator.md).
- ``list_delay``: ListHITs, ListReviewableHITs and ListHITsForQualificationType include a
  new HIT only this many seconds after it was created (the lists' "indexing" time).
- ``link_delay``: an account just linked (or a sandbox just registered) still answers
  ``AWS.AccountNotLinked`` for this many seconds (ParlAI's and Mephisto's advice: "wait for
  a couple minutes").

Every delay is measured on the simulator clock, so nothing here depends on real time and a
replayed world gives the same answers.
"""

from __future__ import annotations

import datetime as dt
import math

DEFAULTS = {"extend_delay": 15.0, "list_delay": 5.0, "link_delay": 120.0}


class Realism:
    def __init__(self):
        self.configure()

    def configure(self, enabled: bool = False, extend_delay: float | None = None,
                  list_delay: float | None = None, link_delay: float | None = None) -> Realism:
        if not isinstance(enabled, bool):
            raise ValueError(f"enabled must be true or false, not {enabled!r}")
        values = {}
        for name, value in (("extend_delay", extend_delay), ("list_delay", list_delay),
                            ("link_delay", link_delay)):
            value = DEFAULTS[name] if value is None else value
            if (isinstance(value, bool) or not isinstance(value, int | float)
                    or not math.isfinite(value) or not 0 <= value <= 86400):
                raise ValueError(f"{name} must be between 0 and 86400 seconds, not {value!r}")
            values[name] = float(value)
        self.enabled = enabled
        self.extend_delay = values["extend_delay"]
        self.list_delay = values["list_delay"]
        self.link_delay = values["link_delay"]
        return self

    def settings(self) -> dict:
        return {"enabled": self.enabled, "extend_delay": self.extend_delay,
                "list_delay": self.list_delay, "link_delay": self.link_delay}

    def _young(self, since: dt.datetime | None, now: dt.datetime, delay: float) -> bool:
        return (self.enabled and since is not None and delay > 0
                and (now - since).total_seconds() < delay)

    def check_extend(self, backend, hit) -> None:
        if self._young(hit.creation_time, backend.clock.now(), self.extend_delay):
            from . import exceptions as err

            raise err.does_not_exist("Hit", hit.id, "AWS.MechanicalTurk.HITDoesNotExist",
                                     backend._mark())

    def listed(self, backend, hits: list) -> list:
        if not self.enabled or not self.list_delay:
            return hits
        now = backend.clock.now()
        return [h for h in hits if not self._young(h.creation_time, now, self.list_delay)]

    def still_linking(self, since: dt.datetime | None, now: dt.datetime) -> bool:
        return self._young(since, now, self.link_delay)
