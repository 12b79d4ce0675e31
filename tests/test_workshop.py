"""`workshop link` and `workshop badge`: the links an instructor hands out, and bad input."""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from mturklink_helpers import cli, workshop

REPO = "https://github.com/my-lab/mturklink"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize("typed", [
    "https://hub.example.org", "https://hub.example.org/", "https://hub.example.org/hub/login",
    "https://hub.example.org/hub/home", "https://hub.example.org/hub/",
])
def test_link_goes_through_the_hub_to_nbgitpuller_whatever_page_was_copied(typed):
    url = workshop.hub_link(typed, REPO)
    assert url.startswith("https://hub.example.org/hub/user-redirect/git-pull?")
    assert _query(url) == {"repo": REPO, "branch": "main", "targetpath": "mturklink",
                           "urlpath": "lab/tree/mturklink/notebooks/00_start_here.ipynb"}


def test_link_into_a_folder_of_ones_choosing():
    url = workshop.hub_link("https://hub.example.org", REPO, folder="our-lessons")
    assert _query(url)["targetpath"] == "our-lessons"
    assert _query(url)["urlpath"] == "lab/tree/our-lessons/notebooks/00_start_here.ipynb"


def test_link_keeps_a_hub_under_a_path_and_opens_the_app_when_asked():
    url = workshop.hub_link("http://10.0.0.5:8000/workshop/hub/login", REPO + ".git",
                            branch="autumn", app=True)
    assert url.startswith("http://10.0.0.5:8000/workshop/hub/user-redirect/git-pull?")
    assert _query(url)["urlpath"] == "voila/render/mturklink/notebooks/00_start_here.ipynb"
    assert _query(url)["branch"] == "autumn"


def test_link_defaults_to_this_copys_git_remote(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin",
                    "git@github.com:my-lab/kit-copy.git"], check=True)
    url = workshop.hub_link("https://hub.example.org", kit_folder=tmp_path)
    assert _query(url)["repo"] == "git@github.com:my-lab/kit-copy.git"
    assert _query(url)["urlpath"] == "lab/tree/kit-copy/notebooks/00_start_here.ipynb"


def test_link_without_a_remote_asks_for_repo(tmp_path):
    with pytest.raises(workshop.WorkshopLinkError, match="--repo"):
        workshop.hub_link("https://hub.example.org", kit_folder=tmp_path)


@pytest.mark.parametrize("argv, said", [
    (["workshop", "link", "--hub", "hub.example.org", "--repo", REPO], "not a web address"),
    (["workshop", "link", "--hub", "https://h.org/?next=x", "--repo", REPO], "without ? or #"),
    (["workshop", "link", "--hub", "https://h.org", "--repo", "my lab"], "not a git repository"),
    (["workshop", "link", "--hub", "https://h.org", "--repo", REPO, "--folder", "../x"], "--folder"),
    (["workshop", "badge", "--repo", "https://example.org/x"], "OWNER/NAME"),
    (["workshop", "badge", "--repo", "my-lab/mturklink", "--ref", "my branch"], "--ref"),
])
def test_bad_input_exits_2_and_says_what_to_type(argv, said, capsys):
    assert cli.main(argv) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: ") and said in err


def test_workshop_without_an_action_shows_its_help(capsys):
    assert cli.main(["workshop"]) == cli.EXIT_BAD_INPUT
    assert "link" in capsys.readouterr().err


def test_badge_prints_markdown_and_the_link(capsys):
    assert cli.main(["workshop", "badge", "--repo", "https://github.com/my-lab/mturklink.git"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[![Binder](https://mybinder.org/badge_logo.svg)]"
                          "(https://mybinder.org/v2/gh/my-lab/mturklink/main?urlpath=")
    assert "Link: https://mybinder.org/v2/gh/my-lab/mturklink/main?" in out
