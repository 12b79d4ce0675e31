"""Every JupyterLab the kit starts opens without JupyterLab's "Would you like to get notified
about official Jupyter news?" question over the lessons (jupyter-config/README.md).

JupyterLab's own page-config reader (jupyterlab_server) is asked, in the environment each
starter gives the server: Binder's start script and the one-machine hub's spawner. `make lab`
is checked on the page it serves (tests/test_make_lab.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
NEWS = "@jupyterlab/apputils-extension:announcements"  # the plugin that asks, then fetches news
PAGE_CONFIG = ("import json; from jupyterlab_server.config import get_page_config; "
               "print(json.dumps(get_page_config([])))")


def _page_config(env: dict[str, str], *wrapper: str) -> dict:
    """The page config JupyterLab would hand its page, started with `env` (through `wrapper`)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    done = subprocess.run([*wrapper, sys.executable, "-c", PAGE_CONFIG], capture_output=True,
                          text=True, env={**base, **env}, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def news_is_off(page_config: dict) -> bool:
    return NEWS in page_config.get("disabledExtensions", [])  # the list the page receives


def test_a_plain_jupyterlab_would_ask():
    # The question is JupyterLab's default: without the kit's settings nothing turns it off.
    assert not news_is_off(_page_config({}))


def test_binder_starts_jupyterlab_with_the_news_question_off():
    assert news_is_off(_page_config({}, "bash", str(ROOT / "binder" / "start")))


def test_the_hubs_learners_get_jupyterlab_with_the_news_question_off(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("MTURKLINK_HUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MTURKLINK_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the config puts its folder first
    c = PyFileConfigLoader("jupyterhub_config.py", path=str(ROOT / "deploy" / "jupyterhub")).load_config()
    assert news_is_off(_page_config(dict(c.Spawner.environment)))
