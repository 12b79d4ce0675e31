"""The steps that happen on websites (AWS, MTurk, CloudResearch), as checklists.

In demo mode each step also has a button that performs it in the demo world, and one that
undoes it, so a learner can leave a step out and watch the doctor find it.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from .. import progress
from ..kit import state
from .base import Form

# What the learner does on each website, in the guide's words, and its cautions.
CHECKLISTS = {
    1: [
        "Open the Amazon Mechanical Turk Developer page and click <b>Create an AWS Account</b>.",
        "Enter your contact details and press <b>Continue</b>.",
        "Enter a credit or debit card (AWS needs one on file; setting up MTurk costs nothing).",
        "Finish the phone verification if AWS asks for it (enter the PIN shown on screen).",
        "Choose the <b>Basic Plan</b>: it is the free one.",
    ],
    2: [
        "Go back to the Developer page and click <b>Link your AWS Account</b>.",
        "Sign in with your AWS <b>root user</b> (the e-mail address you signed up with).",
        "Click <b>Link This Account</b>.",
        "See the message <b>Accounts Successfully Linked</b> (it can take a few minutes to work).",
    ],
    3: [
        "On the Developer page click <b>Register for the Requester Sandbox</b>.",
        "Sign in again, enter your contact information and click <b>Continue</b>.",
    ],
    4: [
        "a. Go to https://console.aws.amazon.com/iam/home?#/users and sign in.",
        "b. Choose <b>Add user</b> (today: <b>Create user</b>).",
        "c. Enter a user name, for example <code>mturk-requester</code>.",
        "d. Select <b>Programmatic access</b> (today's console has no such box: skip it).",
        "e. Choose <b>Next: Permissions</b>.",
        "f. Select <b>Attach existing policies directly</b> (today: <b>Attach policies directly</b>).",
        "g. Search for and tick <b>AmazonMechanicalTurkFullAccess</b>.",
        "h. Choose <b>Next: Review</b>.",
        "i. Review, then choose <b>Create user</b>.",
        "j. Choose <b>Download .csv</b> (today: open the user, <b>Security credentials</b>, "
        "<b>Create access key</b>, then <b>Download .csv file</b>). The secret is shown only once!",
        "k. Save <code>credentials.csv</code> somewhere safe (never in a shared or public folder).",
        "l. Return to the AWS page and sign out.",
    ],
    5: [
        "Sign in to CloudResearch (it was called TurkPrime when the guide was written).",
        "Hover over the user icon (top right) and choose <b>Link Mechanical Turk</b>.",
        "Scroll to the bottom; paste the <b>Access Key ID</b> and the <b>Secret Access Key</b> "
        "from credentials.csv (copy and paste: no typing errors).",
        "Tick the box that grants access, click <b>Submit</b>, and see <b>Success</b>.",
    ],
}

DEMO_ACTIONS = {  # step: (label, do, undo) as DemoWorld method names
    1: ("Create the AWS account", "create_aws_account", "close_aws_account"),
    2: ("Link the Requester account", "link_requester_account", "unlink_requester_account"),
    3: ("Register for the sandbox", "register_sandbox", "unregister_sandbox"),
    4: ("Create the IAM user and download credentials.csv", "console_create_iam_user", None),
}
# Where the demo world's IAM console "downloads" credentials.csv (git-ignored: secrets/).
DEMO_DOWNLOAD = "secrets/demo-downloads/credentials.csv"


class ConsoleChecklist(Form):
    """Tick the website steps; in demo mode, do them in the demo world; then check."""

    def __init__(self, step: int):
        self.step = step
        super().__init__(f"Step {step}: {progress.STEPS[step]}",
                         "Tick each box as you do it on the website.")
        self.boxes = [widgets.Checkbox(value=False, indent=False, description="",
                                       layout=widgets.Layout(width="30px"))
                      for _ in CHECKLISTS[step]]
        self.add_inputs(*[widgets.HBox([box, widgets.HTML(text)])
                          for box, text in zip(self.boxes, CHECKLISTS[step], strict=True)])
        if state.is_demo and step in DEMO_ACTIONS:
            label, do, undo = DEMO_ACTIONS[step]
            self.do_button = self.add_action(f"Demo: {label}", lambda: self._demo(do, label))
            if undo:
                self.undo_button = self.add_action("Demo: undo it",
                                                   lambda: self._demo(undo, "Undo"), style="warning")
            state.world(through_step=step - 1)
        self.check_button = self.add_action("Check this step", self.check, style="success")

    def _demo(self, method: str, label: str) -> None:
        world = state.world()
        if method == "console_create_iam_user":
            from pathlib import Path

            Path(DEMO_DOWNLOAD).unlink(missing_ok=True)  # a new download replaces the old one
            world.console_create_iam_user(download=DEMO_DOWNLOAD)
            self.succeed(f"{label}: done in the demo world; your browser saved it as "
                         f"{DEMO_DOWNLOAD}. Load it below.")
            return
        getattr(world, method)()
        self.succeed(f"{label}: done in the demo world.")

    def check(self) -> None:
        ok, sentence = check_step(self.step)
        if ok:
            progress.mark_done(self.step, state.mode)
            self.succeed(sentence)
        else:
            self.fail(sentence)


def check_step(step: int) -> tuple[bool, str]:
    """Is this website step done? In demo mode the world knows; live, the doctor tells."""
    if state.is_demo and step in (1, 2, 3):
        done = state.world().steps_done()[step]
        if done:
            return True, f"step {step} is done."
        return False, (f"step {step} is not done yet: follow the checklist "
                       f"(in demo mode, press “Demo: {DEMO_ACTIONS[step][0]}”).")
    if state.key is None:
        return False, ("the kit can check this step once you have an access key (step 4): load "
                       "credentials.csv in notebook 04, then come back.")
    from ..doctor import diagnose

    diagnosis = diagnose(state.key)
    failure = diagnosis.first_failure
    if failure is None or _step_number(failure.step) > step:
        return True, f"step {step} is done (the doctor agrees)."
    return False, html.unescape(f"{failure.fix} (guide step {failure.step})")


def _step_number(step: str | None) -> int:
    digits = "".join(ch for ch in (step or "9") if ch.isdigit())[:1]
    return int(digits or 9)
