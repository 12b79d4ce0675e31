"""The doctor: which step of the guide is missing, and what to do about it."""

from __future__ import annotations

from .base import Form


class DoctorPanel(Form):
    def __init__(self, *, kit=None):
        super().__init__("The doctor", "Checks your key against AWS and both MTurk sites, in order, "
                         "and names the step of the guide that fixes the first problem.", kit=kit)
        self.run_button = self.add_action("Run the doctor", self.check)
        self.diagnosis = None

    def check(self) -> None:
        if self.kit.is_demo:
            from ..problems import catch_up

            catch_up(self.kit, 4)  # a notebook opened on its own: steps 1–4 done for you
        if self.kit.key is None:
            self.fail("No key is loaded yet: load credentials.csv in notebook 04 (guide step 4 j–k).")
            return
        self.show_progress(None, "asking AWS and MTurk (a new key can take a minute)…")
        self.diagnosis = diagnosis = self.kit.diagnose(
            progress=lambda p: self.show_progress(p.fraction, p.message))
        self.kit.record_diagnosis(diagnosis)  # proven steps marked done, disproven ones not
        if diagnosis.ok:
            self.succeed(diagnosis.verdict, diagnosis.to_html())
            if any(c.status.value == "warning" for c in diagnosis.checks):
                self.set_status("info", diagnosis.verdict)
        elif not diagnosis.failed:
            self.set_status("unknown", diagnosis.verdict)
            self.output.value = diagnosis.to_html()
        else:
            self.fail(diagnosis.verdict)
            self.output.value = diagnosis.to_html()
