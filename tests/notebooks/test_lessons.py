"""Each lesson run as a learner runs it (fresh kernel, demo mode, a throwaway home), then its
checks in the same kernel: the forms clicked from code, and what they show asserted.

nbval (pyproject's testpaths) also runs the lesson notebooks as they are, with no checks.
"""

from __future__ import annotations

import pytest
from nbclient.exceptions import CellExecutionError

from tests.notebooks.harness import CHECKS, LESSONS, learner_home, read_lesson, run_lesson

# Asked of notebook 05's kernel after its checks: the mode of the kernel's own kit.
KERNEL_MODE = "from mturklink_helpers.kit import kernel_kit\nprint(kernel_kit().mode)"


@pytest.fixture
def home(tmp_path):
    with learner_home(tmp_path):
        yield tmp_path


def test_there_are_eight_lessons_and_each_has_checks():
    assert len(LESSONS) == 8
    assert sorted(CHECKS) == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_and_its_forms_do_what_they_say(name, home):
    run = run_lesson(name, home=home, ask=[KERNEL_MODE] if name == "05_link_turkprime" else ())
    lesson, ran = read_lesson(name), run.notebook.cells
    # Every cell of the lesson ran, and then the checks (which raise if an assert fails).
    assert [c.source for c in ran[:len(lesson.cells)]] == [c.source for c in lesson.cells]
    assert ran[-1].source == CHECKS[name] and ran[-1].execution_count is not None
    errors = [o for c in ran if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    if name == "05_link_turkprime":
        assert run.answers == ["demo\n"]  # the kernel's own kit: the same kernel, after the checks


def test_a_failing_check_fails_the_test_with_the_kernels_message(home):
    with pytest.raises(CellExecutionError, match="nothing done yet"):
        run_lesson("01_create_aws_account", home=home,
                   checks="assert step1.status_text.startswith('✓'), 'nothing done yet'")


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_notebooks_hold_no_test_code(name):
    for cell in read_lesson(name).cells:
        assert "kit-selftest" not in cell.metadata.get("tags", []), name
        if cell.cell_type == "code":
            for word in ("assert ", "selftest", "MTURKLINK_SELFTEST"):
                assert word not in cell.source, (name, word, cell.source)
