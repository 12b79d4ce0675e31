"""Notebook 07 run in broken demo worlds: the doctor must name the step that fixes each."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_troubleshooting.ipynb"


@pytest.mark.parametrize("problem, step", [
    ("sandbox", "3"), ("no-policy", "4 f–h"), ("wrong-secret", "4 j–k"),
])
def test_troubleshooting_names_the_step(problem, step, tmp_path, monkeypatch):
    monkeypatch.setenv("MTURKLINK_DEMO_PROBLEM", problem)
    monkeypatch.setenv("MTURKLINK_EXPECT_STEP", step)  # the notebook's self-test cell asserts it
    monkeypatch.setenv("MTURKLINK_HOME", str(tmp_path))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Raises CellExecutionError if the doctor names another step (the self-test cell asserts).
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
