"""The sandbox test HIT from start to finish: create, preview, collect, review, clean up.

Every HIT the kit creates carries :data:`KIT_MARKER` at the start of its
``RequesterAnnotation``, so :func:`cleanup` finds the kit's HITs and never touches others.
Production is never the default; anything that spends production money needs the exact
total from :func:`~mturklink_helpers.fees.estimate_cost` as ``confirm_total=``.
"""

from __future__ import annotations

import html
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from .clients import Endpoints
from .endpoints import Environment
from .errors import Kind, classify, error_codes
from .fees import (
    CostEstimate,
    estimate_cost,
    require_balance,
    require_confirmation,
)
from .pacing import CallStats, RateLimiter, paced

KIT_MARKER = "mturklink-test-hit"
HTML_QUESTION_NS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
)
DEFAULT_TITLE = "Test HIT from the mturklink teaching kit (two quick questions)"
DEFAULT_DESCRIPTION = (
    "A short test task: tell us how clear these instructions are and leave an optional comment."
)
DEFAULT_KEYWORDS = "test, survey, mturklink"
MAX_TEST_ASSIGNMENTS = 3
# Real MTurk's request-rate limit is not published (unverified); 20/s stays well clear of
# the throttling tools report, and throttled calls are retried anyway.
DEFAULT_MAX_RATE = 20.0
PAST = datetime(2015, 1, 1, tzinfo=UTC)  # "expire now": UpdateExpirationForHIT to the past
LIVE_STATES = ("Assignable", "Unassignable")
# CreateHIT with a UniqueRequestToken already used answers this, naming the HIT (AWS docs).
HIT_ALREADY_EXISTS = "AWS.MechanicalTurk.HitAlreadyExists"
HIT_DOES_NOT_EXIST = "AWS.MechanicalTurk.HITDoesNotExist"  # unverified (the simulator's)


def plural(n: int, thing: str) -> str:
    """ "1 answer", "2 answers": a count as a sentence says it."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def environment_of(client) -> Environment:
    """Sandbox or production, read from the endpoint the client talks to."""
    return Environment.from_endpoint(client.meta.endpoint_url)


# --- the question --------------------------------------------------------------------------

_SURVEY = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; font-size: 1rem; line-height: 1.5;
         color: #1a1a1a; background: #fff; max-width: 40rem; margin: 1rem auto; padding: 0 1rem; }}
  fieldset {{ border: 1px solid #767676; padding: 0.75rem 1rem; margin: 0 0 1rem; }}
  legend, label.block {{ font-weight: 600; }}
  textarea {{ width: 100%; font: inherit; }}
  input[type=radio] {{ width: 1.2rem; height: 1.2rem; vertical-align: middle; }}
  button {{ font: inherit; padding: 0.5rem 1.25rem; }}
  :focus-visible {{ outline: 3px solid #1a5fb4; outline-offset: 2px; }}
  #preview-note {{ border-left: 4px solid #1a5fb4; padding-left: 0.75rem; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>This is a test task from a teaching kit. There are no right or wrong answers.</p>
<p id="preview-note" hidden>You are previewing this task. Accept it to answer.</p>
<form name="mturk_form" id="mturk_form" method="post" action="{submit_url}">
  <input type="hidden" name="assignmentId" id="assignmentId" value="">
  <fieldset>
    <legend>1. How clear were these instructions?</legend>
    <div><input type="radio" id="clarity-clear" name="clarity" value="clear" required>
      <label for="clarity-clear">Clear</label></div>
    <div><input type="radio" id="clarity-somewhat" name="clarity" value="somewhat clear">
      <label for="clarity-somewhat">Somewhat clear</label></div>
    <div><input type="radio" id="clarity-unclear" name="clarity" value="unclear">
      <label for="clarity-unclear">Unclear</label></div>
  </fieldset>
  <p>
    <label class="block" for="comments">2. Any comments? (optional)</label>
    <textarea id="comments" name="comments" rows="3" maxlength="500"
      aria-describedby="comments-hint"></textarea>
    <span id="comments-hint">Up to 500 characters.</span>
  </p>
  <button type="submit" id="submitButton">Submit</button>
</form>
</main>
<script>
  // MTurk passes assignmentId in the URL; while previewing it is ASSIGNMENT_ID_NOT_AVAILABLE.
  var params = new URLSearchParams(window.location.search);
  var id = params.get("assignmentId") || "";
  document.getElementById("assignmentId").value = id;
  if (!id || id === "ASSIGNMENT_ID_NOT_AVAILABLE") {{
    document.getElementById("submitButton").disabled = true;
    document.getElementById("preview-note").hidden = false;
  }}
</script>
</body>
</html>
"""


def survey_question(
    environment: Environment | str = Environment.SANDBOX,
    *,
    title: str = DEFAULT_TITLE,
    frame_height: int = 0,
) -> str:
    """The kit's default HTMLQuestion: a two-question survey that posts to ``environment``'s
    ``externalSubmit`` page. Labels, a legend, keyboard focus and a language are all set so
    screen readers and keyboard users can answer it. ``frame_height=0`` lets MTurk size the
    frame to the page."""
    environment = Environment.parse(environment)
    page = _SURVEY.format(
        title=html.escape(title), submit_url=html.escape(environment.external_submit_url)
    )
    return (
        f'<HTMLQuestion xmlns="{HTML_QUESTION_NS}">\n'
        f"  <HTMLContent><![CDATA[\n{page}]]></HTMLContent>\n"
        f"  <FrameHeight>{int(frame_height)}</FrameHeight>\n"
        "</HTMLQuestion>"
    )


# --- creating the test HIT ---------------------------------------------------------------


@dataclass(frozen=True)
class TestHIT:
    """A HIT the kit created, with the pages where a worker and the requester see it."""

    __test__ = False  # not a pytest test class, despite its name

    hit_id: str
    hit_type_id: str
    preview_url: str
    manage_url: str | None  # None: a demo world, which has no requester site
    environment: Environment
    cost: CostEstimate | None = None

    def __str__(self) -> str:
        manage = f"\n  manage (your requester page): {self.manage_url}" if self.manage_url else ""
        return (f"{self.environment.value} HIT {self.hit_id}\n"
                f"  preview (what a worker sees): {self.preview_url}{manage}")

    def _repr_html_(self) -> str:
        # Short words a learner can click; the long address only in the link (and its
        # tooltip), where it neither wraps over two lines nor looks like plain text.
        def link(url: str, label: str) -> str:
            url = html.escape(url)
            return (f"<a class='mturklink-link' href='{url}' title='{url}' target='_blank' "
                    f"rel='noopener'>{label} ↗</a>")

        links = [link(self.preview_url, "Open the preview (what a worker sees)")]
        if self.manage_url:
            links.append(link(self.manage_url, "Open your requester page"))
        return (f"<p><b>{self.environment.value.capitalize()} HIT</b> "
                f"<code>{html.escape(self.hit_id)}</code>: {' · '.join(links)}</p>")


def create_test_hit(
    client,
    *,
    title: str = DEFAULT_TITLE,
    description: str = DEFAULT_DESCRIPTION,
    reward="0.01",
    assignments: int = MAX_TEST_ASSIGNMENTS,
    lifetime_seconds: int = 3600,
    assignment_duration_seconds: int = 600,
    auto_approval_delay_seconds: int = 3 * 24 * 3600,
    keywords: str = DEFAULT_KEYWORDS,
    question: str | None = None,
    note: str = "",
    confirm_total=None,
) -> TestHIT:
    """Create a small test HIT (sandbox unless the client talks to production).

    ``question`` defaults to :func:`survey_question` for the client's environment. ``note``
    is added after the kit's marker in ``RequesterAnnotation``. In production,
    ``confirm_total`` must be the exact total of ``estimate_cost(reward, assignments)`` and
    the balance must cover it; otherwise nothing is sent.
    """
    environment = environment_of(client)
    if (
        isinstance(assignments, bool)
        or not isinstance(assignments, int)
        or not (1 <= assignments <= MAX_TEST_ASSIGNMENTS)
    ):
        raise ValueError(
            f"a test HIT has 1 to {MAX_TEST_ASSIGNMENTS} assignments, not {assignments!r}: "
            "for a real study use client.create_hit after the guide's last step."
        )
    if lifetime_seconds < 30:
        raise ValueError(f"lifetime_seconds must be 30 or more (MTurk), not {lifetime_seconds!r}")
    estimate = estimate_cost(reward, assignments)
    action = f"creating this test HIT ({assignments} × ${estimate.reward})"
    if not environment.is_sandbox:
        require_confirmation(estimate, confirm_total, action)
        require_balance(client, estimate, action)
    elif confirm_total is not None:  # rehearsing the production habit in the sandbox
        require_confirmation(estimate, confirm_total, action)
    annotation = f"{KIT_MARKER} {note}".strip()
    if len(annotation) > 255:
        raise ValueError(
            f"note is too long: RequesterAnnotation holds 255 characters, not {len(annotation)}"
        )
    create = partial(
        client.create_hit,
        Title=title,
        Description=description,
        Keywords=keywords,
        Reward=str(estimate.reward),
        MaxAssignments=assignments,
        LifetimeInSeconds=int(lifetime_seconds),
        AssignmentDurationInSeconds=int(assignment_duration_seconds),
        AutoApprovalDelayInSeconds=int(auto_approval_delay_seconds),
        Question=question if question is not None else survey_question(environment, title=title),
        RequesterAnnotation=annotation,
        # When an answer is lost on the way back, the retry must not make (and, in
        # production, pay for) a second HIT: with the same token MTurk names the first.
        UniqueRequestToken=uuid.uuid4().hex,
    )
    try:
        hit = create()["HIT"]
    except Exception as exc:
        if error_codes(exc)[1] != HIT_ALREADY_EXISTS:
            raise
        hit = _hit_named_in(client, exc)
    return TestHIT(
        hit_id=hit["HITId"],
        hit_type_id=hit["HITTypeId"],
        preview_url=Endpoints.of_client(client).preview_url(environment, hit["HITId"],
                                                            hit["HITTypeId"]),
        manage_url=Endpoints.of_client(client).manage_url(environment, hit["HITId"]),
        environment=environment,
        cost=estimate,
    )


def _hit_named_in(client, exc: Exception) -> dict:
    """The HIT an earlier try of this CreateHIT made, named in MTurk's HitAlreadyExists."""
    message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
    found = re.search(r"\b[A-Z0-9]{30}\b", message)  # HIT ids are 30 capitals and digits
    if found is None:
        raise exc
    return client.get_hit(HITId=found.group())["HIT"]


# --- answers as a table ------------------------------------------------------------------

ASSIGNMENT_COLUMNS = [
    "assignment_id",
    "worker_id",
    "hit_id",
    "status",
    "accept_time",
    "submit_time",
    "approval_time",
    "rejection_time",
    "auto_approval_time",
    "requester_feedback",
]


def parse_answers(xml: str) -> dict[str, str]:
    """QuestionFormAnswers XML → ``{question identifier: answer}``.

    Several selections for one question are joined with ``"|"``; an uploaded file gives its
    key. Namespaces are ignored: MTurk has used more than one.
    """
    if not xml:
        return {}
    root = ET.fromstring(xml.encode() if isinstance(xml, str) else xml)
    answers: dict[str, str] = {}
    for answer in root:
        if _local(answer.tag) != "Answer":
            continue
        ident, values = None, []
        for child in answer:
            name = _local(child.tag)
            if name == "QuestionIdentifier":
                ident = (child.text or "").strip()
            elif name in (
                "FreeText",
                "SelectionIdentifier",
                "OtherSelectionText",
                "UploadedFileKey",
            ):
                values.append(child.text or "")
        if ident:
            answers[ident] = "|".join(values)
    return answers


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _list_assignments(client, hit_id: str, statuses: list[str] | None = None) -> list[dict]:
    kwargs: dict = {"HITId": hit_id, "MaxResults": 100}
    if statuses:
        kwargs["AssignmentStatuses"] = statuses
    found = []
    while True:
        page = client.list_assignments_for_hit(**kwargs)
        found.extend(page.get("Assignments", []))
        token = page.get("NextToken")
        if not token or not page.get("Assignments"):
            return found
        kwargs["NextToken"] = token


def assignments_frame(client, hit_id: str):
    """A pandas DataFrame of a HIT's assignments: one row each, answers as their own columns."""
    import pandas as pd

    rows = []
    for a in _list_assignments(client, hit_id):
        row = {
            "assignment_id": a.get("AssignmentId"),
            "worker_id": a.get("WorkerId"),
            "hit_id": a.get("HITId", hit_id),
            "status": a.get("AssignmentStatus"),
            "accept_time": a.get("AcceptTime"),
            "submit_time": a.get("SubmitTime"),
            "approval_time": a.get("ApprovalTime"),
            "rejection_time": a.get("RejectionTime"),
            "auto_approval_time": a.get("AutoApprovalTime"),
            "requester_feedback": a.get("RequesterFeedback"),
        }
        for ident, value in parse_answers(a.get("Answer", "")).items():
            row[f"answer_{ident}" if ident in ASSIGNMENT_COLUMNS else ident] = value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=None if rows else ASSIGNMENT_COLUMNS)
    for column in ASSIGNMENT_COLUMNS[4:9]:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def answers_html(frame, you: str | None = None) -> str:
    """A HIT's answers as a learner reviews them (an :func:`assignments_frame`): the
    assignment, its worker (``you``, the learner's own worker id in a demo world, marked),
    status and time of submitting, what was answered and any feedback. Not the HIT id (one
    HIT) nor the other times, and no empty cells: NaT, None and NaN mean nothing to a
    learner, and twelve columns run off the page."""
    answers = [c for c in frame.columns if c not in ASSIGNMENT_COLUMNS]
    shown = frame[["assignment_id", "worker_id", "status", "submit_time", *answers,
                   "requester_feedback"]].copy()
    if you:
        shown["worker_id"] = shown["worker_id"].where(shown["worker_id"] != you, f"{you} (you)")
    shown["submit_time"] = shown["submit_time"].dt.strftime("%H:%M:%S UTC")
    shown = shown.dropna(axis="columns", how="all")  # no feedback given yet: no column
    shown = shown.rename(columns={"assignment_id": "assignment", "worker_id": "worker",
                                  "submit_time": "submitted", "requester_feedback": "feedback"})
    return shown.to_html(index=False, escape=True, na_rep="")


@dataclass
class ReviewResult:
    approved: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # assignment id → why

    def __str__(self) -> str:
        text = f"approved {len(self.approved)}, rejected {len(self.rejected)}"
        return text + "".join(f"\n  skipped {a}: {why}" for a, why in self.skipped.items())


def review(
    client,
    frame_or_rows,
    approve: Iterable[str] | Mapping[str, str] = (),
    reject: Mapping[str, str] | None = None,
) -> ReviewResult:
    """Approve and reject assignments listed in an :func:`assignments_frame` (or its rows).

    ``approve`` is a list of assignment ids (or ``{id: feedback}``); ``reject`` maps each
    assignment id to the feedback the worker will read, which MTurk requires. Assignments
    already approved or rejected are skipped, so a review can be run again.
    """
    reject = dict(reject or {})
    approve = dict(approve) if isinstance(approve, Mapping) else dict.fromkeys(approve, "")
    both = set(approve) & set(reject)
    if both:
        raise ValueError(f"assignment {sorted(both)[0]} is both approved and rejected: pick one.")
    for assignment_id, feedback in reject.items():
        if not str(feedback or "").strip():
            raise ValueError(
                f"rejecting assignment {assignment_id} needs feedback for the worker: say why."
            )
    status = _statuses(frame_or_rows)
    result = ReviewResult()
    for assignment_id in [*approve, *reject]:
        if assignment_id not in status:
            raise ValueError(
                f"assignment {assignment_id} is not in the table you passed to review()."
            )
        if status[assignment_id] != "Submitted":
            result.skipped[assignment_id] = f"already {status[assignment_id]}"
    for assignment_id, feedback in approve.items():
        if assignment_id in result.skipped:
            continue
        kwargs = {"RequesterFeedback": feedback} if feedback else {}
        _review_one(client, "approve_assignment", assignment_id, "Approved", **kwargs)
        result.approved.append(assignment_id)
    for assignment_id, feedback in reject.items():
        if assignment_id in result.skipped:
            continue
        _review_one(
            client, "reject_assignment", assignment_id, "Rejected", RequesterFeedback=str(feedback)
        )
        result.rejected.append(assignment_id)
    return result


def _review_one(client, operation: str, assignment_id: str, status: str, **kwargs):
    """Approve or reject one assignment. If MTurk refuses because the assignment already
    has that status, an earlier try went through and only its answer was lost: done."""
    try:
        getattr(client, operation)(AssignmentId=assignment_id, **kwargs)
    except Exception as exc:
        if classify(exc).kind is not Kind.REQUEST_REFUSED:
            raise
        now = client.get_assignment(AssignmentId=assignment_id)
        if now["Assignment"]["AssignmentStatus"] != status:
            raise


def _statuses(frame_or_rows) -> dict[str, str]:
    rows = frame_or_rows.to_dict("records") if hasattr(frame_or_rows, "to_dict") else frame_or_rows
    return {row["assignment_id"]: row["status"] for row in rows}


# --- clean-up ------------------------------------------------------------------------------


@dataclass
class CleanupReport:
    """What :func:`cleanup` did (or, in a dry run, would do) with each of the kit's HITs."""

    dry_run: bool = False
    found: int = 0
    deleted: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    approved: int = 0
    waiting_for_review: dict[str, int] = field(default_factory=dict)  # HIT → submitted
    in_progress: dict[str, int] = field(default_factory=dict)  # HIT → workers still working
    failed: dict[str, str] = field(default_factory=dict)  # HIT → reason
    not_listed: str | None = None  # why the kit's HITs could not be listed (nothing was done)
    would_delete: list[str] = field(default_factory=list)  # dry run only
    would_expire: list[str] = field(default_factory=list)  # dry run only
    requests: int = 0
    throttled: int = 0
    most_throttles_in_one_call: int = 0
    seconds: float = 0.0

    @property
    def done(self) -> bool:
        """Nothing of the kit's is left to clean up."""
        return not (self.waiting_for_review or self.in_progress or self.failed
                    or self.not_listed) and (not self.dry_run or not self.found)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "found": self.found,
            "deleted": len(self.deleted),
            "expired": len(self.expired),
            "approved": self.approved,
            "waiting_for_review": len(self.waiting_for_review),
            "in_progress": len(self.in_progress),
            "failed": len(self.failed),
        }

    def lines(self) -> list[str]:
        if self.not_listed:
            return [f"could not list the kit's HITs, so nothing was cleaned up: {self.not_listed} "
                    "Run clean-up again in a minute."]
        if self.dry_run:
            out = [
                f"dry run: found {plural(self.found, 'kit HIT')}; nothing was changed",
                f"would expire {len(self.would_expire)}, approve "
                f"{plural(self.approved, 'assignment')} and delete {len(self.would_delete)}",
            ]
        else:
            done = [f"deleted {len(self.deleted)}"]
            if self.expired:
                done.append(f"expired {len(self.expired)}")
            if self.approved:
                done.append(f"approved {plural(self.approved, 'unreviewed assignment')}")
            out = [f"found {plural(self.found, 'kit HIT')}: {', '.join(done)}"]
        if self.waiting_for_review:
            n = sum(self.waiting_for_review.values())
            out.append(
                f"{len(self.waiting_for_review)} HITs wait for review ({n} submitted assignments): "
                "review them, or run cleanup(..., approve_submitted=True)"
            )
        if self.in_progress:
            out.append(
                f"{len(self.in_progress)} HITs have workers still working: run cleanup again "
                "once they submit or their time runs out"
            )
        if self.failed:
            out.append(f"{len(self.failed)} HITs could not be cleaned up: run cleanup again")
        for hit_id, reason in list(self.failed.items())[:5]:
            out.append(f"failed {hit_id}: {reason}")
        if len(self.failed) > 5:
            out.append(f"… and {len(self.failed) - 5} more failed (report.failed lists them all)")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines())
        return f"<ul>{items}</ul>"


def list_kit_hits(client, *, stats: CallStats | None = None) -> list[dict]:
    """Every HIT of the account that the kit created (all pages of ListHITs)."""
    hits, kwargs = [], {"MaxResults": 100}
    stats = stats if stats is not None else CallStats()
    while True:
        with stats.one_call():
            page = client.list_hits(**kwargs)
        hits.extend(h for h in page.get("HITs", []) if is_kit_hit(h))
        token = page.get("NextToken")
        if not token or not page.get("HITs"):
            return hits
        kwargs["NextToken"] = token


def is_kit_hit(hit: Mapping) -> bool:
    return str(hit.get("RequesterAnnotation") or "").startswith(KIT_MARKER)


def _submitted_count(hit: Mapping) -> int:
    """Submitted-but-unreviewed assignments, from the HIT's own counters."""
    return max(
        0,
        int(hit.get("MaxAssignments", 0))
        - int(hit.get("NumberOfAssignmentsAvailable", 0))
        - int(hit.get("NumberOfAssignmentsPending", 0))
        - int(hit.get("NumberOfAssignmentsCompleted", 0)),
    )


def cleanup(
    client,
    *,
    approve_submitted: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    max_rate: float = DEFAULT_MAX_RATE,
    max_workers: int = 16,
) -> CleanupReport:
    """Expire, (optionally) approve and delete every HIT the kit created.

    Live HITs are expired first. Submitted assignments are approved only with
    ``approve_submitted=True``; otherwise their HITs are reported as waiting for review.
    Requests run in ``max_workers`` threads, never more than ``max_rate`` per second;
    throttled and faulted calls are retried by botocore as the client was built to (give it
    ``clients.client(..., max_attempts=retry.BULK_MAX_ATTEMPTS)``), and a HIT that still
    fails is reported with the reason. Running it again picks up where it
    stopped. ``progress(done, total)`` is called after each HIT. ``dry_run=True`` only
    lists and reports what would happen.
    """
    started = time.perf_counter()
    report = CleanupReport(dry_run=dry_run)
    limiter = RateLimiter(max_rate)
    with paced(client, limiter) as stats:
        try:
            hits = list_kit_hits(client, stats=stats)
        except Exception as exc:  # noqa: BLE001 - reported: the learner runs it again
            report.not_listed = _reason(exc)
            report.seconds = time.perf_counter() - started
            return report
        report.found = len(hits)
        if progress:
            progress(0, len(hits))
        retire = _Retirer(client, stats, approve_submitted, dry_run)
        pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="mturklink-cleanup")
        queue = iter(hits)
        running: dict = {}

        def submit_next() -> None:
            hit = next(queue, None)
            if hit is not None:
                running[pool.submit(retire, hit)] = hit["HITId"]

        try:
            # At most max_workers HITs are handed out beyond those reported, so an
            # interrupted clean-up (Ctrl-C, a failing progress callback) stops sending at
            # once; running cleanup again picks up the rest.
            for _ in range(max(1, max_workers)):
                submit_next()
            done = 0
            while running:
                finished = next(as_completed(running))
                finished.result().add_to(report, running.pop(finished))
                done += 1
                if progress:
                    progress(done, len(hits))
                submit_next()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    report.requests = stats.requests
    report.throttled = stats.throttled
    report.most_throttles_in_one_call = stats.most_throttles_in_one_call
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Outcome:
    expired: bool = False
    deleted: bool = False
    approved: int = 0
    waiting: int = 0
    working: int = 0
    failure: str | None = None

    def add_to(self, report: CleanupReport, hit_id: str) -> None:
        report.approved += self.approved
        if self.expired:
            (report.would_expire if report.dry_run else report.expired).append(hit_id)
        if self.deleted:
            (report.would_delete if report.dry_run else report.deleted).append(hit_id)
        elif self.failure:
            report.failed[hit_id] = self.failure
        elif self.working:
            report.in_progress[hit_id] = self.working
        elif self.waiting:
            report.waiting_for_review[hit_id] = self.waiting


class _Retirer:
    """Retires one HIT: expire → (approve) → delete. Runs in a worker thread.

    In a dry run only reads are sent; each change is recorded as if it had succeeded.
    """

    def __init__(self, client, stats, approve_submitted: bool, dry_run: bool):
        self.client, self.stats = client, stats
        self.approve_submitted = approve_submitted
        self.dry_run = dry_run

    def _one(self, fn):
        with self.stats.one_call():  # botocore's retries of one call count as one call
            return fn()

    def _call(self, operation: str, **kwargs):
        if self.dry_run and not operation.startswith(("list_", "get_")):
            return {}
        return self._one(partial(getattr(self.client, operation), **kwargs))

    def __call__(self, hit: Mapping) -> _Outcome:
        outcome = _Outcome()
        try:
            self._retire(hit, outcome)
        except Exception as exc:  # reported per HIT; the other HITs carry on
            outcome.failure = _reason(exc)
        return outcome

    def _retire(self, hit: Mapping, outcome: _Outcome) -> None:
        hit_id = hit["HITId"]
        if hit.get("HITStatus") in LIVE_STATES:
            try:
                self._call("update_expiration_for_hit", HITId=hit_id, ExpireAt=PAST)
            except Exception as exc:
                # MTurk refuses the same expiry twice (mturk-evidence.md #12): botocore's
                # retry after a lost answer meets its first try's work. The HIT is expired.
                if not _already_processed(exc):
                    raise
            outcome.expired = True
        pending = int(hit.get("NumberOfAssignmentsPending", 0))
        if pending:
            outcome.working = pending
            return
        if _submitted_count(hit) and not self._settle(hit_id, outcome):
            return
        try:
            self._call("delete_hit", HITId=hit_id)
        except Exception as exc:
            if classify(exc).kind is not Kind.REQUEST_REFUSED:
                raise
            if self._gone(hit_id):  # an earlier try went through; only its answer was lost
                outcome.deleted = True
                return
            # The counters were stale (a worker submitted meanwhile): look, settle, retry once.
            approved_before = outcome.approved
            if not self._settle(hit_id, outcome):
                return
            if outcome.approved == approved_before:
                raise  # nothing to settle: MTurk's reason stands
            self._call("delete_hit", HITId=hit_id)
        outcome.deleted = True

    def _settle(self, hit_id: str, outcome: _Outcome) -> bool:
        """Approve submitted assignments if allowed; False when some are left for review."""
        submitted = self._one(lambda: _list_assignments(self.client, hit_id, ["Submitted"]))
        if submitted and not self.approve_submitted:
            outcome.waiting = len(submitted)
            return False
        for assignment in submitted:
            if not self.dry_run:
                self._one(partial(_review_one, self.client, "approve_assignment",
                                  assignment["AssignmentId"], "Approved"))
            outcome.approved += 1
        return True

    def _gone(self, hit_id: str) -> bool:
        """Whether the HIT is deleted (Disposed) or unknown to MTurk by now."""
        try:
            hit = self._call("get_hit", HITId=hit_id)["HIT"]
        except Exception as exc:
            if error_codes(exc)[1] != HIT_DOES_NOT_EXIST:
                raise
            return True
        return hit.get("HITStatus") == "Disposed"


def _already_processed(exc: Exception) -> bool:
    """MTurk's answer to a request it has done before: ``The idempotency token "…" has
    already been processed.`` (RequestError; its TurkErrorCode is not known for sure)."""
    if error_codes(exc)[0] != "RequestError":
        return False
    message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", ""))
    return "has already been processed" in message


def _reason(exc: Exception) -> str:
    return classify(exc).sentence()
