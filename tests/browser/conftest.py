"""The kit in a real browser: JupyterLab and Voilà serve copies of notebooks/, and Debian's
Chromium (never a browser Playwright downloads) clicks and types in them like a learner.

One JupyterLab, one Voilà and one Chromium serve all the walk's tests (module-scoped, so
Playwright has stopped before the notebook tests that follow run their own kernels). Each
server runs in demo mode with its own temporary HOME and MTURKLINK_HOME; the notebooks hold
no test code (their checks run in tests/notebooks), so only the learner's clicks count. Logs and screenshots go to test-artifacts/browser/ (git-ignored).

Every wait is on something the page shows (Playwright's expect/wait_for), never a sleep.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import links

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts" / "browser"
LINKS_LOG = ARTIFACTS / "links.tsv"  # every link checked: page, kind, href, where it sits
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Generous ceilings for a loaded 2-core machine; a passing run never waits for them.
SERVER_START = 90  # seconds
KERNEL_RUN_MS = 120_000  # a notebook's Run All, kernel start included
ACTION_MS = 60_000  # one button press until its ✓/✗ shows
# What the kit's status line looks like (widgets/base.py): mark, word, colon.
STATUS_LINE = re.compile(r"^\s*[✓✗…ℹ?] (Done|Problem|Working|Note|Could not check):")
# A secret access key's shape (widgets/base.py hides anything like it before showing it).
SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- servers ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _learner_env(home: Path) -> dict[str, str]:
    """The environment of a learner's server: demo mode, a throwaway home."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MTURKLINK_", "JUPYTER", "IPYTHON", "AWS_"))}
    env.update(HOME=str(home), MTURKLINK_MODE="demo", MTURKLINK_HOME=str(home / ".mturklink"),
               JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"),
               JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / ".jupyter/lab/user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / ".jupyter/lab/workspaces"),
               IPYTHONDIR=str(home / ".ipython"),
               # The kit's JupyterLab settings, as make lab, Binder and the hub give them: no
               # "get Jupyter news?" toast over the page, no request to the internet.
               JUPYTER_CONFIG_PATH=str(REPO / "jupyter-config"))
    settings = home / ".jupyter/lab/user-settings/@jupyterlab"
    for name, values in {
        # Every cell in the DOM (not only those in view), so locators find every form.
        "notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    return env


class Server:
    """A Jupyter-style server in its own process group, its log kept as an artifact."""

    def __init__(self, name: str, command: list[str], root: Path, home: Path, token_option: str):
        self.name, self.root, self.home = name, root, home
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.followed: set[tuple] = set()  # lessons clicked into already (tests/browser/links.py)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        command = [*command, f"--port={self.port}", f"{token_option}={self.token}"]
        self.process = subprocess.Popen(command, cwd=root, env=_learner_env(home), stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def address(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path}{sep}token={self.token}"

    def request(self, path: str, method: str = "GET") -> bytes:
        # The token in a header: Jupyter then needs no XSRF cookie for a POST or DELETE.
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with _NO_PROXY.open(request, timeout=10) as response:
            return response.read()

    def wait_ready(self, path: str) -> None:
        """Poll ``path`` until the server answers 200 (or fail with its log)."""
        deadline = time.monotonic() + SERVER_START
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: "
                                   f"see {self.log_path}")
            try:
                self.request(path)
                return
            except urllib.error.HTTPError:
                raise  # it answers, but not as it should: waiting will not help
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready after {SERVER_START} s: "
                                       f"see {self.log_path}") from None
            time.sleep(0.1)  # polling interval, not a wait for something to happen

    def stop(self, shutdown_path: str | None = None) -> None:
        """Ask the server to shut down (it stops its kernels); force only if it hangs."""
        if self.process.poll() is None:
            try:
                if shutdown_path:
                    self.request(shutdown_path, method="POST")
                else:
                    self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()
        # The learner's demo world is not the server's child (it outlives kernels by design):
        # stop it too, or it would wait out its idle hour.
        from mturklink_helpers import world

        world.stop(self.home / ".mturklink")


def _workspace(tmp_path_factory, name: str) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp(name)
    root, home = base / "root", base / "home"
    root.mkdir()
    home.mkdir()
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        shutil.copy(notebook, root / notebook.name)
    shutil.copytree(NOTEBOOKS / "images", root / "images")  # the lessons' pictures
    return root, home


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("MTURKLINK_REQUIRE_BROWSER") == "1":  # CI: a skip would hide them
            pytest.fail(f"{CHROMIUM} is missing and MTURKLINK_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
                    "to run the browser tests")
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=ACTION_MS)  # every expect(...) waits up to one action's ceiling
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    LINKS_LOG.write_text("", encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def lab_server(chromium, tmp_path_factory):
    root, home = _workspace(tmp_path_factory, "lab")
    server = Server("jupyterlab", [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                                   "--allow-root", "--ip=127.0.0.1", "--ServerApp.port_retries=0",
                                   f"--ServerApp.root_dir={root}"],
                    root, home, "--IdentityProvider.token")
    try:
        server.wait_ready("/api/status")
        yield server
    finally:
        server.stop("/api/shutdown")


@pytest.fixture(scope="module")
def voila_server(chromium, tmp_path_factory):
    root, home = _workspace(tmp_path_factory, "voila")
    server = Server("voila", [sys.executable, "-m", "voila", str(root), "--no-browser",
                              "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"], root, home, "--token")
    try:
        server.wait_ready("/")
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.browser_test_failed = True  # the page fixtures then keep a screenshot
    return report


def _keep_failure_screenshots(request, pages) -> None:
    if getattr(request.node, "browser_test_failed", False):
        for kit_page in pages:
            with contextlib.suppress(Exception):
                kit_page.page.screenshot(path=str(ARTIFACTS / f"FAILED-{kit_page.where}-"
                                                  f"{Path(kit_page.name).stem}.png"))


# --- pages -------------------------------------------------------------------------------


class KitPage:
    """A notebook's page (JupyterLab or Voilà) seen as a learner sees it: forms by title."""

    area = "body"  # what holds the notebook's cells and outputs

    def __init__(self, page, name: str, where: str, server: Server):
        self.page, self.name, self.where, self.server = page, name, where, server
        page.evaluate("() => { window.kitNotReloaded = true; }")  # gone if the page reloads

    def form(self, title: str):
        """The form whose heading is ``title`` (every kit form starts with its <h3>)."""
        heading = self.page.locator(":scope > .widget-html h3", has_text=title)
        form = self.page.locator(".widget-vbox", has=heading)
        expect(form).to_have_count(1)
        return form

    @staticmethod
    def status(form):
        """The form's status line: '✓ Done: …', '✗ Problem: …', '… Working: …' or 'ℹ Note: …'."""
        return form.locator(".widget-html-content").filter(has_text=STATUS_LINE)

    def press(self, form, button: str, shows: str | re.Pattern):
        """Click ``button`` in ``form`` and wait until its status line shows ``shows``.

        The status must not show it before the click, so the wait cannot pass on an old
        message: it passes only once the kernel has answered this click.
        """
        status = self.status(form)
        if status.count():
            expect(status).not_to_contain_text(shows)
        form.get_by_role("button", name=button, exact=True).click()
        expect(status).to_contain_text(shows)
        self.assert_fits()  # every state a press leaves, not only the last
        return status

    scroller = "body"  # the element the notebook scrolls in

    def opened(self, page, name: str) -> KitPage:
        """A page this one opened (a link into a new tab), seen the same way."""
        return KitPage(page, name, self.where, self.server)

    def window_shot(self, state: str) -> Path:
        """The page as the learner sees it in their window (1280x800), and nothing on it
        wider than the window. Only the window: after a full-page capture Chromium's clicks
        sometimes miss a sandboxed frame's buttons (measured: 1 in 10-15 clicks, none in 25
        after window captures)."""
        page = self.page
        page.wait_for_load_state("load")
        wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert wide <= 0, f"the {self.name} page ({state}) is {wide} px wider than the window"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{self.where}-{state}.png"
        page.screenshot(path=str(path))
        return path

    def screenshot_path(self, state: str = "") -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return ARTIFACTS / f"{self.where}-{Path(self.name).stem}{'-' + state if state else ''}.png"

    def screenshot(self, state: str = "") -> Path:
        """The whole notebook (``state``: a picture before its final one): it scrolls inside
        the page, so grow the window to its height, then give the window back."""
        page = self.page
        extra = page.evaluate("s => { const e = document.querySelector(s); "
                              "return e ? e.scrollHeight - e.clientHeight : 0; }", self.scroller)
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": min(size["height"] + extra, 16000)})
        page.evaluate("s => { const e = document.querySelector(s); if (e) e.scrollTop = 0; }",
                      self.scroller)
        path = self.screenshot_path(state)
        self.assert_pictures_load()
        # JupyterLab asks at start-up, long before a picture: the kit turned the question off.
        expect(page.get_by_text("official Jupyter news")).to_have_count(0)
        page.screenshot(path=str(path), full_page=True)
        self.assert_fits()  # every page the walk keeps a picture of fits its boxes
        page.set_viewport_size(size)
        return path

    def form_shot(self, form, state: str) -> Path:
        """One form as it is now, in the learner's window (1280x800)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.where}-{Path(self.name).stem}-form-{state}.png"
        form.scroll_into_view_if_needed()
        form.screenshot(path=str(path))
        return path

    def assert_pictures_load(self) -> int:
        """Every picture of the lesson's Markdown is drawn: an <img> with its alt text has
        loaded (naturalWidth > 0, not a broken-image icon). Returns how many there are.

        JupyterLab resolves a Markdown image's address a moment after it draws the cell, so
        this waits until each has loaded.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        from tests.test_pictures import pictures

        wanted = {m["alt"].strip(): m["src"] for m in pictures(Path(self.name).stem)}
        if not wanted:
            return 0
        try:
            self.page.wait_for_function(_PICTURES_LOADED, arg=list(wanted), timeout=ACTION_MS,
                                        polling=100)
        except PlaywrightTimeout:
            pass  # said below, naming what did not load
        widths = self.page.evaluate(_PICTURES_SHOWN, list(wanted))
        broken = [src for src, width in zip(wanted.values(), widths, strict=True) if not width]
        assert not broken, (f"pictures not drawn (or without their alt text) on the "
                            f"{self.where} page of {self.name}: {broken}")
        return len(wanted)

    def assert_fits(self) -> None:
        """No label, button or table on the page (the forms, their outputs, the lesson's
        text) is wider than its box: cut-off labels, tables running off the page and a form's
        table cell running into the next are bugs. scrollWidth against clientWidth, for what is shown now."""
        cut = self.page.evaluate("""() => [...document.querySelectorAll(
                '.widget-label, .widget-toggle-button, .widget-button, .widget-checkbox label,'
                + ' .widget-upload, .widget-html-content, .widget-html-content table,'
                + ' .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-RenderedHTMLCommon table,'
                + ' .mturklink-output td, .mturklink-output th')]
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
            .map(e => (e.className || e.tagName) + ': ' + e.textContent.trim().slice(0, 60))""")
        assert not cut, f"cut off or too wide on the {self.where} page: {cut}"

    def assert_not_reloaded(self) -> None:
        assert self.page.evaluate("() => window.kitNotReloaded === true"), (
            f"the {self.where} page reloaded: the learner's outputs of {self.name} are gone")

    def check_links(self) -> list[links.Link]:
        """Every link on the page as it is now (see tests/browser/links.py): a real website's
        is known, https and opens in a new tab; the demo world's answers; a section of this
        page is there; a lesson is one of this server's notebooks."""
        found = links.collect(self.page, self.area)
        problems = []
        for link in found:
            kind = links.kind(link, self.server.url)
            if kind == "website":
                problems += links.website_problems(link)
            elif kind == "world":
                problems += links.world_problems(link, self.page.request)
            elif kind == "anchor":
                if not links.section(self.page, self.area, link.href[1:]).count():
                    problems.append(f"{link}: no section with that id on this page")
            else:
                name, _section = links.lesson_of(link)
                if not (name.endswith(".ipynb") and (self.server.root / name).is_file()):
                    problems.append(f"{link} leads to {link.url}, which is no lesson of the kit")
        assert not problems, f"links on the {self.where} page of {self.name}:\n" + "\n".join(problems)
        with LINKS_LOG.open("a", encoding="utf-8") as log:  # what was checked, for a reader
            log.writelines(f"{self.where}\t{self.name}\t{links.kind(link, self.server.url)}\t"
                           f"{link.href}\t{link.where}\n" for link in found)
        return found

    def follow_links(self) -> list[links.Link]:
        """Check every link, then click each like a learner: the sections of this page, then
        each lesson not yet clicked into on this server from this kind of link (in Voilà
        this leaves the page: call it last)."""
        found = self.check_links()
        for link in found:
            if links.kind(link, self.server.url) == "anchor" and links.click(self.page, link):
                links.expect_section(self.page, self.area, link.href[1:])
                self.assert_not_reloaded()
        lessons, seen = [], set()
        for link in found:
            if links.kind(link, self.server.url) == "lesson":
                key = (*links.lesson_of(link), link.in_form)
                if key not in self.server.followed and key not in seen:
                    seen.add(key)
                    lessons.append(link)
        self.open_lessons(lessons)
        self.server.followed |= seen
        return found

    def open_lessons(self, lessons: list[links.Link]) -> None:
        raise NotImplementedError

    def assert_no_secret(self, *known: str) -> None:
        """No known secret in the page's HTML, and nothing shaped like a secret in its text."""
        content = self.page.content()
        for secret in known:
            assert secret not in content, f"a secret access key is on the {self.where} page"
        text = self.page.locator("body").inner_text()
        shaped = SECRET_SHAPE.findall(text)
        assert not shaped, f"{len(shaped)} secret-shaped string(s) on the {self.where} page"


# The lesson's pictures, found by their alt text (JupyterLab puts its files URL around a
# Markdown image's address, Voilà inlines the image as a data: URL): the naturalWidth of the
# first that has loaded, else 0.
_PICTURES_SHOWN = """alts => alts.map(alt => {
    const imgs = [...document.images].filter(i => i.alt === alt);
    return Math.max(0, ...imgs.map(i => (i.complete ? i.naturalWidth : 0)));
})"""
_PICTURES_LOADED = "alts => (" + _PICTURES_SHOWN + ")(alts).every(width => width > 0)"

# Done when every code cell has its execution count, or a cell has failed (Run All stops).
_RUN_ALL_FINISHED = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return false;
    if (panel.querySelector('[data-mime-type="application/vnd.jupyter.error"]')) return true;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    const idle = panel.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]');
    return prompts.length > 0 && idle !== null
        && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""


_CURRENT_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
_MAIN_TABS = "#jp-main-dock-panel .lm-TabBar-tab"


class LabNotebook(KitPage):
    scroller = f"{_CURRENT_PANEL} .jp-WindowedPanel-outer"
    area = f"{_CURRENT_PANEL} .jp-Notebook"

    def open_lessons(self, lessons) -> None:
        """Each lesson opens in a tab beside this one, showing its text (and the section
        the link names); back in this notebook's tab, it still shows every output it had.
        (The tabs stay open: closing one asks to save it, since JupyterLab writes the
        kernel's language_info into a notebook it has just opened.)"""
        page = self.page
        outputs = page.locator(f"{_CURRENT_PANEL} .jp-OutputArea-output")
        before = outputs.count()
        for link in lessons:
            name, section = links.lesson_of(link)
            assert links.click(page, link), f"{link} is not shown"
            expect(page.locator(f"{_MAIN_TABS}.lm-mod-current", has_text=name)).to_be_visible()
            expect(page.get_by_text("Path Not Found")).to_have_count(0)
            expect(page.locator(f"{_CURRENT_PANEL} .jp-RenderedMarkdown h1").first).to_be_visible()
            if section:
                links.expect_section(page, _CURRENT_PANEL, section)
            self.assert_not_reloaded()
            page.locator(_MAIN_TABS, has_text=self.name).click()
            expect(page.locator(f"{_MAIN_TABS}.lm-mod-current", has_text=self.name)).to_be_visible()
            expect(outputs).to_have_count(before)

    def run_all(self) -> None:
        """Run ▸ Run All Cells, as a learner would, and wait until every cell has run."""
        page = self.page
        # Run All before the kernel is connected asks "Select Kernel" and runs nothing:
        # wait for what the status bar says once it is (it says "No Kernel" before).
        page.locator(".jp-StatusBar-TextItem", has_text="Python 3 (ipykernel) | Idle").wait_for(
            timeout=KERNEL_RUN_MS)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(_RUN_ALL_FINISHED, timeout=KERNEL_RUN_MS, polling=100)
        errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
        assert errors.count() == 0, f"{self.name} failed in JupyterLab: {errors.first.inner_text()}"


class Opener:
    """Opens notebooks on one server; ``root`` is where that server's notebooks (and the
    files their kernels write, such as the demo download) live, ``home`` its learner's HOME."""

    def __init__(self, server: Server, open_page):
        self.root, self.home, self._open = server.root, server.home, open_page

    def __call__(self, name: str) -> KitPage:
        return self._open(name)


@pytest.fixture(params=["lab", "voila"])
def kit(request):
    """The same walk in JupyterLab and in the Voilà app."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def lab(request, chromium, lab_server):
    """Open a notebook in JupyterLab (a fresh workspace, so only it opens); afterwards close
    the page and shut its kernel down, so the next notebook has the machine to itself."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(ACTION_MS)
    opened = []

    def open_notebook(name: str) -> LabNotebook:
        page = context.new_page()
        page.goto(lab_server.address(f"/lab/workspaces/w{len(opened)}-{Path(name).stem}"))
        # The launcher lists the Python kernel once JupyterLab knows its kernels; opening a
        # notebook before that asks "Select Kernel" (a race inside JupyterLab, not ours).
        page.locator(".jp-LauncherCard", has_text="Python 3").first.wait_for(timeout=KERNEL_RUN_MS)
        page.locator(".jp-DirListing-item", has_text=name).dblclick()
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=KERNEL_RUN_MS)
        notebook = LabNotebook(page, name, "lab", lab_server)
        opened.append(notebook)
        return notebook

    yield Opener(lab_server, open_notebook)
    _keep_failure_screenshots(request, opened)
    context.close()
    for session in json.loads(lab_server.request("/api/sessions")):
        lab_server.request(f"/api/sessions/{session['id']}", method="DELETE")


# Voilà writes "Loading widget..." where each form will be, until the form is drawn.
_VOILA_WIDGETS_DRAWN = """() => document.querySelector('.widget-vbox') !== null
    && ![...document.querySelectorAll('.jupyter-widgets')]
        .some(e => e.textContent.trim() === 'Loading widget...')"""


class VoilaApp(KitPage):
    scroller = area = "#rendered_cells"

    def __init__(self, page, name: str, where: str, server: Server, kernel_ids: list | None = None):
        super().__init__(page, name, where, server)
        self.kernel_ids = [] if kernel_ids is None else kernel_ids  # to stop when done
        self._shown()

    def _shown(self) -> None:
        """The page of a notebook Voilà has run: its kernel noted (to stop it), no error."""
        page = self.page
        self.kernel_ids.append(page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"))
        errors = page.locator("[data-mime-type='application/vnd.jupyter.error']")
        assert errors.count() == 0, f"{page.url} failed in Voilà: {errors.first.inner_text()}"

    def run_all(self) -> None:
        """Voilà runs every cell before it shows the page; wait until its forms are drawn."""
        self.page.wait_for_function(_VOILA_WIDGETS_DRAWN, timeout=KERNEL_RUN_MS, polling=100)

    def open_lessons(self, lessons) -> None:
        """A link that opens a new tab (a form's output) is clicked, and this page stays. Of
        the others (the lesson's text), the first is clicked and the app leaves this page;
        each after it is opened at the address it resolved to, as clicking it would."""
        page, left = self.page, False
        for link in sorted(lessons, key=lambda link: link.target != "_blank"):
            name, section = links.lesson_of(link)
            if link.target == "_blank":
                with page.context.expect_page(timeout=KERNEL_RUN_MS) as opened:
                    assert links.click(page, link), f"{link} is not shown"
                self._visit(opened.value, name, section)
                opened.value.close()
                continue
            if not left:
                assert links.click(page, link), f"{link} is not shown"
                page.wait_for_url(re.compile(re.escape(f"/voila/render/{name}") + r"(#.*)?$"),
                                  timeout=KERNEL_RUN_MS)
                left = True
            else:
                page.goto(link.url, timeout=KERNEL_RUN_MS)
            self._visit(page, name, section)

    def _visit(self, page, name: str, section: str) -> None:
        """A lesson's page the walk was led to: its text (and the section the link named),
        run without error; its own links and boxes checked, and a picture kept (the walk's
        own test of that lesson, later, replaces it with its final state)."""
        expect(page.locator(f"{self.area} h1").first).to_be_visible(timeout=KERNEL_RUN_MS)
        page.wait_for_function(_VOILA_WIDGETS_DRAWN, timeout=KERNEL_RUN_MS, polling=100)
        if section:
            links.expect_section(page, self.area, section)
        lesson = VoilaApp(page, name, "voila", self.server, self.kernel_ids)
        lesson.check_links()
        lesson.screenshot()


@pytest.fixture
def voila(request, chromium, voila_server):
    """Open a notebook as the Voilà app; afterwards stop its kernel, as Voilà's page does
    when a learner leaves it (a closed headless page never says goodbye)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(ACTION_MS)
    opened = []

    def open_app(name: str) -> VoilaApp:
        page = context.new_page()
        page.goto(voila_server.address(f"/voila/render/{name}"), timeout=KERNEL_RUN_MS)
        app = VoilaApp(page, name, "voila", voila_server)
        opened.append(app)
        return app

    yield Opener(voila_server, open_app)
    _keep_failure_screenshots(request, opened)
    context.close()
    for kernel_id in (k for app in opened for k in app.kernel_ids):
        # A page the app left has stopped its kernel itself (Voilà's beforeunload).
        with contextlib.suppress(urllib.error.HTTPError):
            voila_server.request(f"/voila/api/shutdown/{kernel_id}", method="POST")
