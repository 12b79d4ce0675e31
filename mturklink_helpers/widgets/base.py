"""The shape every form shares: inputs, an action button that shows it is busy, a progress
bar for waits, a status line with ✓/✗ in words and colour, and an output area where an
error is one clear sentence with the details folded away.

Forms call the helper modules and hold no AWS logic: each is given a
:class:`~mturklink_helpers.kit.Kit` (the kernel's own by default) and shows what the kit's
functions return. Everything they show is HTML in a ``value`` (an HTML widget's, or the
output area's, :class:`HtmlOutput`), so tests can read exactly what a learner sees.
"""

from __future__ import annotations

import html
import re
import threading
import traceback
from collections.abc import Callable

import ipywidgets as widgets

from ..folded import for_helpers
from ..kit import Kit, kernel_kit

_STATUS_STYLE = {
    "ok": ("✓", "Done", "#1a7f37"),
    "error": ("✗", "Problem", "#b42318"),
    "busy": ("…", "Working", "#555555"),
    "info": ("ℹ", "Note", "#175cd3"),
    "unknown": ("?", "Could not check", "#175cd3"),  # no answer: neither done nor missing
}
# JupyterLab hands widget clicks to the kernel on threads of their own (ipykernel 7's
# subshells), so a double click ran "Create test HIT" twice at once and made two HITs.
# Re-entrant: an action may set a widget whose observer runs another (the key-file form).
_ONE_ACTION_AT_A_TIME = threading.RLock()
# 40 characters of the secret alphabet standing alone; "=" may precede it ("secret=…"),
# since base64 has "=" only at its end.
_SECRETLIKE = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")


def redact(text: str, kit: Kit | None = None) -> str:
    """Hide the loaded secret, and anything shaped like a secret, before it is shown."""
    key = kit.key if kit is not None else None
    if key is not None:
        text = text.replace(key.reveal_secret(), "****")
    return _SECRETLIKE.sub("****", text)


def explain(exc: BaseException, kit: Kit | None = None) -> str:
    """One sentence for a learner, and what to do next. Our own errors already are one."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..errors import classify

    if isinstance(exc, (ClientError, BotoCoreError)):
        meaning = classify(exc)
        text = meaning.sentence()
        if meaning.setup_problem:
            text += (" The doctor (notebook 07) names the step of the guide that fixes it.")
        return redact(text, kit)
    return redact(str(exc).strip() or type(exc).__name__, kit)


def _fit(widget: widgets.Widget) -> None:
    """Labels and buttons as wide as their words (ipywidgets cuts them at a fixed width)."""
    for child in getattr(widget, "children", ()):
        _fit(child)
    style = getattr(widget, "style", None)
    if style is not None and hasattr(style, "description_width") and widget.description:
        style.description_width = "initial"
    if isinstance(widget, widgets.ToggleButtons):
        style.button_width = "auto"
    if isinstance(widget, widgets.Checkbox) and widget.description:
        widget.indent = False
        widget.layout.width = "auto"


def _says_it_all(problem: BaseException) -> bool:
    if type(problem).__module__.startswith("mturklink_helpers."):
        return True
    from botocore.exceptions import BotoCoreError, ClientError

    from ..errors import Kind, classify

    return (isinstance(problem, (ClientError, BotoCoreError))
            and classify(problem).kind is not Kind.NOT_UNDERSTOOD)


def _unanswered(problem) -> bool:
    """An exception that is no answer at all (or a busy one): nothing is known."""
    if getattr(problem, "unanswered", False):
        return True
    if not isinstance(problem, BaseException):
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    from ..errors import classify

    return isinstance(problem, (ClientError, BotoCoreError)) and not classify(problem).answered


# How a form's output reads, in JupyterLab and Voilà alike: its tables are text, left-aligned
# and wrapped to the page, a website's address too (a notebook's output tables are
# fixed-layout, right-aligned numbers), and a cell's code wraps instead of running into the
# next cell; a link looks like one (blue, underlined: neither themes one in a widget's
# output), a kit's action link bold; "$0.02 … $0.24" is money, not MathJax (the ignore
# classes).
_OUTPUT_STYLE = ("<style>div.mturklink-output table {table-layout: auto; margin-left: 0} "
                 "div.mturklink-output td, div.mturklink-output th {text-align: left !important; "
                 "vertical-align: top !important; overflow-wrap: break-word} "
                 "div.mturklink-output td code {white-space: normal; overflow-wrap: anywhere} "
                 "div.mturklink-output a[href] {color: #175cd3; text-decoration: underline} "
                 "div.mturklink-output a.mturklink-link {font-weight: 600} "
                 "div.mturklink-output a[href^=\"https://\"] {overflow-wrap: anywhere}</style>")


class HtmlOutput(widgets.Output):
    """A form's output: its ``value`` (HTML) shown the way a notebook shows a cell's output,
    not as an HTML widget. JupyterLab then opens a link to a lesson in a tab beside this
    one, as it does a Markdown link (from an HTML widget the same link reloads the whole
    page, and the learner's outputs are gone); Voilà opens it in a new tab."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._html = ""

    @property
    def value(self) -> str:
        return self._html

    @value.setter
    def value(self, html: str) -> None:
        self._html = html
        shown = (f"{_OUTPUT_STYLE}<div class='mturklink-output mathjax_ignore tex2jax_ignore'>"
                 f"{html}</div>")
        self.outputs = ({"output_type": "display_data", "data": {"text/html": shown},
                         "metadata": {}},) if html else ()


class Form(widgets.VBox):
    """A titled form. Subclasses add inputs and actions, and call :meth:`succeed`/:meth:`fail`."""

    def __init__(self, title: str, intro: str = "", *, kit: Kit | None = None, **kwargs):
        self.kit = kit if kit is not None else kernel_kit()
        self.title = widgets.HTML(f"<h3 style='margin:4px 0'>{html.escape(title)}</h3>"
                                  + (f"<p>{intro}</p>" if intro else ""))
        self.inputs = widgets.VBox()
        self.actions = widgets.HBox()
        self.progress = widgets.FloatProgress(
            value=0, min=0, max=1, description="", layout=widgets.Layout(display="none", width="60%")
        )
        self.progress_label = widgets.HTML()
        self.status = widgets.HTML()
        self.output = HtmlOutput()
        super().__init__(
            [self.title, self.inputs, self.actions,
             widgets.HBox([self.progress, self.progress_label]), self.status, self.output],
            **kwargs,
        )

    # --- building ----------------------------------------------------------------------

    def add_inputs(self, *children: widgets.Widget) -> None:
        for child in children:
            _fit(child)
        self.inputs.children = (*self.inputs.children, *children)

    def add_action(self, label: str, handler: Callable[[], object], *, style: str = "primary",
                   tooltip: str = "") -> widgets.Button:
        button = widgets.Button(description=label, button_style=style, tooltip=tooltip or label,
                                layout=widgets.Layout(width="auto"))
        button.on_click(lambda _b: self.run(button, handler))
        self.actions.children = (*self.actions.children, button)
        return button

    # --- running -----------------------------------------------------------------------

    def run(self, button: widgets.Button, handler: Callable[[], object]) -> None:
        """Call handler with the button showing it is busy; any error becomes a sentence.
        One action at a time in a kernel: a click waits for the one before it to finish."""
        with _ONE_ACTION_AT_A_TIME:
            label = button.description.removesuffix("…")
            button.disabled, button.description = True, f"{label}…"
            self.set_status("busy", "please wait.")
            try:
                handler()
            except Exception as exc:  # noqa: BLE001 - shown to the learner, never swallowed
                self.fail(exc)
            finally:
                button.disabled, button.description = False, label
                self.progress.layout.display = "none"
                self.progress_label.value = ""
                if self.status.value.startswith(self._status_html("busy", "")[:40]):
                    self.set_status("info", "finished.")

    def show_progress(self, fraction: float | None, message: str) -> None:
        """A bar while waiting (fraction None: no bar, just the reason we wait)."""
        if fraction is None:
            self.progress.layout.display = "none"
        else:
            self.progress.layout.display = None
            self.progress.value = max(0.0, min(1.0, fraction))
        self.progress_label.value = html.escape(redact(message, self.kit))

    def set_status(self, kind: str, text: str) -> None:
        self.status.value = self._status_html(kind, text)

    def _status_html(self, kind: str, text: str) -> str:
        mark, word, colour = _STATUS_STYLE[kind]
        return (f"<div style='color:{colour};font-weight:600'>{mark} {word}: "
                f"{html.escape(redact(text, self.kit))}</div>")

    def succeed(self, text: str, body_html: str = "") -> None:
        self.set_status("ok", text)
        self.output.value = redact(body_html, self.kit)

    def show_verdict(self, verdict, lead: str = "", body_html: str = "") -> None:
        """A step's verdict (:meth:`Kit.check_step`) as the status: ✓ done, ✗ not done, or
        ? could not check (no answer); ``lead`` before its sentence, ``body_html`` below."""
        text = lead + verdict.sentence
        if verdict.done:
            self.succeed(text, body_html)
            return
        self.set_status("error" if verdict.done is False else "unknown", text)
        self.output.value = redact(body_html, self.kit)

    def fail(self, problem: BaseException | str, details: str | None = None) -> None:
        if isinstance(problem, BaseException):
            sentence = explain(problem, self.kit)
            # The kit's own errors, and AWS errors the classifier understands, already say
            # what, where and which step; a traceback would only bury that. Anything else
            # gets one, folded, for whoever helps.
            if details is None and not _says_it_all(problem):
                details = "".join(traceback.format_exception(problem))
        else:
            sentence = problem
        self.set_status("unknown" if _unanswered(problem) else "error", sentence)
        folded = ""
        if details:
            folded = for_helpers(f"<pre>{html.escape(redact(details, self.kit))}</pre>")
        self.output.value = folded

    @property
    def status_text(self) -> str:
        """The status line as plain text (what a screen reader would say)."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()
