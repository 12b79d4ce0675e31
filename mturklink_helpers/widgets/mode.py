"""Choose demo or live mode, and sandbox or production (never production by default)."""

from __future__ import annotations

import ipywidgets as widgets

from ..endpoints import Environment
from .base import Form


class ModeChooser(Form):
    def __init__(self, *, kit=None):
        super().__init__(
            "Mode",
            "<b>Demo</b>: a simulated AWS and MTurk on this computer, no account needed. "
            "<b>Live</b>: your real accounts. The <b>sandbox</b> is free; <b>production</b> pays "
            "real workers. Every notebook keeps your choice.", kit=kit,
        )
        self.mode = widgets.ToggleButtons(options=[("Demo", "demo"), ("Live", "live")],
                                          value=self.kit.mode, description="Mode")
        self.environment = widgets.ToggleButtons(
            options=[("Sandbox (free)", "sandbox"), ("Production (real money)", "production")],
            value=self.kit.environment.value, description="MTurk")
        self.understand = widgets.Checkbox(
            value=False, description="I understand that production spends real money",
            indent=False, layout=widgets.Layout(display="none"))
        self.add_inputs(self.mode, self.environment, self.understand)
        self.apply_button = self.add_action("Use these settings", self.apply)
        self.environment.observe(self._toggle_warning, names="value")
        # What is in use already, so a learner knows pressing is optional.
        self.set_status("info", f"you are in {self.describe()} Nothing to press unless you want "
                                "to change that: choose above, then press “Use these settings”.")

    def _toggle_warning(self, change) -> None:
        self.understand.layout.display = None if change["new"] == "production" else "none"

    def describe(self) -> str:
        return f"{self.kit.mode} mode, MTurk {self.kit.environment.value}."

    def apply(self) -> None:
        environment = Environment.parse(self.environment.value)
        if environment is Environment.PRODUCTION and not self.understand.value:
            self.fail("Production was not chosen: tick “I understand that production spends real "
                      "money” first, or stay in the free sandbox.")
            return
        self.kit.set_mode(self.mode.value, environment)
        self.succeed(f"now in {self.describe()} Every notebook will use this.")
