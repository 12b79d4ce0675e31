"""Demo mode only: put a typical setup problem into the demo world, then run the doctor."""

from __future__ import annotations

import ipywidgets as widgets

from ..problems import DEMO_PROBLEMS, make_problem
from .base import Form


class DemoProblems(Form):
    def __init__(self, *, kit=None):
        super().__init__("Demo: break something on purpose",
                         "Choose a mistake learners often make; the demo world makes it, and "
                         "the doctor below should name the step that fixes it.", kit=kit)
        self.problem = widgets.Dropdown(options=[(v, k) for k, v in DEMO_PROBLEMS.items()],
                                        value="none", description="Problem",
                                        layout=widgets.Layout(width="80%"))
        self.add_inputs(self.problem)
        self.apply_button = self.add_action("Make this problem", self.apply)

    def apply(self) -> None:
        if not self.kit.is_demo:
            self.fail("This works in demo mode only: your real accounts are never broken on purpose.")
            return
        make_problem(self.kit, self.problem.value)
        self.succeed(f"the demo world now has this problem: {DEMO_PROBLEMS[self.problem.value]}. "
                     "Run the doctor below.")
