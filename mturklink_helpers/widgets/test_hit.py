"""Step 6: a test HIT in the sandbox: cost, create, preview, answers, review, clean up."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..hits import MAX_TEST_ASSIGNMENTS
from .base import Form


class TestHitForm(Form):
    __test__ = False  # not a pytest class

    def __init__(self, *, kit=None):
        super().__init__(
            "A test HIT in the sandbox",
            "Nothing here costs money: the sandbox pays with pretend dollars.", kit=kit,
        )
        self.reward = widgets.Text(value="0.01", description="Reward $")
        self.assignments = widgets.BoundedIntText(value=2, min=1, max=MAX_TEST_ASSIGNMENTS,
                                                  description=f"Workers (1–{MAX_TEST_ASSIGNMENTS})")
        self.cost = widgets.HTML()
        self.feedback = widgets.Text(description="Feedback",
                                     placeholder="needed to reject: tell the worker why",
                                     layout=widgets.Layout(width="60%"))
        self.assignment = widgets.Dropdown(options=[], description="Assignment")
        self.add_inputs(widgets.HBox([self.reward, self.assignments]), self.cost)
        self.create_button = self.add_action("Create test HIT", self.create)
        self.answers_button = self.add_action("Show answers", self.show_answers, style="info")
        if self.kit.is_demo:
            self.simulate_button = self.add_action("Demo: workers answer", self.simulate, style="info")
        self.cleanup_button = self.add_action("Clean up", self.cleanup, style="warning")
        self.approve_button = self._button("Approve", self.approve, "success")
        self.reject_button = self._button("Reject", self.reject, "danger")
        self.review_box = widgets.VBox([self.assignment, self.feedback,
                                        widgets.HBox([self.approve_button, self.reject_button])])
        self.children = (*self.children[:3], self.review_box, *self.children[3:])
        self.hit = None
        self.frame = None
        self.approve_unreviewed = False  # set once the learner was told clean-up approves
        self.reward.observe(lambda _c: self.update_cost(), names="value")
        self.assignments.observe(lambda _c: self.update_cost(), names="value")
        self.update_cost()

    def _button(self, label, handler, style):
        button = widgets.Button(description=label, button_style=style)
        button.on_click(lambda _b: self.run(button, handler))
        return button

    def update_cost(self) -> None:
        from ..fees import estimate_cost

        try:
            estimate = estimate_cost(self.reward.value, self.assignments.value)
        except ValueError as exc:
            self.cost.value = f"<span style='color:#b42318'>✗ {html.escape(str(exc))}</span>"
            return
        self.cost.value = estimate._repr_html_() + (
            "<p>In the sandbox this is pretend money.</p>" if self.kit.environment.is_sandbox else "")

    def create(self) -> None:
        from ..hits import create_test_hit

        if self.hit is not None:
            # One test HIT at a time: a second click (a double click queues one behind the
            # first) must not make a second HIT.
            self.succeed(f"your test HIT {self.hit.hit_id} is already there: see its answers, "
                         "or clean up to start again.", self.hit._repr_html_())
            return
        if self.kit.is_demo:
            from ..problems import catch_up

            catch_up(self.kit, 4)
        self.hit = create_test_hit(self.kit.mturk("sandbox"), reward=self.reward.value,
                                   assignments=self.assignments.value)
        self.succeed(f"created HIT {self.hit.hit_id}.", self.hit._repr_html_() + self._yourself())

    def _yourself(self) -> str:
        """How to answer the HIT yourself: in demo mode on the world's worker site, live on
        MTurk's (with a worker account there)."""
        if self.kit.is_demo:
            return ("<p>Be your own worker: open the preview, press <b>Accept</b>, answer and "
                    "submit. Then press “Show answers”: your answer is listed, marked "
                    "<i>(you)</i>, among the simulated workers' answers.</p>")
        return ("<p>Be your own worker: sign in to the preview's site with a worker account "
                "(free; see the lesson), accept the HIT, answer and submit. Then press "
                "“Show answers”: your answer is listed.</p>")

    def _you(self) -> str | None:
        """The learner's own worker id in the demo world (None live: MTurk does not say)."""
        if self.kit.is_demo and not self.kit.endpoint_url:
            return self.kit.world.learner_worker_id("sandbox")
        return None

    def _need_hit(self) -> bool:
        if self.hit is None:
            self.fail("Create the test HIT first (the button “Create test HIT”).")
            return False
        return True

    def simulate(self) -> None:
        if self._need_hit():
            submitted = self.kit.world.workers_submit(self.hit.hit_id)
            self.succeed(f"{len(submitted)} simulated worker(s) answered; press “Show answers”.")

    def show_answers(self) -> None:
        from ..hits import answers_html, assignments_frame

        if not self._need_hit():
            return
        self.frame = frame = assignments_frame(self.kit.mturk("sandbox"), self.hit.hit_id)
        if frame.empty:
            self.succeed("no answers yet: workers have not submitted anything.")
            return
        submitted = frame[frame["status"] == "Submitted"] if "status" in frame else frame
        you = self._you()
        # Whose answer each is, in the list itself: 30-character ids alone are hard to match
        # against the table by eye.
        self.assignment.options = [
            (f"{'you' if worker == you else f'worker {n}'}: {assignment}", assignment)
            for n, (assignment, worker) in enumerate(
                zip(submitted["assignment_id"], submitted["worker_id"], strict=True), 1)]
        yours = int((frame["worker_id"] == you).sum()) if you else 0
        self.succeed(f"{len(frame)} answer(s)" + (f", {yours} of them yours." if yours else "."),
                     answers_html(frame, you))

    def _review(self, approve: bool) -> None:
        from ..hits import review

        if not self.assignment.value:
            self.fail("Choose an assignment first (press “Show answers” to list them).")
            return
        feedback = self.feedback.value.strip()
        if not approve and not feedback:
            self.fail("To reject, write feedback first: MTurk shows it to the worker.")
            return
        chosen = self.assignment.value
        mturk = self.kit.mturk("sandbox")
        result = (review(mturk, self.frame, approve=[chosen]) if approve
                  else review(mturk, self.frame, reject={chosen: feedback}))
        self.show_answers()
        self.succeed(str(result).splitlines()[0] + ".", self.output.value)

    def approve(self) -> None:
        self._review(True)

    def reject(self) -> None:
        self._review(False)

    def cleanup(self) -> None:
        from ..hits import cleanup
        from ..retry import BULK_MAX_ATTEMPTS

        mturk = self.kit.mturk("sandbox", max_attempts=BULK_MAX_ATTEMPTS)
        if not self.approve_unreviewed:
            # Clean-up approves what was submitted (a HIT cannot be deleted before): say so
            # first, and go ahead only on a second press.
            unreviewed = cleanup(mturk, approve_submitted=True, dry_run=True).approved
            if unreviewed:
                self.approve_unreviewed = True
                self.set_status("info", f"{unreviewed} answer(s) are not reviewed yet: clean-up "
                                "approves them, which pays their workers (pretend money in the "
                                "sandbox). Press “Clean up” again to go ahead, or review them "
                                "first.")
                return
        self.approve_unreviewed = False
        report = cleanup(mturk, approve_submitted=True,
                         progress=lambda done, total: self.show_progress(
                             done / total if total else 1.0, f"cleaned {done} of {total} HITs"))
        if report.done:
            self.kit.record(6)
            self.hit = self.frame = None
            self.assignment.options = []  # nothing of the kit is left: nothing to review
            self.succeed("nothing of the kit is left in the sandbox.", report._repr_html_())
        else:
            self.fail(str(report).splitlines()[0])
            self.output.value = report._repr_html_()
