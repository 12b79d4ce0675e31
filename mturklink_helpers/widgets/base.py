"""The shape every form shares: inputs, an action button that shows it is busy, a progress
bar for waits, a status line with ✓/✗ in words and colour, and an output area where an
error is one clear sentence with the details folded away.

Forms call the helper modules and hold no AWS logic. Everything they show is an HTML
widget's value, so tests can read exactly what a learner sees.
"""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Callable

import ipywidgets as widgets

from ..kit import state

_STATUS_STYLE = {
    "ok": ("✓", "Done", "#1a7f37"),
    "error": ("✗", "Problem", "#b42318"),
    "busy": ("…", "Working", "#555555"),
    "info": ("ℹ", "Note", "#175cd3"),
}
# 40 characters of the secret alphabet standing alone; "=" may precede it ("secret=…"),
# since base64 has "=" only at its end.
_SECRETLIKE = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")


def redact(text: str) -> str:
    """Hide the loaded secret, and anything shaped like a secret, before it is shown."""
    if state.key is not None:
        text = text.replace(state.key.reveal_secret(), "****")
    return _SECRETLIKE.sub("****", text)


def explain(exc: BaseException) -> str:
    """One sentence for a learner, and what to do next. Our own errors already are one."""
    from ..awsutil import ACCESS_DENIED_CODES, UNKNOWN_KEY_CODES, WRONG_SECRET_CODES, error_codes
    from ..doctor import NOT_LINKED_CODES
    from ..pacing import is_retryable

    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code, turk = error_codes(exc)
        text = (f"AWS answered {code}{f' ({turk})' if turk else ''}: "
                f"{response['Error'].get('Message', '').strip()}")
        if is_retryable(exc):
            text += " AWS was busy, even after several tries: try again in a minute."
        elif (code in ACCESS_DENIED_CODES | UNKNOWN_KEY_CODES | WRONG_SECRET_CODES
              or turk in NOT_LINKED_CODES):
            text += (" Something in the setup is missing: the doctor (notebook 07) names the "
                     "step of the guide that fixes it.")
        return redact(text)
    text = str(exc).strip() or type(exc).__name__
    if is_retryable(exc):  # no answer at all: the connection was refused, closed or timed out
        text += " No answer came back, even after several tries: try again in a minute."
    return redact(text)


class Form(widgets.VBox):
    """A titled form. Subclasses add inputs and actions, and call :meth:`succeed`/:meth:`fail`."""

    def __init__(self, title: str, intro: str = "", **kwargs):
        self.title = widgets.HTML(f"<h3 style='margin:4px 0'>{html.escape(title)}</h3>"
                                  + (f"<p>{intro}</p>" if intro else ""))
        self.inputs = widgets.VBox()
        self.actions = widgets.HBox()
        self.progress = widgets.FloatProgress(
            value=0, min=0, max=1, description="", layout=widgets.Layout(display="none", width="60%")
        )
        self.progress_label = widgets.HTML()
        self.status = widgets.HTML()
        self.output = widgets.HTML()
        super().__init__(
            [self.title, self.inputs, self.actions,
             widgets.HBox([self.progress, self.progress_label]), self.status, self.output],
            **kwargs,
        )

    # --- building ----------------------------------------------------------------------

    def add_inputs(self, *children: widgets.Widget) -> None:
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
        """Call handler with the button showing it is busy; any error becomes a sentence."""
        label = button.description
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
        self.progress_label.value = html.escape(redact(message))

    def set_status(self, kind: str, text: str) -> None:
        self.status.value = self._status_html(kind, text)

    @staticmethod
    def _status_html(kind: str, text: str) -> str:
        mark, word, colour = _STATUS_STYLE[kind]
        return (f"<div style='color:{colour};font-weight:600'>{mark} {word}: "
                f"{html.escape(redact(text))}</div>")

    def succeed(self, text: str, body_html: str = "") -> None:
        self.set_status("ok", text)
        self.output.value = redact(body_html)

    def fail(self, problem: BaseException | str, details: str | None = None) -> None:
        if isinstance(problem, BaseException):
            sentence = explain(problem)
            # The kit's own errors already say what, where and which step; a traceback
            # would only bury that. Anything else gets one, folded, for whoever helps.
            own = type(problem).__module__.startswith("mturklink_helpers.")
            if details is None and not own:
                details = "".join(traceback.format_exception(problem))
        else:
            sentence = problem
        self.set_status("error", sentence)
        folded = ""
        if details:
            folded = ("<details><summary>Details for whoever helps you</summary><pre>"
                      f"{html.escape(redact(details))}</pre></details>")
        self.output.value = folded

    @property
    def status_text(self) -> str:
        """The status line as plain text (what a screen reader would say)."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()
