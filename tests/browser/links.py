"""Every link on a notebook's page, followed as a learner follows it.

A link is one of three kinds, told from where it points (its resolved address):
- in the kit: another lesson (or a section of one) on the same server, or a section of this
  page. Clicked like a learner clicks it: the destination must show that lesson (and the
  section), and in JupyterLab the page must not reload (it would lose the learner's outputs).
- the learner's own demo world (127.0.0.1, another port): it must answer.
- a real website (AWS, MTurk, CloudResearch): the machine has no network, so instead it must
  be one of the kit's known addresses (``steps.real_websites``, the one list), https, well
  formed, and open in a new tab (target=_blank, rel=noopener) so the notebook stays open.

Each lesson is clicked into once per server and per kind of link (Markdown or a form's
output): the same destination again only has to resolve to the same address.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from playwright.sync_api import expect

from mturklink_helpers.steps import is_real_website

_LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# Every <a href> in the notebook's area, tagged so it can be found again after the page
# changed; where it sits (a Markdown cell or a form's output) and what the browser resolved.
_COLLECT = """([area, start]) => [...document.querySelectorAll(area + ' a[href]')].map((a, i) => {
    a.dataset.kitLink = String(start + i);
    return {index: start + i, href: a.getAttribute('href'), url: a.href,
            target: a.getAttribute('target') || '', rel: a.getAttribute('rel') || '',
            text: a.textContent.trim(), inForm: a.closest('.jupyter-widgets') !== null};
})"""


@dataclass(frozen=True)
class Link:
    index: int
    href: str  # as written
    url: str  # as the browser resolved it
    target: str
    rel: str
    text: str
    in_form: bool

    @property
    def where(self) -> str:
        return "a form's output" if self.in_form else "the lesson's text"

    def __str__(self) -> str:
        return f"{self.text!r} → {self.href!r} (in {self.where})"


def collect(page, area: str) -> list[Link]:
    start = page.evaluate("() => document.querySelectorAll('[data-kit-link]').length")
    return [Link(index=x["index"], href=x["href"], url=x["url"], target=x["target"],
                 rel=x["rel"], text=x["text"], in_form=x["inForm"])
            for x in page.evaluate(_COLLECT, [area, start])]


def kind(link: Link, server_url: str) -> str:
    """"anchor" (this page), "lesson" (the kit, on this server), "world" or "website"."""
    parts, server = urlsplit(link.url), urlsplit(server_url)
    if link.href.startswith("#"):
        return "anchor"
    if parts.scheme in ("http", "https") and parts.netloc == server.netloc:
        # The world's worker site, reached through the notebook server's proxy
        # (jupyter-server-proxy: /proxy/PORT/...), is the world's, not a lesson.
        return "world" if "/proxy/" in parts.path else "lesson"
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS:
        return "world"
    return "website"


def lesson_of(link: Link) -> tuple[str, str]:
    """The lesson's file name and the section a link to it names ("" for its top)."""
    parts = urlsplit(link.url)
    return PurePosixPath(unquote(parts.path)).name, unquote(parts.fragment)


def website_problems(link: Link) -> list[str]:
    problems = []
    if not is_real_website(link.url):
        problems.append("is not one of the kit's real websites (steps.real_websites), or is "
                        "not a well-formed https address")
    if link.target != "_blank":
        problems.append("does not open in a new tab (target=_blank)")
    if "noopener" not in link.rel.split():
        problems.append("lacks rel=noopener")
    return [f"{link} {p}" for p in problems]


def world_problems(link: Link, request) -> list[str]:
    """The demo world's own pages (on 127.0.0.1, or through the notebook server's proxy)
    must answer, in a new tab. ``request``: the page's (Playwright's page.request), so the
    proxy sees the learner's sign-in cookie as it would from their click."""
    problems = [] if link.target == "_blank" else [f"{link} does not open in a new tab"]
    try:
        answer = request.get(link.url, timeout=10_000)
    except Exception as exc:  # noqa: BLE001 (Playwright's errors: no answer at all)
        return [*problems, f"{link} does not answer: {exc}"]
    if not answer.ok:
        problems.append(f"{link} answers {answer.status}")
    return problems


def section(page, scope: str, name: str):
    """The element a link's #name points at, within ``scope``: its id, or in JupyterLab the
    heading's data-jupyter-id (JupyterLab 4 gives headings no id; its anchors use that)."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return page.locator(scope).locator(f'[id="{quoted}"], [data-jupyter-id="{quoted}"]')


def expect_section(page, scope: str, name: str) -> None:
    """The destination shows the section a link names: an element with that id, in view."""
    target = section(page, scope, name)
    expect(target).to_have_count(1)
    expect(target).to_be_in_viewport()


_OPEN_FOLDS = """el => {
    for (let fold = el.closest('details'); fold; fold = fold.parentElement?.closest('details'))
        if (!fold.open) fold.querySelector(':scope > summary').click();
}"""


def click(page, link: Link) -> bool:
    """Click a link like a learner. A heading's anchor shows only while its heading is under
    the mouse (JupyterLab), so point at what holds it first, and one in a fold opens it; one never shown (Voilà hides
    the anchors) cannot be clicked: False."""
    element = page.locator(f'[data-kit-link="{link.index}"]')
    # A link in a fold (<details>) is reached by opening the fold, as a learner does.
    element.evaluate(_OPEN_FOLDS)
    if not element.is_visible():
        element.locator("xpath=..").hover()
        if not element.is_visible():
            return False
    element.click()
    return True
