"""Hypothesis profiles for the fuzz suites (tests/fuzz), chosen with HYPOTHESIS_PROFILE.

    ci     (default) 4,000 examples per target; derandomized, so every run tries the same
           inputs and a CI failure reproduces anywhere; no deadline (the machine is shared);
           no example database. (10,000 until the hub test joined the suite: the same inputs
           every run find nothing new after the first, and CI must stay under 15 minutes.)
    long   200,000 examples per target; random, a new draw every run, with the database so a
           failure found once is tried first next time. For a night, not for CI.

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/fuzz -q --hypothesis-show-statistics

Loading a profile sets hypothesis's defaults for the whole pytest session; tests elsewhere
that give their own @settings keep their own example counts.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=4_000,
    deadline=None,
    derandomize=True,
    database=None,
    # A few targets drive real widgets and a simulated MTurk per example: slow for hypothesis's
    # taste (it expects microseconds), fine for ours.
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=200_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
