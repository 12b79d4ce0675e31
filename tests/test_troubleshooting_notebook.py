"""Notebook 07 run in broken demo worlds: the doctor must name the step that fixes each."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import doctor_names_step, learner_env, learner_home, run_lesson


@pytest.mark.parametrize("problem, step", [
    ("sandbox", "3"), ("no-policy", "4 f–h"), ("wrong-secret", "4 j–k"),
])
def test_troubleshooting_names_the_step(problem, step, tmp_path):
    # The notebook's first cell breaks the world as its "Demo: break something" form would.
    env = learner_env(tmp_path, MTURKLINK_DEMO_PROBLEM=problem)
    with learner_home(tmp_path):  # the notebook's kernel starts a world there; stopped after
        # Raises CellExecutionError if the doctor names another step.
        run_lesson("07_troubleshooting", home=tmp_path, env=env, checks=doctor_names_step(step))
