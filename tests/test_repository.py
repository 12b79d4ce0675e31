"""Rules the repository keeps: the same dependencies everywhere, notebooks without outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _key(spec: str) -> str:
    req = Requirement(spec)
    return canonicalize_name(req.name) + "".join(f"[{e}]" for e in sorted(req.extras))


def pyproject_requirements() -> dict[str, Requirement]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {_key(d): Requirement(d) for d in deps}


def environment_yml_names() -> set[str]:
    """Package names in environment.yml (conda and pip parts), without python, pip and the kit."""
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for raw in text.split("\ndependencies:", 1)[1].splitlines():
        line = raw.split("#")[0].strip()
        if not line.startswith("- ") or line.endswith(":"):
            continue
        spec = line[2:].strip()
        if spec.startswith("-e") or spec in (".", "pip") or spec.startswith("python"):
            continue
        names.add(_key(spec))
    return names


def binder_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        assert "==" in line, f"binder/requirements.txt: {line!r} is not pinned with =="
        spec, _, version = line.partition("==")
        pins[_key(spec)] = version
    return pins


def test_environment_yml_names_the_same_dependencies():
    assert environment_yml_names() == set(pyproject_requirements())


def test_binder_pins_the_same_dependencies_within_range():
    pins, wanted = binder_pins(), pyproject_requirements()
    assert set(pins) == set(wanted)
    for name, version in pins.items():
        assert Version(version) in wanted[name].specifier, f"{name}=={version} outside {wanted[name].specifier}"


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True)


# What git holds: the notebooks in the index (what the next commit takes; unchanged ones are
# HEAD's). A learner's autosaved outputs in the working tree are not held, and do not count.
IN_GIT = _git("rev-parse", "--is-inside-work-tree").returncode == 0
NOTEBOOKS = (sorted(_git("ls-files", "-z", "--", "notebooks/*.ipynb").stdout.decode().split("\0")[:-1])
             if IN_GIT else [])


def held_by_git(path: str) -> dict:
    return json.loads(_git("show", f":{path}").stdout)


@pytest.mark.skipif(not IN_GIT, reason="not a git checkout: no commit to look into")
def test_git_holds_the_notebooks():
    assert len([p for p in NOTEBOOKS if Path(p).name[:2].isdigit()]) == 9, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[Path(p).name for p in NOTEBOOKS])
def test_notebooks_are_committed_without_outputs(path):
    notebook = held_by_git(path)
    assert "widgets" not in notebook.get("metadata", {}), "saved widget state can hold typed-in secrets"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path}: a code cell has outputs"
            assert cell.get("execution_count") is None, f"{path}: a code cell has an execution count"


@pytest.mark.skipif(not IN_GIT, reason="not a git checkout")
def test_notebooks_outputs_are_filtered_out_by_nbstripout_once_enabled():
    """.gitattributes names the nbstripout filter for every notebook (README: how to enable)."""
    for path in NOTEBOOKS:
        attributes = _git("check-attr", "filter", "--", path).stdout.decode()
        assert attributes.strip().endswith("filter: nbstripout"), attributes


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="needs make and git")
def test_make_git_filters_keeps_a_learners_saved_outputs_out_of_git(tmp_path):
    """In a clone with `make git-filters` run, a notebook run and saved in JupyterLab (outputs,
    execution counts, widget state, the kernel's version) is, to git, the committed notebook."""
    repo, name = tmp_path / "clone", "notebooks/02_link_aws_to_mturk.ipynb"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    shutil.copy(ROOT / name, repo / name)
    env = {**os.environ, "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "lessons")
    venv = Path(sys.prefix)  # this environment's nbstripout, never reinstalled from a test
    subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "-C", str(repo),
                    "-o", str(venv / ".installed"), "git-filters", f"VENV={venv}"],
                   env=env, check=True, capture_output=True)

    saved = json.loads((repo / name).read_text())
    for number, cell in enumerate(c for c in saved["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = number + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["what the run printed\n"]}]
    saved["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "file_extension": ".py"}
    saved["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    (repo / name).write_text(json.dumps(saved, indent=1))
    # (git status may still list it: git takes a file whose size changed for a changed file.)
    assert git("diff", "--stat") == ""
    git("add", name)
    assert git("status", "--porcelain") == ""
    assert git("show", f":{name}") == (ROOT / name).read_text()
