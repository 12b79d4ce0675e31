"""The one way the tests run a lesson: as a learner would, then checks in the same kernel.

A lesson notebook holds only what a learner reads and runs. The tests run it top to bottom
in a fresh kernel (nbclient), in demo mode, with a throwaway HOME and MTURKLINK_HOME, and
then run more code *in that same kernel*: the lesson's checks (below), which click its
forms from code and assert what they show, and anything a test adds. Used by
tests/notebooks, tests/secrets, tests/test_troubleshooting_notebook.py and
benchmarks/bench_notebooks.py.

    run = run_lesson("01_create_aws_account", home=tmp_path)

Each lesson's kernel finds or starts the learner's demo world in ``home``/.mturklink;
:func:`run_lesson` stops it afterwards unless a walk keeps it (``keep_world=True``).

Import it as ``tests.notebooks.harness`` (the repository root is on ``sys.path``: pytest
puts it there for the root conftest.py; the benchmark puts it there itself).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import ensure_async

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = [p.stem for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
# The guide's walk, 00 → 07; 08 is an extra (the key from code) a learner may skip.
GUIDE_LESSONS = [name for name in LESSONS if name < "08"]
CELL_TIMEOUT = 180  # seconds: a ceiling for a loaded machine, never reached by a passing run

# What each lesson's forms must do when clicked, run after the lesson in its kernel. The
# names (mode, step1, load, ...) are the lesson's own variables.
CHECKS = {
    "00_start_here": """\
mode.apply_button.click()
assert mode.status_text.startswith('✓ Done: now in demo mode'), mode.status_text
# on a workshop hub (tests/hub) reports are on by default; anywhere else nothing is sent
assert reports.status_text.startswith(('ℹ Note: this is not a workshop hub: nothing is sent',
                                       '✓ Done: your progress goes to')), reports.status_text
""",
    "01_create_aws_account": """\
step1.check_button.click()
assert step1.status_text.startswith('✗'), 'nothing done yet'
step1.do_button.click()
step1.check_button.click()
assert step1.status_text == '✓ Done: step 1 is done.', step1.status_text
""",
    "02_link_aws_to_mturk": """\
step2.do_button.click()
step2.check_button.click()
assert step2.status_text == '✓ Done: step 2 is done.', step2.status_text
""",
    "03_register_requester_sandbox": """\
step3.do_button.click()
step3.check_button.click()
assert step3.status_text == '✓ Done: step 3 is done.', step3.status_text
""",
    "04_create_iam_user": """\
step4.do_button.click()
load.load_button.click()
assert load.status_text.startswith('✓ Done: loaded access key AKIA'), load.status_text
assert '****' in load.output.value and 'mturk-requester' in load.output.value
""",
    "05_link_turkprime": """\
handoff.check_button.click()
assert handoff.status_text.startswith('✓ Done: both endpoints answer'), handoff.status_text
assert 'Access Key ID' in handoff.output.value and '(never shown)' in handoff.output.value
step5.do_button.click()
assert step5.status_text.endswith('step 5 is done (the doctor checked it).'), step5.status_text
""",
    "06_sandbox_test_hit": """\
hit.create_button.click()
assert hit.status_text.startswith('✓ Done: created your test HIT'), hit.status_text
hit.simulate_button.click()
hit.answers_button.click()
assert hit.status_text.startswith('✓ Done: 2 answers'), hit.status_text
(_, first), (_, second) = hit.assignment.options
hit.assignment.value = first
hit.approve_button.click()
assert 'approved 1' in hit.status_text, hit.status_text
hit.assignment.value = second
hit.feedback.value = 'The answer was empty.'
hit.reject_button.click()
assert 'rejected 1' in hit.status_text, hit.status_text
hit.cleanup_button.click()
assert hit.status_text.startswith('✓ Done: nothing of the kit is left'), hit.status_text
""",
    "08_manage_keys": """\
create.create_button.click()
assert create.status_text.startswith('✓ Done'), create.status_text
""",
    # In a world with nothing broken. tests/test_troubleshooting_notebook.py breaks it
    # with the notebook's own form and checks with doctor_names_step() instead.
    "07_troubleshooting": """\
problems.apply_button.click()
doctor.run_button.click()
assert doctor.status_text.startswith('✓ Done: All checks passed'), doctor.status_text
""",
}


def doctor_names_step(problem: str, step: str) -> str:
    """Notebook 07's check: the learner makes ``problem`` with its form, then the doctor
    names guide step ``step``."""
    return (f"problems.problem.value = {problem!r}\n"
            "problems.apply_button.click()\n"
            "doctor.run_button.click()\n"
            f"assert {f'guide step {step}'!r} in doctor.status_text, doctor.status_text\n")


def read_lesson(name: str) -> nbformat.NotebookNode:
    """A fresh copy of lesson ``name`` (e.g. "04_create_iam_user") as committed."""
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def learner_env(home: Path, **extra: str) -> dict[str, str]:
    """A learner's kernel environment: demo mode, ``home`` as HOME (and the kit's home
    and IPython's inside it), nothing of the tester's AWS, kit or Jupyter settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MTURKLINK_", "JUPYTER_", "IPYTHON"))}
    env.update(HOME=str(home), MTURKLINK_HOME=str(learner_home(home)), MTURKLINK_MODE="demo",
               IPYTHONDIR=str(home / ".ipython"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.update(extra)
    return env


@dataclass
class LessonRun:
    """What a run left: the notebook as a learner's save would hold it (the lesson's cells
    with their outputs, then the checks and any ``then`` code), and what each ``ask`` printed."""

    notebook: nbformat.NotebookNode
    answers: list[str] = field(default_factory=list)


async def run_lesson_async(lesson: str | nbformat.NotebookNode, *, home: Path, checks: str | None = None,
                           then: Sequence[str] = (), ask: Sequence[str] = (),
                           env: dict[str, str] | None = None, cwd: Path | None = None,
                           client_class: type[NotebookClient] = NotebookClient,
                           kernel_output: tuple | None = None, **client_options) -> LessonRun:
    """Run ``lesson`` (a lesson's name, or a notebook object) in a fresh kernel, then in the
    same kernel: ``checks`` (by default the named lesson's CHECKS; "" for none), then each
    ``then`` code, both kept in the notebook (a notebook object is executed in place, so a
    caller that catches the error still has what ran), and then each ``ask`` code, not
    kept, whose printed output is returned in ``answers``.

    ``cwd`` is the kernel's working folder (default: ``home``/notebooks, as a learner's
    notebook folder); ``kernel_output`` an optional (stdout, stderr) pair of files for the
    kernel process; ``client_options`` go to nbclient (e.g. ``store_widget_state``, ``log``).
    A failing cell raises nbclient's CellExecutionError with the kernel's traceback.
    """
    if isinstance(lesson, str):
        notebook = read_lesson(lesson)
        checks = CHECKS[lesson] if checks is None else checks
    elif checks is None:
        raise TypeError("with a notebook object, say which checks to run (checks=CHECKS[name])")
    else:
        notebook = lesson
    cwd = cwd or home / "notebooks"
    cwd.mkdir(parents=True, exist_ok=True)
    client_options.setdefault("timeout", CELL_TIMEOUT)
    client = client_class(notebook, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                          **client_options)
    kernel_args = {"env": env if env is not None else learner_env(home)}
    if kernel_output:
        kernel_args["stdout"], kernel_args["stderr"] = kernel_output
    run = LessonRun(notebook)
    client.reset_execution_trackers()
    async with client.async_setup_kernel(**kernel_args):
        info = await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
        notebook.metadata["language_info"] = info["content"]["language_info"]
        for code in [c for c in (checks, *then) if c]:
            notebook.cells.append(nbformat.v4.new_code_cell(code))
        for index, cell in enumerate(notebook.cells):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        client.set_widgets_metadata()  # what JupyterLab's "save widget state" puts in the file
        for code in ask:
            notebook.cells.append(nbformat.v4.new_code_cell(code))
            try:
                await client.async_execute_cell(notebook.cells[-1], len(notebook.cells) - 1)
            finally:
                cell = notebook.cells.pop()
            run.answers.append("".join(o["text"] for o in cell.outputs if o.get("name") == "stdout"))
    return run


def run_lesson(lesson: str | nbformat.NotebookNode, *, keep_world: bool = False,
               **options) -> LessonRun:
    """run_lesson_async, from synchronous code. In a thread of its own: a session-wide
    Playwright (the browser tests) keeps an event loop running in the caller's thread.

    The learner's demo world (started by the lesson's kernel) is stopped afterwards unless
    ``keep_world``: the next lesson of a walk then finds it as a learner's next kernel would.
    """
    try:
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, run_lesson_async(lesson, **options)).result()
    finally:
        if not keep_world:
            from mturklink_helpers import world

            world.stop(learner_home(options["home"]))


def learner_home(home: Path) -> Path:
    """The kit folder (MTURKLINK_HOME) of the learner whose HOME is ``home``."""
    return Path(home) / ".mturklink"

