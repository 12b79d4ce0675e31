"""The steps that happen on websites (AWS, MTurk, CloudResearch), as checklists.

What the learner does on each website comes from the steps registry (:mod:`..steps`). Live,
the learner ticks each sub-step as they do it on the real site, then checks. In demo mode
the websites are the demo world's: one button does the step there and checks it, and the
sub-steps (which the lesson's pictures show) are folded away, since ticking them would only
record; another button undoes the step, so a learner can leave it out and watch the doctor
find it.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..kit import kernel_kit
from ..steps import link_websites
from ..steps import step as guide_step
from .base import Form


class ConsoleChecklist(Form):
    """Live: tick the website steps, then check. Demo: do the step in the demo world."""

    def __init__(self, step: int, *, kit=None):
        self.step = guide_step(step)
        kit = kit if kit is not None else kernel_kit()
        demo = self.step.demo if kit.is_demo else None
        # Demo: the Demo button is the whole of it (notebook 00 says so), so no instruction.
        super().__init__(f"Step {self.step.number}: {self.step.title}",
                         (("" if demo else "Tick each box as you do it on the website.")
                          + _websites(self.step)).strip(), kit=kit)
        # Boxes that keep their width (a sub-step of two lines would squeeze its box and
        # start further left than the others); an address in a sub-step is a link.
        self.boxes = [widgets.Checkbox(value=False, indent=False, description="",
                                       layout=widgets.Layout(width="30px", flex="0 0 30px"))
                      for _ in self.step.sub_steps]
        # Labelled ("1.", or the guide's "a.") as the lessons' pictures name them.
        rows = widgets.VBox([widgets.HBox([box, widgets.HTML(link_websites(text))])
                             for box, text in zip(self.boxes, self.step.labelled_sub_steps,
                                                  strict=True)])
        if demo is None:
            self.add_inputs(rows)
        else:
            self.fold = widgets.Accordion([rows], selected_index=None)
            self.fold.set_title(0, f"On the real website: {len(self.boxes)} sub-steps")
            self.add_inputs(self.fold)
            self.do_button = self.add_action(f"Demo: {demo.label}", self.demo_do)
            if demo.undo:
                self.undo_button = self.add_action("Demo: undo it", self.demo_undo, style="warning")
        self.check_button = self.add_action("Check this step", self.check, style="success")

    def demo_do(self) -> None:
        from ..problems import catch_up

        catch_up(self.kit, self.step.number - 1)
        world, demo = self.kit.world, self.step.demo
        for box in self.boxes:
            box.value = True
        if demo.do == "console_create_iam_user":
            from ..kit import DEMO_DOWNLOAD

            path = self.kit.demo_download()
            path.unlink(missing_ok=True)  # a new download replaces the old one
            world.console_create_iam_user(download=path)
            # Not checked yet: the check needs the key, which the learner loads next.
            self.succeed(f"{demo.label}: done in the demo world; the key file is {DEMO_DOWNLOAD} "
                         "(beside this notebook). Load it below.")
            return
        if demo.do:
            getattr(world, demo.do)()
        self.check(done_first=f"{demo.label}: {demo.done}, then checked: ")

    def demo_undo(self) -> None:
        getattr(self.kit.world, self.step.demo.undo)()
        for box in self.boxes:
            box.value = False
        self.kit.unrecord(self.step.number)
        self.succeed("undone in the demo world (and un-marked in your progress list).")

    def check(self, done_first: str = "") -> None:
        if self.step.learner_confirms and not all(box.value for box in self.boxes):
            self.set_status("info", f"the kit cannot see step {self.step.number} being done on "
                            "the website: tick each box once you have done it there, then check.")
            return
        self.show_verdict(self.kit.check_step(self.step.number), done_first)


def _websites(step) -> str:
    if not step.websites:
        return ""
    links = ", ".join(f"<a href='{html.escape(url)}' target='_blank' rel='noopener'>"
                      f"{html.escape(label)}</a>" for label, url in step.websites)
    return f" Where: {links}."
