"""The doctor: which step of the guide is missing, and what to do about it."""

from __future__ import annotations

from .. import progress
from ..kit import state
from .base import Form


class DoctorPanel(Form):
    def __init__(self):
        super().__init__("The doctor", "Checks your key against AWS and both MTurk sites, in order, "
                         "and names the step of the guide that fixes the first problem.")
        self.run_button = self.add_action("Run the doctor", self.check)
        self.diagnosis = None

    def check(self) -> None:
        from ..doctor import diagnose

        if state.key is None:
            self.fail("No key is loaded yet: load credentials.csv in notebook 04 (guide step 4 j–k).")
            return
        self.show_progress(None, "asking AWS and MTurk (a new key can take a minute)…")
        self.diagnosis = diagnosis = diagnose(state.key)
        if diagnosis.ok:
            for step in (1, 2, 3, 4):
                progress.mark_done(step, state.mode)
            self.succeed(diagnosis.verdict, diagnosis.to_html())
            if any(c.status.value == "warning" for c in diagnosis.checks):
                self.set_status("info", diagnosis.verdict)
        else:
            self.fail(diagnosis.verdict)
            self.output.value = diagnosis.to_html()
