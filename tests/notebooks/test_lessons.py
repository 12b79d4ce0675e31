"""Each lesson run as a learner runs it (fresh kernel, demo mode, a throwaway home), then its
checks in the same kernel: the forms clicked from code, and what they show asserted.

nbval (pyproject's testpaths) also runs the lesson notebooks as they are, with no checks.
"""

from __future__ import annotations

import pytest
from nbclient.exceptions import CellExecutionError

from mturklink_helpers import world
from tests.notebooks.harness import (
    CHECKS,
    GUIDE_LESSONS,
    LESSONS,
    learner_home,
    read_lesson,
    run_lesson,
)


def test_there_are_nine_lessons_and_each_has_checks():
    assert len(LESSONS) == 9 and GUIDE_LESSONS == LESSONS[:8]
    assert sorted(CHECKS) == LESSONS


# Asked in each lesson's kernel after its checks: nothing in a learner's kernel patches
# botocore, so AWS's real endpoint is answered by AWS (here: no network, no answer at all).
REAL_ENDPOINT_UNANSWERED = """\
import sys, boto3
from botocore.exceptions import EndpointConnectionError
real = boto3.client("mturk", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                    aws_secret_access_key="x" * 40,
                    endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com")
try:
    real.get_account_balance()
    print("answered")
except EndpointConnectionError:
    print("unanswered", "moto" in sys.modules, "mturklink_helpers.simulator" in sys.modules)
"""


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_and_its_forms_do_what_they_say(name, tmp_path):
    asked = [REAL_ENDPOINT_UNANSWERED]
    if name == "05_link_turkprime":
        asked.append("from mturklink_helpers.kit import kernel_kit; print(kernel_kit().mode)")
    run = run_lesson(name, home=tmp_path, ask=asked)
    assert run.answers[0] == "unanswered False False\n", run.answers[0]
    lesson, ran = read_lesson(name), run.notebook.cells
    # Every cell of the lesson ran, and then the checks (which raise if an assert fails).
    assert [c.source for c in ran[:len(lesson.cells)]] == [c.source for c in lesson.cells]
    assert ran[-1].source == CHECKS[name] and ran[-1].execution_count is not None
    errors = [o for c in ran if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    if name == "05_link_turkprime":
        assert run.answers[1] == "demo\n"  # the kernel's own state: the same kernel, after the checks


def test_a_failing_check_fails_the_test_with_the_kernels_message(tmp_path):
    with pytest.raises(CellExecutionError, match="nothing done yet"):
        run_lesson("01_create_aws_account", home=tmp_path,
                   checks="assert step1.status_text.startswith('✓'), 'nothing done yet'")


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_notebooks_hold_no_test_code(name):
    for cell in read_lesson(name).cells:
        assert "kit-selftest" not in cell.metadata.get("tags", []), name
        if cell.cell_type == "code":
            for word in ("assert ", "selftest", "MTURKLINK_SELFTEST"):
                assert word not in cell.source, (name, word, cell.source)


def test_a_learners_walk_shares_one_world_across_kernels(tmp_path):
    """00 → 07, each lesson in its own kernel, as a learner walks them: the mode chosen in 00,
    the key loaded in 04 and every step done carry over to the next kernels, all in one world
    process; undoing step 3 in notebook 03 (re-opened) is what 07's doctor then finds."""
    ask = ("from mturklink_helpers.kit import kernel_kit as k\n"
           "print(k().mode, k().world.pid, k().key.masked_id if k().key else None)")
    seen = {}
    try:
        for name in GUIDE_LESSONS:
            checks = CHECKS[name]
            if name == "07_troubleshooting":
                run_lesson("03_register_requester_sandbox", home=tmp_path, keep_world=True,
                           checks="step3.undo_button.click()")
                checks = ("doctor.run_button.click()\n"
                          "assert 'guide step 3' in doctor.status_text, doctor.status_text\n")
            run = run_lesson(name, home=tmp_path, checks=checks, keep_world=True, ask=[ask])
            seen[name] = run.answers[0].split()
    finally:
        world.stop(learner_home(tmp_path))
    assert {mode for mode, _pid, _key in seen.values()} == {"demo"}
    assert len({pid for _mode, pid, _key in seen.values()}) == 1, seen
    keys = [key for name, (_m, _p, key) in seen.items() if name >= "04"]
    assert keys[0] != "None" and len(set(keys)) == 1, seen  # 04's key in 05, 06 and 07
