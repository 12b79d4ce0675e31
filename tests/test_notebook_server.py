"""The worker site's link as the learner's browser reaches it: through the notebook server's
proxy when the kernel runs under a Jupyter server (found as jupyter_client leaves it: the
parent's pid and its jpserver-PID.json), directly otherwise. Real files in a runtime folder;
the browser test (tests/browser) follows the link in a real JupyterLab and Voilà."""

from __future__ import annotations

import json

import pytest

from mturklink_helpers.clients import AWS, Endpoints
from mturklink_helpers.notebook_server import browser_url, jupyter_base_url

WORLD = "http://127.0.0.1:43165"
PAGE = f"{WORLD}/workersandbox.mturk.com/mturk/preview?hitId={'H' * 30}"


@pytest.fixture
def runtime(tmp_path):
    def server(pid: int, base_url: str) -> dict:
        (tmp_path / f"jpserver-{pid}.json").write_text(json.dumps(
            {"pid": pid, "base_url": base_url, "port": 8888, "url": "http://127.0.0.1:8888/"}))
        return {"JPY_PARENT_PID": str(pid)}
    server.dir = tmp_path
    return server


@pytest.mark.parametrize("base, expected", [
    ("/", "/proxy/43165/workersandbox.mturk.com/mturk/preview?hitId="),
    ("/user/ada/", "/user/ada/proxy/43165/workersandbox.mturk.com/mturk/preview?hitId="),
])
def test_under_a_jupyter_server_the_link_goes_through_its_proxy(runtime, base, expected):
    env = runtime(4321, base)
    assert browser_url(PAGE, env, runtime.dir) == expected + "H" * 30
    assert jupyter_base_url(env, runtime.dir) == base


def test_on_a_hub_the_service_prefix_says_where(runtime):
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/grace/"}
    assert browser_url(PAGE, env, runtime.dir).startswith("/user/grace/proxy/43165/")


def test_without_a_jupyter_server_the_link_is_direct(runtime):
    runtime(4321, "/")
    assert browser_url(PAGE, {}, runtime.dir) == PAGE  # a terminal
    assert browser_url(PAGE, {"JPY_PARENT_PID": "999"}, runtime.dir) == PAGE  # Voilà on its own
    assert browser_url(PAGE, {"JPY_PARENT_PID": "x1"}, runtime.dir) == PAGE
    (runtime.dir / "jpserver-77.json").write_text('{"pid": 78, "base_url": "/other/"}')
    assert browser_url(PAGE, {"JPY_PARENT_PID": "77"}, runtime.dir) == PAGE  # another's file


def test_only_local_addresses_are_proxied(runtime):
    env = runtime(4321, "/")
    real = "https://workersandbox.mturk.com/mturk/preview?groupId=3ABC"
    assert browser_url(real, env, runtime.dir) == real


def test_the_preview_link_comes_from_where_the_client_talks(monkeypatch):
    monkeypatch.delenv("JPY_PARENT_PID", raising=False)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert AWS.preview_url("sandbox", "H" * 30, "3ABC") == (
        "https://workersandbox.mturk.com/mturk/preview?groupId=3ABC")
    assert Endpoints.of(f"{WORLD}/sandbox").preview_url("production", "H" * 30, "3ABC") == (
        f"{WORLD}/www.mturk.com/mturk/preview?hitId={'H' * 30}")
