"""The steps that happen on websites (AWS, MTurk, CloudResearch), as checklists.

What the learner does on each website comes from the steps registry (:mod:`..steps`). In
demo mode each step also has a button that performs it in the demo world, and one that
undoes it, so a learner can leave a step out and watch the doctor find it.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..steps import link_websites
from ..steps import step as guide_step
from .base import Form


class ConsoleChecklist(Form):
    """Tick the website steps; in demo mode, do them in the demo world; then check."""

    def __init__(self, step: int, *, kit=None):
        self.step = guide_step(step)
        super().__init__(f"Step {self.step.number}: {self.step.title}",
                         "Tick each box as you do it on the website." + _websites(self.step),
                         kit=kit)
        # Boxes that keep their width (a sub-step of two lines would squeeze its box and
        # start further left than the others); an address in a sub-step is a link.
        self.boxes = [widgets.Checkbox(value=False, indent=False, description="",
                                       layout=widgets.Layout(width="30px", flex="0 0 30px"))
                      for _ in self.step.sub_steps]
        # Labelled ("1.", or the guide's "a.") as the lessons' pictures name them.
        self.add_inputs(*[widgets.HBox([box, widgets.HTML(link_websites(text))])
                          for box, text in zip(self.boxes, self.step.labelled_sub_steps,
                                               strict=True)])
        demo = self.step.demo
        if self.kit.is_demo and demo is not None:
            self.do_button = self.add_action(f"Demo: {demo.label}", self.demo_do)
            if demo.undo:
                self.undo_button = self.add_action("Demo: undo it", self.demo_undo, style="warning")
        self.check_button = self.add_action("Check this step", self.check, style="success")

    def demo_do(self) -> None:
        from ..problems import catch_up

        catch_up(self.kit, self.step.number - 1)
        world, label = self.kit.world, self.step.demo.label
        if self.step.demo.do == "console_create_iam_user":
            from ..kit import DEMO_DOWNLOAD

            path = self.kit.demo_download()
            path.unlink(missing_ok=True)  # a new download replaces the old one
            world.console_create_iam_user(download=path)
            self.succeed(f"{label}: done in the demo world; the key file is {DEMO_DOWNLOAD} "
                         "(beside this notebook). Load it below.")
            return
        getattr(world, self.step.demo.do)()
        self.succeed(f"{label}: done in the demo world. Press “Check this step” to check it.")

    def demo_undo(self) -> None:
        getattr(self.kit.world, self.step.demo.undo)()
        self.kit.unrecord(self.step.number)
        self.succeed("undone in the demo world (and un-marked in your progress list).")

    def check(self) -> None:
        if self.step.learner_confirms and not all(box.value for box in self.boxes):
            self.set_status("info", f"the kit cannot see step {self.step.number} being done on "
                            "the website: tick each box once you have done it there, then check.")
            return
        verdict = self.kit.check_step(self.step.number)
        if verdict.done:
            self.succeed(verdict.sentence)
        elif verdict.done is None:
            self.set_status("unknown", verdict.sentence)
        else:
            self.fail(verdict.sentence)


def _websites(step) -> str:
    if not step.websites:
        return ""
    links = ", ".join(f"<a href='{html.escape(url)}' target='_blank' rel='noopener'>"
                      f"{html.escape(label)}</a>" for label, url in step.websites)
    return f" Where: {links}."
