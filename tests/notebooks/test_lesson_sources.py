"""The lessons' sources: each notebooks/NN_name.md (MyST Markdown, what a teacher edits) is
paired with its NN_name.ipynb (what a learner runs) by jupytext, and the two must agree.

"Agree" is compared through jupytext, as JupyterLab's jupytext compares them: both files
are written as MyST, so only what the Markdown file holds counts (cell types, sources, the
cell metadata jupytext keeps, the kernel); outputs, execution counts, cell ids and widget
state do not.
"""

from __future__ import annotations

import difflib
import re

import jupytext
import nbformat
import pytest
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file

from tests.notebooks.harness import LESSONS, NOTEBOOKS

FORMAT = "md:myst"
SOURCES = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.md"))
FIX = "run `make lessons` (or open the .md in JupyterLab and save it) to bring the pair in step"


def as_myst(notebook: nbformat.NotebookNode) -> str:
    """``notebook`` written as MyST: what JupyterLab's jupytext compares before it opens a
    lesson whose .ipynb is newer than its .md (and refuses to open it if they differ)."""
    return jupytext.writes(notebook, fmt=FORMAT)


def test_every_notebook_has_its_markdown_source_and_back():
    assert SOURCES == LESSONS
    assert len(SOURCES) == 9


def test_jupytext_pairs_the_lessons_in_the_notebook_folder():
    # jupytext (JupyterLab's contents manager, and the CLI of `make lessons`) finds this
    # file from any lesson and pairs every notebook in the folder with its MyST file.
    config_file = find_jupytext_configuration_file(str(NOTEBOOKS))
    assert config_file == str(NOTEBOOKS / "jupytext.toml")
    config = load_jupytext_configuration_file(config_file)
    assert [f.replace(" ", "") for f in config.formats] == ["ipynb,md:myst"]


@pytest.mark.parametrize("name", LESSONS)
def test_markdown_source_and_notebook_agree(name):
    source = jupytext.read(NOTEBOOKS / f"{name}.md", fmt=FORMAT)
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    want, have = as_myst(source), as_myst(notebook)
    if want != have:
        diff = "\n".join(difflib.unified_diff(have.splitlines(), want.splitlines(),
                                              f"{name}.ipynb", f"{name}.md", lineterm="", n=1))
        pytest.fail(f"{name}.md and {name}.ipynb differ: {FIX}.\n{diff}")


@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_has_the_parts_of_a_carpentries_episode(name):
    text = (NOTEBOOKS / f"{name}.md").read_text(encoding="utf-8")
    for part in ("**Objectives:**", "**Time:** about", "## Key points", "## You are done when"):
        assert part in text, f"{name}.md has no {part!r}"
    assert re.search(r"\*\*Time:\*\* about \d+ minutes\.", text), name
    # Instructor notes live apart, one section per lesson (learners never see them).
    notes = (NOTEBOOKS / "instructor-notes.md").read_text(encoding="utf-8")
    assert f"\n## {name}\n" in notes, f"instructor-notes.md has no section for {name}"


def test_a_changed_source_is_caught():
    """The comparison sees an edit that jupytext would carry over, and ignores outputs."""
    name = LESSONS[1]
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source = jupytext.read(NOTEBOOKS / f"{name}.md", fmt=FORMAT)
    code = next(c for c in notebook.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="what a learner's run printed\n")]
    code.execution_count = 3
    assert as_myst(notebook) == as_myst(source)
    source.cells[0].source += "\n\nA teacher's new sentence."
    assert as_myst(notebook) != as_myst(source)
