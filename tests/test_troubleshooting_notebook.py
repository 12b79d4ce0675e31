"""Notebook 07 run in broken demo worlds: the doctor must name the step that fixes each."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import doctor_names_step, run_lesson


@pytest.mark.parametrize("problem, step", [
    ("sandbox", "3"), ("no-policy", "4 f–h"), ("wrong-secret", "4 j–k"),
])
def test_troubleshooting_names_the_step(problem, step, tmp_path):
    # The learner makes the problem with the notebook's "Demo: break something" form.
    # Raises CellExecutionError if the doctor names another step.
    run_lesson("07_troubleshooting", home=tmp_path, checks=doctor_names_step(problem, step))
