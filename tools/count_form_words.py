"""How many words notebook 06's form shows a learner in demo mode: before pressing anything,
then after each press of a first walk (create, be your own worker on the demo worker site,
simulated workers, answers, approve, clean up twice), and on the worker site's pages.

Counted is what is on screen: the text of the shown widgets (HTML with its tags and styles
stripped, labels, button names, placeholders, the chosen option), not widgets hidden with
``display: none``. Target: at most 120 words before the first press.

    .venv/bin/python tools/count_form_words.py
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 120
# Not drawn: styles, scripts, and what a browser with JavaScript does not show.
_TAGS = re.compile(r"<(style|script|noscript)\b.*?</\1>|<[^>]+>", re.S | re.I)


def text_of(markup: str) -> str:
    return html.unescape(_TAGS.sub(" ", markup))


def shown_text(widget) -> str:
    """The words a learner sees of a widget and its children."""
    import ipywidgets as widgets

    layout = getattr(widget, "layout", None)
    if layout is not None and layout.display == "none":
        return ""
    parts = []
    if isinstance(widget, widgets.Output):
        for out in widget.outputs:
            parts.append(text_of(out.get("data", {}).get("text/html", "")))
    if isinstance(widget, widgets.HTML | widgets.Label):
        parts.append(text_of(widget.value))
    elif isinstance(widget, widgets.Button):
        parts.append(widget.description)
    else:
        parts.append(getattr(widget, "description", "") or "")
        if isinstance(widget, widgets.Text) and not widget.value:
            parts.append(widget.placeholder or "")
        if isinstance(widget, widgets.Dropdown) and widget.label:
            parts.append(widget.label)
    parts += [shown_text(child) for child in getattr(widget, "children", ())]
    return " ".join(p for p in parts if p)


def words(text: str) -> int:
    return len([w for w in text.split() if re.search(r"\w", w)])


def site_words(url: str, form: dict | None = None) -> tuple[str, int]:
    """The text of a worker-site page (the header and main, not its script), its words."""
    data = None if form is None else urllib.parse.urlencode(form).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, data=data), timeout=30) as answer:
        page, where = answer.read().decode(), answer.url
    return where, words(text_of(page.split("<body>", 1)[1]))


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="mturklink-words-"))
    os.environ["MTURKLINK_HOME"] = str(home)
    for name in ("JPY_PARENT_PID", "JUPYTERHUB_SERVICE_PREFIX"):
        os.environ.pop(name, None)
    from mturklink_helpers import world as worlds
    from mturklink_helpers.kit import Kit
    from mturklink_helpers.widgets import TestHitForm

    try:
        kit = Kit("demo", home_dir=home)
        form = TestHitForm(kit=kit)
        rows = [("opened, nothing pressed", words(shown_text(form)))]
        form.create_button.click()
        rows.append(("Create test HIT", words(shown_text(form))))
        base = kit.world.url + "/workersandbox.mturk.com/mturk/"
        pages = []
        where, n = site_words(base + f"preview?hitId={form.hit.hit_id}")
        pages.append(("worker site: preview", n))
        where, n = site_words(base + "accept", {"hitId": form.hit.hit_id})
        pages.append(("worker site: accepted", n))
        assignment = urllib.parse.parse_qs(urllib.parse.urlparse(where).query)["assignmentId"][0]
        where, n = site_words(base + "externalSubmit", {"assignmentId": assignment,
                                                        "clarity": "clear", "comments": "mine"})
        pages.append(("worker site: done", n))
        form.simulate_button.click()
        rows.append(("Demo: workers answer", words(shown_text(form))))
        form.answers_button.click()
        rows.append(("Show answers", words(shown_text(form))))
        form.approve_button.click()
        rows.append(("Approve (own answer)", words(shown_text(form))))
        form.cleanup_button.click()
        rows.append(("Clean up (asks)", words(shown_text(form))))
        form.cleanup_button.click()
        rows.append(("Clean up again", words(shown_text(form))))
        for label, n in rows + pages:
            print(f"{label:<28} {n:>4} words")
        print(f"\nbefore any press: {rows[0][1]} words (target <= {TARGET})")
        print(f"after: {form.status_text}")
        return 0 if rows[0][1] <= TARGET else 1
    finally:
        worlds.stop(home)


if __name__ == "__main__":
    sys.exit(main())
