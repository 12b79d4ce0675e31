"""`make lab` started the way the README says, with flags for a server without a browser:
it runs as root (adding --allow-root itself), prints the address of notebook 00 (not the
Launcher), serves notebook 00 from notebooks/ without JupyterLab's news question, lists each lesson
once (its .ipynb), and pairs each lesson's .ipynb with its .md (jupytext), so that saving either one in JupyterLab writes both. `make app` likewise prints
the address of notebook 00 as the Voilà app, and serves it there.

Each server runs with a throwaway HOME and Jupyter folders, is asked to shut down at the end,
and is killed only if it does not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
START = 90  # seconds: a ceiling for a loaded machine, never reached by a passing run
PRINTED = re.compile(r"http://127\.0\.0\.1:(\d+)(/\S*)\?token=([0-9a-f]+)")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("make") is None, reason="needs make")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MakeLab:
    """`make lab ARGS="--no-browser --port P"` in its own process group, output kept."""

    target, printed = "lab", PRINTED

    def __init__(self, tmp_path: Path, lessons: Path | None = None):
        self.port = _free_port()
        tmp_path.mkdir(parents=True, exist_ok=True)
        home = tmp_path / "home"
        self.runtime = home / ".local/share/jupyter/runtime"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MTURKLINK_", "JUPYTER", "IPYTHON"))}
        env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
                   JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"), JUPYTER_RUNTIME_DIR=str(self.runtime),
                   JUPYTERLAB_SETTINGS_DIR=str(home / ".jupyter/lab/user-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / ".jupyter/lab/workspaces"),
                   MTURKLINK_HOME=str(home / ".mturklink"), IPYTHONDIR=str(home / ".ipython"))
        self.kit_home = home / ".mturklink"
        # This environment's own JupyterLab, never reinstalled from inside a test.
        venv = Path(sys.prefix)
        command = ["make", "--no-print-directory", "-o", str(venv / ".installed"), self.target, f"VENV={venv}",
                   f"ARGS=--no-browser --port {self.port}"]
        if lessons is not None:
            command.append(f"LESSONS={lessons}")
        self.log_path = tmp_path / f"make-{self.target}.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url, self.token = self._wait_for_address()

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def _wait_for_address(self) -> tuple[str, str]:
        deadline = time.monotonic() + START
        while True:
            found = self.printed.search(self.output())
            if found:
                return found.group(0), found.group(3)
            if self.process.poll() is not None:
                raise AssertionError(f"make {self.target} exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"make {self.target} printed no address in {START} s:\n{self.output()}")
            time.sleep(0.1)  # polling interval, not a wait for something to happen

    def request(self, path: str, method: str = "GET", body: dict | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with _NO_PROXY.open(request, timeout=30) as response:
            return response.read()

    def contents(self, path: str, **query: str) -> dict:
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        return json.loads(self.request(f"/api/contents/{path}{suffix}"))

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self._ask_to_stop()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()
        from mturklink_helpers import world

        world.stop(self.kit_home)  # the demo world a lesson's kernel started outlives the server

    def _ask_to_stop(self) -> None:
        self.request("/api/shutdown", method="POST")


class MakeApp(MakeLab):
    """`make app ARGS="--no-browser --port P"`: the Voilà app, which needs no token."""

    target = "app"
    # What make prints first, then Voilà once it listens.
    printed = re.compile(r"Start with 00_start_here\.ipynb: http://localhost:(\d+)(/\S*)()(?s:.*)Voilà is running at")

    def _ask_to_stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)  # Voilà stops its kernels on SIGTERM


@pytest.fixture
def make_lab(tmp_path):
    servers = []

    def start(lessons: Path | None = None, kind: type[MakeLab] = MakeLab) -> MakeLab:
        servers.append(kind(tmp_path / f"{kind.target}{len(servers)}", lessons))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def _sources(notebook: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in notebook["cells"]]


def _browser_open_file(lab: MakeLab) -> str:
    """The page Jupyter would open in a browser, once it has written it (or "" at the ceiling)."""
    deadline = time.monotonic() + START
    while time.monotonic() < deadline:
        written = "".join(p.read_text() for p in lab.runtime.glob("jpserver-*-open.html"))
        if "token=" in written:
            return written
        time.sleep(0.1)  # polling interval, not a wait for something to happen
    return ""


def test_make_lab_serves_notebook_00_at_the_address_it_prints(make_lab):
    lab = make_lab()
    out = lab.output()
    # The command make ran: --allow-root exactly when running as root (here: always in CI).
    command = next(line for line in out.splitlines() if "jupyter lab" in line)
    assert ("--allow-root" in command) == (os.geteuid() == 0), command
    assert "Running as root is not recommended" not in out
    port, path = PRINTED.search(out).group(1, 2)
    assert (int(port), path) == (lab.port, "/lab/tree/00_start_here.ipynb")
    # What the browser would open (--no-browser only stops it being opened): the same page.
    # Jupyter writes that file around the time it prints the address, not always before.
    assert f":{lab.port}/lab/tree/00_start_here.ipynb?token=" in _browser_open_file(lab)
    # The printed address is JupyterLab's page for notebook 00, with notebooks/ as its folder...
    with _NO_PROXY.open(lab.url, timeout=30) as response:
        assert response.status == 200
        page = response.read().decode()
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    assert (config["treePath"], Path(config["serverRoot"])) == ("00_start_here.ipynb", NOTEBOOKS)
    # No "Would you like to get notified about official Jupyter news?" over the lesson.
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]
    # ...and the server hands the page notebook 00 itself.
    notebook = lab.contents("00_start_here.ipynb")
    assert notebook["type"] == "notebook"
    assert _sources(notebook["content"])[0].startswith("# Start here: link MTurk")
    # jupytext is active: the lesson's .md opens as the same notebook...
    paired = lab.contents("00_start_here.md", type="notebook")
    assert _sources(paired["content"]) == _sources(notebook["content"])
    # ...but the file browser lists each lesson once, as its notebook (the kit's config).
    listed = {item["name"] for item in lab.contents("")["content"]}
    assert {"00_start_here.ipynb", "08_manage_keys.ipynb", "instructor-notes.md"} <= listed
    assert not {name for name in listed if name.endswith(".md") and name[:2].isdigit()}, listed


def test_saving_either_side_in_jupyterlab_writes_both(make_lab, tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    for path in [*NOTEBOOKS.glob("[0-9][0-9]_*"), NOTEBOOKS / "jupytext.toml"]:
        shutil.copy(path, lessons / path.name)
    name = "02_link_aws_to_mturk"
    # As after a git checkout that rewrote the .ipynb: jupytext opens it all the same, as the
    # pair agrees (it refuses a pair that differs).
    now = time.time()
    os.utime(lessons / f"{name}.md", (now - 10, now - 10))
    lab = make_lab(lessons)

    # A learner's run saved (outputs, execution counts): the lesson's source stays as it was.
    md, before = lessons / f"{name}.md", (lessons / f"{name}.md").read_bytes()
    notebook = lab.contents(f"{name}.ipynb")["content"]
    for cell in (c for c in notebook["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "what the run printed\n"}]
    lab.request(f"/api/contents/{name}.ipynb", "PUT", {"type": "notebook", "format": "json", "content": notebook})
    assert md.read_bytes() == before
    assert "what the run printed" in (lessons / f"{name}.ipynb").read_text(encoding="utf-8")

    # The notebook edited and saved (as JupyterLab's notebook editor saves it): the .md follows.
    notebook = lab.contents(f"{name}.ipynb")["content"]
    notebook["cells"][0]["source"] = _sources(notebook)[0] + "\n\nA sentence added in the notebook."
    lab.request(f"/api/contents/{name}.ipynb", "PUT", {"type": "notebook", "format": "json", "content": notebook})
    assert "A sentence added in the notebook." in (lessons / f"{name}.md").read_text(encoding="utf-8")

    # The Markdown edited (as a teacher's editor saves it): the notebook opens with the new text,
    # and saving it from JupyterLab writes the .ipynb too.
    md.write_text(md.read_text(encoding="utf-8").replace("A sentence added in the notebook.",
                                                         "A sentence added in the Markdown."), encoding="utf-8")
    notebook = lab.contents(f"{name}.ipynb")["content"]
    assert "A sentence added in the Markdown." in _sources(notebook)[0]
    lab.request(f"/api/contents/{name}.ipynb", "PUT", {"type": "notebook", "format": "json", "content": notebook})
    saved = json.loads((lessons / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert "A sentence added in the Markdown." in _sources(saved)[0]


def test_make_app_serves_notebook_00_as_the_voila_app_at_the_address_it_prints(make_lab):
    app = make_lab(kind=MakeApp)
    port, path = app.printed.search(app.output()).group(1, 2)
    assert (int(port), path) == (app.port, "/voila/render/00_start_here.ipynb")
    with _NO_PROXY.open(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
        assert response.status == 200
        page = response.read().decode()
    assert "Start here: link MTurk" in page
    assert 'data-mime-type="application/vnd.jupyter.error"' not in page
