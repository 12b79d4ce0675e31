"""Step 6: a test HIT in the sandbox: cost, create, preview, answers, review, clean up."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..hits import MAX_TEST_ASSIGNMENTS, plural
from .base import Form, HtmlOutput


class TestHitForm(Form):
    __test__ = False  # not a pytest class

    def __init__(self, *, kit=None):
        super().__init__("A test HIT in the sandbox", kit=kit)
        self.reward = widgets.Text(value="0.01", description="Reward $")
        self.assignments = widgets.BoundedIntText(value=2, min=1, max=MAX_TEST_ASSIGNMENTS,
                                                  description=f"Workers (1–{MAX_TEST_ASSIGNMENTS})")
        self.cost = widgets.HTML()
        self.feedback = widgets.Text(description="Feedback",
                                     placeholder="to reject: tell the worker why",
                                     layout=widgets.Layout(width="60%"))
        # Wide enough for "worker 2: " and a 30-character id, uncut.
        self.assignment = widgets.Dropdown(options=[], description="Assignment",
                                           layout=widgets.Layout(width="34em"))
        self.add_inputs(widgets.HBox([self.reward, self.assignments]), self.cost)
        # In the order of a first walk: create, (demo: the other workers), answers, clean up.
        self.create_button = self.add_action("Create test HIT", self.create)
        if self.kit.is_demo:
            self.simulate_button = self.add_action("Demo: workers answer", self.simulate,
                                                   style="info")
        self.answers_button = self.add_action("Show answers", self.show_answers, style="info")
        self.cleanup_button = self.add_action("Clean up", self.cleanup, style="warning")
        self.approve_button = self._button("Approve", self.approve, "success")
        self.reject_button = self._button("Reject", self.reject, "danger")
        # Shown only while there are answers to review (show_answers).
        self.review_box = widgets.VBox([self.assignment, self.feedback,
                                        widgets.HBox([self.approve_button, self.reject_button])],
                                       layout=widgets.Layout(display="none"))
        # The HIT and its links, above whatever the buttons show after it (the answers).
        self.hit_box = HtmlOutput()
        self.children = (*self.children[:-1], self.hit_box, self.output, self.review_box)
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
        pretend = ", pretend money in the sandbox" if self.kit.environment.is_sandbox else ""
        self.cost.value = f"Cost: {html.escape(estimate.short())}{pretend}."

    def _show_hit(self) -> None:
        self.hit_box.value = self.hit._repr_html_() if self.hit is not None else ""

    def create(self) -> None:
        from ..hits import create_test_hit

        if self.hit is not None:
            # One test HIT at a time: a second click (a double click queues one behind the
            # first) must not make a second HIT.
            self.succeed("your test HIT is there (one at a time: clean up to make a new one).",
                         self._next())
            return
        if self.kit.is_demo:
            from ..problems import catch_up

            catch_up(self.kit, 4)
        self.hit = create_test_hit(self.kit.mturk("sandbox"), reward=self.reward.value,
                                   assignments=self.assignments.value)
        self._show_hit()
        self.succeed("created your test HIT.", self._next())

    def _next(self) -> str:
        """What to do once the HIT is there (the lesson says why)."""
        if self.kit.is_demo:
            return ("<p>Next: be its worker in the preview (Accept, answer, Submit), then press "
                    "“Demo: workers answer” and “Show answers”.</p>")
        return ("<p>Next: be its worker in the preview (signed in with a worker account), "
                "then press “Show answers”.</p>")

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
            n = len(self.kit.world.workers_submit(self.hit.hit_id))
            self.succeed(f"{plural(n, 'simulated worker')} answered." if n else
                         "no assignment is left for simulated workers.")

    def show_answers(self) -> None:
        from ..hits import answers_html, assignments_frame

        if not self._need_hit():
            return
        self.frame = frame = assignments_frame(self.kit.mturk("sandbox"), self.hit.hit_id)
        you = self._you()
        self._list_to_review(frame, you)
        if frame.empty:
            self.succeed("no answers yet: workers have not submitted anything.")
            return
        yours = int((frame["worker_id"] == you).sum()) if you else 0
        self.succeed(plural(len(frame), "answer") + (f", {yours} of them yours." if yours else "."),
                     answers_html(frame, you))

    def _list_to_review(self, frame, you: str | None) -> None:
        """The answers still to review in the list, the learner's own chosen first; the
        review controls shown only while there is one."""
        # Whose answer each is, in the list itself: 30-character ids alone are hard to match
        # against the table by eye. Numbered as in the table, so a number stays its row's.
        options = [(f"{'you' if worker == you else f'worker {n}'}: {assignment}", assignment)
                   for n, (assignment, worker, status) in enumerate(
                       zip(frame["assignment_id"], frame["worker_id"], frame["status"],
                           strict=True), 1)
                   if status == "Submitted"]
        self.assignment.options = options
        if options:
            mine = [value for label, value in options if label.startswith("you: ")]
            self.assignment.value = (mine or [options[0][1]])[0]
        self.review_box.layout.display = None if options else "none"

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
        self.feedback.value = ""  # this answer's: not to be sent with the next one by mistake
        self.show_answers()
        done = result.approved or result.rejected
        said = (f"{'approved' if result.approved else 'rejected'} 1 answer." if done
                else f"that answer is {result.skipped[chosen]}.")
        self.succeed(said, self.output.value)

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
                self.set_status("info", f"{plural(unreviewed, 'answer')} not reviewed yet: "
                                f"clean-up approves {'it' if unreviewed == 1 else 'them'}, "
                                "paying the workers (pretend money). "
                                "Press “Clean up” again to go ahead.")
                return
        self.approve_unreviewed = False
        report = cleanup(mturk, approve_submitted=True,
                         progress=lambda done, total: self.show_progress(
                             done / total if total else 1.0, f"cleaned {done} of {total} HITs"))
        if report.done:
            self.kit.record(6)
            self.hit = self.frame = None
            self._show_hit()  # its links lead nowhere now
            self.assignment.options = []  # nothing of the kit is left: nothing to review
            self.review_box.layout.display = "none"
            self.succeed("nothing of the kit is left in the sandbox.", report._repr_html_())
        else:
            self.fail(str(report).splitlines()[0])
            self.output.value = report._repr_html_()

