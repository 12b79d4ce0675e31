"""instructors.md quotes the doctor word for word: keep the quotes true to what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mturklink_helpers.problems import DEMO_PROBLEMS
from mturklink_helpers.widgets import DemoProblems, DoctorPanel

GUIDE = Path(__file__).resolve().parent.parent / "instructors.md"


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@pytest.mark.parametrize("problem", [p for p in DEMO_PROBLEMS if p != "none"])
def test_each_quoted_status_line_is_what_the_doctor_shows(problem, kit):
    breaker, doctor = DemoProblems(kit=kit), DoctorPanel(kit=kit)
    breaker.problem.value = problem
    breaker.apply_button.click()
    doctor.run_button.click()
    assert words(doctor.status_text) in words(GUIDE.read_text()), doctor.status_text
    # and the guide tells instructors which demo problem shows it
    assert words(DEMO_PROBLEMS[problem].split(":")[0]) in words(GUIDE.read_text())
