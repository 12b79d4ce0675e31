"""The map of accounts and how they link, with the current step highlighted, and one line
of the steps the kit has verified (kept in the learner's home, never a secret)."""

from __future__ import annotations

import html

import ipywidgets as widgets

from .. import progress
from ..kit import Kit, kernel_kit
from ..steps import STEPS

BOXES = [(s.number, s.short, *s.map_position) for s in STEPS if s.map_position]
ARROWS = [(s.number, to) for s in STEPS for to in s.links_to]


def accounts_map(current_step: int | None = None, done: set[int] | None = None) -> str:
    """An SVG picture of the accounts; the current step is drawn thick and blue."""
    done = done or set()
    centre = {step: (x + 95, y + 25) for step, _label, x, y in BOXES}
    parts = ["<svg xmlns='http://www.w3.org/2000/svg' width='700' height='220' role='img' "
             "aria-label='How the accounts link'><defs><marker id='arrow' markerWidth='8' "
             "markerHeight='8' refX='8' refY='4' orient='auto'><path d='M0,0 L8,4 L0,8 z' "
             "fill='#555'/></marker></defs>"]
    for a, b in ARROWS:
        (x1, y1), (x2, y2) = centre[a], centre[b]
        parts.append(f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' stroke='#999' "
                     "marker-end='url(#arrow)'/>")
    for step, label, x, y in BOXES:
        current = step == current_step
        fill = "#d1e9ff" if current else ("#dcfae6" if step in done else "#f2f4f7")
        stroke, width = ("#175cd3", 4) if current else ("#667085", 1)
        mark = " ✓" if step in done else ""
        parts.append(
            f"<rect x='{x}' y='{y}' width='190' height='50' rx='8' fill='{fill}' "
            f"stroke='{stroke}' stroke-width='{width}'/>"
            f"<text x='{x + 95}' y='{y + 22}' text-anchor='middle' font-size='13'>Step {step}{mark}</text>"
            f"<text x='{x + 95}' y='{y + 40}' text-anchor='middle' font-size='12'>{html.escape(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def progress_line(mode: str, done: set[int]) -> str:
    """:func:`..progress.summary` as the lessons show it, its first words bold."""
    head, _, rest = progress.summary(mode, done).partition(": ")
    return f"<p><b>{html.escape(head)}:</b> {html.escape(rest)}</p>"


class ProgressLine(widgets.HTML):
    """The progress in one line, redrawn whenever a step is recorded or undone, in this
    notebook or another: what each step's lesson shows (the map is notebook 00's)."""

    def __init__(self, *, kit: Kit | None = None):
        super().__init__()
        self.kit = kit if kit is not None else kernel_kit()
        self.kit.on_progress(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.value = progress_line(self.kit.mode, self.kit.steps_done())


class Overview(widgets.VBox):
    """The map of accounts (the current step drawn thick and blue, done ones ✓) above the
    progress line; both redraw themselves."""

    def __init__(self, current_step: int | None = None, *, kit: Kit | None = None):
        self.kit = kit if kit is not None else kernel_kit()
        self.current_step = current_step
        self.picture = widgets.HTML()
        self.checklist = ProgressLine(kit=self.kit)
        super().__init__([self.picture, self.checklist])
        self.kit.on_progress(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.picture.value = accounts_map(self.current_step, self.kit.steps_done())
