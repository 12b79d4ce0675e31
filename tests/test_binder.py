"""binder/ read by Binder's own builder, repo2docker, and the badge a workshop hands out.

repo2docker (from PyPI, no Docker needed with --no-build) writes the Dockerfile Binder would
build; the tests read what it decided, run binder/postBuild and binder/start as Binder does,
and check the badge opens a notebook that exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mturklink_helpers import workshop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPO2DOCKER = BIN / "repo2docker"


@pytest.fixture(scope="module")
def dockerfile() -> str:
    """What repo2docker would build from this folder (its --debug output, Dockerfile inside)."""
    if not REPO2DOCKER.exists():
        pytest.fail("repo2docker is missing: make .venv/.installed installs the test tools")
    done = subprocess.run([str(REPO2DOCKER), "--no-build", "--no-run", "--debug", str(ROOT)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def test_binder_builds_python_3_11_from_binder_folder_only(dockerfile):
    assert "python=3.11" in dockerfile
    # With a binder/ folder, repo2docker ignores the top-level environment.yml: the pins in
    # binder/ are the whole of Binder's environment (environment.yml is for conda users).
    assert "environment.yml" not in dockerfile.replace("/tmp/env/environment", "")
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile


def test_binder_sees_the_constraints_file_when_it_installs(dockerfile):
    # binder/requirements.txt says "-c constraints.txt". repo2docker installs requirements
    # before copying the repository when it can (a cache); it must see the whole repository
    # here, or pip stops on the missing constraints file.
    install = dockerfile.index('-r "binder/requirements.txt"')
    copy_all = dockerfile.index("src/ ${REPO_DIR}/")
    assert copy_all < install
    first_line = (ROOT / "binder" / "requirements.txt").read_text()
    assert "-c constraints.txt" in first_line
    pinned = {canonicalize_name(line.split("==")[0])
              for line in (ROOT / "binder" / "constraints.txt").read_text().splitlines()
              if "==" in line and not line.startswith("#")}
    for line in first_line.splitlines():
        if line and not line.startswith(("#", "-")):
            name = canonicalize_name(Requirement(line).name)
            assert name in pinned, f"{name} is not pinned in binder/constraints.txt"


def test_binder_runs_post_build_and_starts_through_binder_start(dockerfile):
    assert "./binder/postBuild" in dockerfile
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile


def _clean_copy(dest: Path) -> Path:
    """The files a clean clone has (tracked and new, not ignored): what Binder copies."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.mark.slow
def test_post_build_installs_the_kit_with_its_world(tmp_path):
    repo = _clean_copy(tmp_path / "repo")
    target = tmp_path / "site"
    # Binder's dependencies are installed already (pip install -r): postBuild adds the kit.
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PIP_TARGET": str(target),
           "PIP_QUIET": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # The build says nothing alarming (setuptools' "`project.license` as a TOML table is
    # deprecated" was printed three times on every install).
    assert "deprecated" not in done.stderr.lower(), done.stderr[-2000:]
    probe = ("import mturklink_helpers, mturklink_helpers.world_server, "
             "mturklink_helpers.simulator.server as s; print(mturklink_helpers.__file__)")
    where = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(target)})
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(target))


def test_binder_start_runs_demo_mode_even_when_live_was_chosen(tmp_path):
    home = tmp_path / "mturklink"
    home.mkdir()
    (home / "settings.json").write_text(json.dumps({"mode": "live"}))
    probe = "from mturklink_helpers.kit import kernel_kit; print(kernel_kit().mode)"
    env = {**os.environ, "MTURKLINK_HOME": str(home), "MTURKLINK_MODE": "live"}
    done = subprocess.run(["bash", str(ROOT / "binder" / "start"), sys.executable, "-c", probe],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "demo"


@pytest.mark.parametrize("app", [False, True])
def test_the_badge_opens_notebook_00_of_the_repository(app):
    badge = workshop.binder_badge("my-lab/mturklink", app=app)
    parts = urlsplit(badge.url)
    assert parts.netloc == "mybinder.org" and parts.path == "/v2/gh/my-lab/mturklink/main"
    urlpath = parse_qs(parts.query)["urlpath"][0]
    prefix = "voila/render/" if app else "lab/tree/"
    assert urlpath.startswith(prefix)
    assert (ROOT / urlpath.removeprefix(prefix)).is_file()
    assert badge.markdown == f"[![Binder](https://mybinder.org/badge_logo.svg)]({badge.url})"


def test_the_readme_says_how_to_make_a_badge_rather_than_pointing_at_owner():
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/v2/gh/OWNER" not in readme
    assert "workshop badge --repo" in readme
