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


# What a Python kernel tells JupyterLab about itself; JupyterLab puts it in the notebook's
# metadata as soon as the kernel answers, so every save from JupyterLab carries it.
KERNEL_LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
    "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3", "version": "3.11.2"}
# The fix when this fails: the lessons' Markdown in the form JupyterLab saves it.
CANONICAL = ("run: sed -i 's/^```{code-cell}$/```{code-cell} ipython3/' notebooks/[0-9][0-9]_*.md "
             "&& make lessons && .venv/bin/nbstripout --extra-keys "
             "'metadata.widgets metadata.language_info' notebooks/[0-9][0-9]_*.ipynb")


@pytest.mark.parametrize("kernel", [False, True], ids=["before-the-kernel", "with-the-kernel"])
def test_saving_a_lesson_in_jupyterlab_without_edits_changes_neither_file(tmp_path, kernel):
    """A teacher opens a lesson in JupyterLab and saves it: git sees no change in its .md, nor
    in its .ipynb once the kit's nbstripout filter has stripped what the kernel adds (its
    language_info). Through jupytext's own contents manager, as JupyterLab saves."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    for path in [*NOTEBOOKS.glob("[0-9][0-9]_*"), NOTEBOOKS / "jupytext.toml"]:
        shutil.copy2(path, tmp_path / path.name)
    contents = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    changed = []
    for name in LESSONS:
        model = contents.get(f"{name}.ipynb")
        if kernel:
            model["content"]["metadata"]["language_info"] = KERNEL_LANGUAGE_INFO
        contents.save(model, f"{name}.ipynb")
        changed += [f"{name}.md"] * ((tmp_path / f"{name}.md").read_bytes()
                                     != (NOTEBOOKS / f"{name}.md").read_bytes())
    nbstripout = Path(sys.executable).parent / "nbstripout"
    subprocess.run([str(nbstripout), "--extra-keys", "metadata.widgets metadata.language_info",
                    *(str(tmp_path / f"{name}.ipynb") for name in LESSONS)], check=True)
    changed += [f"{name}.ipynb" for name in LESSONS
                if (tmp_path / f"{name}.ipynb").read_bytes() != (NOTEBOOKS / f"{name}.ipynb").read_bytes()]
    assert not changed, f"saved without edits, these changed: {changed}; {CANONICAL}"


# The first walk (00–06, demo mode) must fit in 20 minutes (README, "How long a first walk
# takes"): reading the lessons' own text was 13 of its 45 minutes before the lessons were cut
# to what a learner needs. A ceiling keeps new prose from creeping back: 7 minutes at 200
# words a minute, leaving the rest for the forms, the pictures and the clicks.
FIRST_WALK_WORDS = 1400


def reading_words(name: str) -> int:
    """Words a learner reads in lesson ``name``'s Markdown cells: no code, no image alt text
    (a screen reader's, not on screen), no link targets or HTML tags."""
    words = 0
    for cell in jupytext.read(NOTEBOOKS / f"{name}.md", fmt=FORMAT).cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", cell.source)
            text = re.sub(r"\]\([^)]*\)", "]", re.sub(r"<[^>]+>", "", text))
            words += sum(1 for word in text.split() if re.search(r"\w", word))
    return words


def test_the_first_walk_reads_in_seven_minutes():
    first_walk = [name for name in LESSONS if name < "07"]
    counts = {name: reading_words(name) for name in first_walk}
    assert len(counts) == 7 and min(counts.values()) > 50, counts  # every lesson was counted
    assert sum(counts.values()) <= FIRST_WALK_WORDS, counts
