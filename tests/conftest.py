"""The fixtures every test shares: one demo world for the session, reset before each test
that asks for it, and kits pointed at it.

The world is the learner's world, run the way a learner's kernels run it (a background
process found through ``$MTURKLINK_HOME``), so the tests exercise exactly what notebooks
and commands use. Tests never reset the kit's globals, because there are none: each test
builds its own :class:`~mturklink_helpers.kit.Kit`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mturklink_helpers import world as worlds
from mturklink_helpers.kit import Kit


@pytest.fixture(scope="session")
def world_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("world-home")
    yield home
    worlds.stop(home)


@pytest.fixture(scope="session")
def session_world(world_home):
    return worlds.connect(world_home)


@pytest.fixture
def blank_world(session_world, world_home):
    """The world with nothing done: no AWS account yet (guide step 1 not done)."""
    session_world.admin("reset")
    for name in ("settings.json", "progress.json"):
        (world_home / name).unlink(missing_ok=True)
    return session_world


@pytest.fixture
def world(blank_world):
    """The world with guide steps 1–3 done: AWS account, Requester link, sandbox."""
    blank_world.create_aws_account()
    blank_world.link_requester_account()
    blank_world.register_sandbox()
    return blank_world


@pytest.fixture
def kit(blank_world, world_home, tmp_path, monkeypatch) -> Kit:
    """A demo-mode kit on the session's world, working in a fresh folder (where the demo's
    console 'downloads' key files)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MTURKLINK_HOME", os.fspath(world_home))
    return Kit("demo", home_dir=world_home)
