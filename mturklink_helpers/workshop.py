"""Links an instructor hands out: a Binder badge for their copy of the kit, and an nbgitpuller
link that puts the notebooks into every learner's home on a JupyterHub at the first click.

Both only build text: nothing here talks to GitHub, Binder or the hub.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
BINDER = "https://mybinder.org"
# GitHub's own rules for account and repository names.
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


class WorkshopLinkError(ValueError):
    """Bad input for a link: the message says what was wrong and what to type instead."""


@dataclass(frozen=True)
class Badge:
    url: str

    @property
    def markdown(self) -> str:
        return f"[![Binder]({BINDER}/badge_logo.svg)]({self.url})"


def _first_page(app: bool, folder: str = "") -> str:
    """The urlpath that opens notebook 00: in JupyterLab, or as the Voilà app."""
    path = f"{folder}/{FIRST_NOTEBOOK}" if folder else FIRST_NOTEBOOK
    return f"voila/render/{path}" if app else f"lab/tree/{path}"


def binder_badge(repo: str, ref: str = "main", app: bool = False) -> Badge:
    """The Binder link (and its badge) for a GitHub repository OWNER/NAME holding the kit."""
    repo = repo.strip().removeprefix("https://github.com/").removesuffix(".git").strip("/")
    if not _GITHUB_REPO.match(repo):
        raise WorkshopLinkError(
            f"--repo {repo!r} is not a GitHub repository: give it as OWNER/NAME, "
            "e.g. --repo my-lab/mturklink (the copy of the kit your workshop uses)")
    if not ref or any(c.isspace() for c in ref):
        raise WorkshopLinkError(f"--ref {ref!r} is not a branch, tag or commit name")
    url = f"{BINDER}/v2/gh/{repo}/{quote(ref, safe='')}?" + urlencode(
        {"urlpath": _first_page(app)})
    return Badge(url)


def _hub_base(hub: str) -> str:
    parts = urlsplit(hub.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WorkshopLinkError(
            f"--hub {hub!r} is not a web address: give the hub's address as learners open "
            "it, e.g. --hub https://hub.example.org")
    if parts.query or parts.fragment:
        raise WorkshopLinkError(f"--hub {hub!r}: give the hub's address without ? or #")
    # Instructors often copy the address bar (…/hub/login, …/hub/home): keep what is before /hub.
    path = (parts.path.rstrip("/") + "/").split("/hub/")[0].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def _origin(folder: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(folder), "remote", "get-url", "origin"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _folder_name(repo: str) -> str:
    """Where nbgitpuller puts the clone in each home: the repository's last path part."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git")


def hub_link(hub: str, repo: str | None = None, branch: str = "main", app: bool = False,
             folder: str | None = None, kit_folder: Path | None = None) -> str:
    """The nbgitpuller link: the first click clones ``repo`` into ``~/folder`` of the
    learner's home (default: the repository's name; later clicks pull, keeping the learner's
    own changes) and opens notebook 00."""
    base = _hub_base(hub)
    if repo is None:
        repo = _origin(kit_folder or Path(__file__).resolve().parents[1])
        if repo is None:
            raise WorkshopLinkError(
                "this copy of the kit has no git remote to hand out: give the repository "
                "learners should get with --repo, e.g. --repo https://github.com/my-lab/mturklink")
    if any(c.isspace() for c in repo) or not repo:
        raise WorkshopLinkError(f"--repo {repo!r} is not a git repository address")
    if not branch or any(c.isspace() for c in branch):
        raise WorkshopLinkError(f"--branch {branch!r} is not a branch name")
    folder = _folder_name(repo) if folder is None else folder.strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]+", folder) or folder in (".", ".."):
        raise WorkshopLinkError(
            f"--folder {folder!r} is not a folder name: letters, digits, '.', '_' and '-' only")
    query = urlencode({"repo": repo, "branch": branch, "targetpath": folder,
                       "urlpath": _first_page(app, folder)})
    return f"{base}/hub/user-redirect/git-pull?{query}"
