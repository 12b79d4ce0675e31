"""Step 5: what goes into CloudResearch's (TurkPrime's) "Link Mechanical Turk" form."""

from __future__ import annotations

from ..doctor import Status
from .base import Form


class TurkPrimeHandoff(Form):
    def __init__(self, *, kit=None):
        super().__init__(
            "Hand the key to CloudResearch (TurkPrime)",
            "Once the kit has proved the key works on both MTurk sites: what goes in each field "
            "of the “Link Mechanical Turk” form (never the secret: copy it from your key file).",
            kit=kit,
        )
        self.check_button = self.add_action("Check and show the form", self.check)

    def check(self) -> None:
        if self.kit.is_demo:
            from ..problems import catch_up

            catch_up(self.kit, 4)  # a notebook opened on its own: steps 1–4 done for you
        if self.kit.key is None:
            self.fail("No key is loaded yet: load credentials.csv in notebook 04 (guide step 4 j–k).")
            return
        diagnosis = self.kit.diagnose()
        ready = diagnosis["turkprime"]
        if ready.status is Status.FAILED:
            self.fail(f"{ready.summary}. {ready.fix}")
            self.output.value = diagnosis.to_html()
            return
        if ready.status is not Status.OK and ready.status is not Status.WARNING:
            # Not checked: an earlier check failed, or got no answer.
            if diagnosis.failed:
                self.fail(diagnosis.verdict)
            else:
                self.set_status("unknown", diagnosis.verdict)
            self.output.value = diagnosis.to_html()
            return
        # Not step 5 done: that is CloudResearch's form, which the kit cannot see (the step's
        # checklist below asks the learner).
        self.succeed(ready.summary, diagnosis.form_html())
