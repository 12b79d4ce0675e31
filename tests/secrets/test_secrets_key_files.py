"""Every kind of key file the kit writes, at its default place in a learner's clone of this
repository, is mode 0600 and git-ignored: ``git status`` does not offer it for a commit.

The clone is a temporary git repository with this repository's .gitignore. Its folder is
also the learner's HOME, as on Binder, where the clone *is* the home folder, so even
``~/.aws/credentials`` lands inside it.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False).stdout


@pytest.fixture
def clone(tmp_path, monkeypatch):
    repo = tmp_path / "mturklink"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.setenv("HOME", str(repo))
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    return repo


def test_every_key_file_the_kit_writes_is_private_and_git_ignored(clone, world, world_home,
                                                                   monkeypatch):
    from mturklink_helpers.cli import _parser
    from mturklink_helpers.credentials import load_credentials, save_profile, write_credentials
    from mturklink_helpers.kit import DEMO_DOWNLOAD, Kit
    from mturklink_helpers.widgets import ConsoleChecklist, CreateIamUserForm

    notebooks = clone / "notebooks"
    written = []
    # The demo's "download" in notebook 04 (Demo: create the IAM user), run in notebooks/,
    # on a demo kit in the learner's world (steps 1-3 done). The world keeps its own files
    # in MTURKLINK_HOME, outside the clone (tests/secrets/test_secrets_notebooks.py scans them).
    monkeypatch.chdir(notebooks)
    kit = Kit("demo", home_dir=world_home)
    ConsoleChecklist(4, kit=kit).do_button.click()
    written += [p for p in notebooks.rglob("*") if p.is_file()]
    assert written == [notebooks / DEMO_DOWNLOAD]
    key = load_credentials(written[0])
    # Route B's "Save key to", as the form first shows it, from notebooks/.
    written.append(write_credentials(key, CreateIamUserForm(kit=kit).save_to.value).resolve())
    # The command line's --out default, from the clone and from notebooks/.
    out = _parser().parse_args(["create-iam-user", "--admin-profile", "admin"]).out
    written.append(write_credentials(key, out).resolve())
    monkeypatch.chdir(clone)
    written.append(write_credentials(key, out).resolve())
    # save_profile's default place (also where --save-profile and provisioning's profile go).
    written.append(save_profile(key, "mturk").resolve())

    assert len(set(written)) == 5
    for path in written:
        assert key.reveal_secret() in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    relative = sorted(str(p.relative_to(clone)) for p in written)
    assert sorted(git(clone, "check-ignore", *relative).split()) == relative

    # git status offers the learner's own notebook for a commit, and no key file.
    (notebooks / "my_study.ipynb").write_text("{}")
    offered = git(clone, "status", "--porcelain", "--untracked-files=all").split("\n")
    offered = sorted(line[3:] for line in offered if line)
    assert offered == [".gitignore", "notebooks/my_study.ipynb"]


@pytest.mark.parametrize("name", [
    "credentials.csv", "notebooks/credentials.csv", "Downloads/credentials.csv",
    "bob_accessKeys.csv", "notebooks/bob_accesskeys.csv", "rootkey.csv",
    "secrets/anything.txt", "notebooks/secrets/key.csv", ".aws/credentials",
    "tests/secrets/credentials.csv",  # the audit's own folder is not ignored; key files there are
])
def test_key_files_a_learner_downloads_into_the_clone_are_git_ignored(name):
    # Moved here from tests/test_credentials.py: the names the AWS console gives key files.
    result = subprocess.run(["git", "check-ignore", "--no-index", name], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.stdout.strip() == name


def test_a_notebook_is_not_ignored():
    # The check above can fail: git does not ignore what a learner should commit.
    result = subprocess.run(["git", "check-ignore", "--no-index", "notebooks/00_start_here.ipynb"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
