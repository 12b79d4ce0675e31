"""The test HIT's life: create, preview, answers as a table, review, clean up at scale.

End-to-end tests run against the MTurk simulator with boto3 clients made by
``clients.mturk_client`` from an IAM key that moto created, as a learner's kernel does (the
in-process ``mock_mturk()``: a tool for tests; learners' kernels use their world's server).
"""

from __future__ import annotations

import html.parser
import re
import xml.etree.ElementTree as ET

import pytest

from mturklink_helpers.endpoints import Environment
from mturklink_helpers.hits import (
    HTML_QUESTION_NS,
    parse_answers,
    survey_question,
)
from mturklink_helpers.pacing import RateLimiter

# --- the default question ------------------------------------------------------------------


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.inputs, self.labels, self.html_lang = [], [], set(), None
        self.legends = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "form":
            self.forms.append(a)
        elif tag in ("input", "textarea", "select"):
            self.inputs.append(a)
        elif tag == "label":
            self.labels.add(a.get("for"))
        elif tag == "legend":
            self.legends += 1


@pytest.mark.parametrize("environment", list(Environment))
def test_survey_is_an_html_question_that_submits_to_its_environment(environment):
    root = ET.fromstring(survey_question(environment))
    assert root.tag == f"{{{HTML_QUESTION_NS}}}HTMLQuestion"
    # The schema's sequence: HTMLContent, then FrameHeight (an integer).
    assert [child.tag.split("}")[1] for child in root] == ["HTMLContent", "FrameHeight"]
    int(root.find(f"{{{HTML_QUESTION_NS}}}FrameHeight").text)
    content = root.find(f"{{{HTML_QUESTION_NS}}}HTMLContent").text
    assert content.lstrip().startswith("<!DOCTYPE html>")
    page = _Page()
    page.feed(content)
    assert len(page.forms) == 1
    form = page.forms[0]
    assert form["action"] == environment.external_submit_url
    assert form["method"] == "post"
    assert any(i.get("name") == "assignmentId" and i.get("type") == "hidden" for i in page.inputs)


def test_survey_is_accessible():
    root = ET.fromstring(survey_question())
    page = _Page()
    page.feed(root.find(f"{{{HTML_QUESTION_NS}}}HTMLContent").text)
    assert page.html_lang == "en"
    visible = [i for i in page.inputs if i.get("type") != "hidden"]
    assert visible and all(i["id"] in page.labels for i in visible)  # every field has a label
    assert page.legends >= 1  # the radio group is named by a legend


def test_production_survey_never_posts_to_the_sandbox():
    assert "workersandbox" not in survey_question("production")
    assert "https://workersandbox.mturk.com/mturk/externalSubmit" in survey_question("sandbox")


# --- answers -------------------------------------------------------------------------------

ANSWERS = """<?xml version="1.0" encoding="ASCII"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
<Answer><QuestionIdentifier>clarity</QuestionIdentifier><FreeText>clear</FreeText></Answer>
<Answer><QuestionIdentifier>colours</QuestionIdentifier>
  <SelectionIdentifier>red</SelectionIdentifier><SelectionIdentifier>blue</SelectionIdentifier>
</Answer>
<Answer><QuestionIdentifier>comments</QuestionIdentifier><FreeText></FreeText></Answer>
</QuestionFormAnswers>"""


def test_question_form_answers_become_a_dict():
    assert parse_answers(ANSWERS) == {"clarity": "clear", "colours": "red|blue", "comments": ""}
    assert parse_answers("") == {}


# --- pacing --------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_requests_evenly():
    clock = FakeClock()
    limiter = RateLimiter(50, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(101):
        limiter.acquire()
        starts.append(clock.now)
    assert starts[-1] - starts[0] == pytest.approx(2.0)  # 100 gaps of 1/50 s


def test_rate_limiter_allows_a_burst_then_paces():
    clock = FakeClock()
    limiter = RateLimiter(10, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(0.1)]


def test_max_rate_must_be_positive():
    with pytest.raises(ValueError, match="max_rate must be a positive number"):
        RateLimiter(0)


def test_one_call_makes_at_most_max_attempts_http_attempts(world):
    """The one retry policy: botocore's standard mode, MAX_ATTEMPTS tries per call, never a
    loop of the kit's own around it (BULK_MAX_ATTEMPTS for the paced clean-up)."""
    from botocore.exceptions import ClientError

    from mturklink_helpers.clients import mturk_client
    from mturklink_helpers.retry import BULK_MAX_ATTEMPTS, MAX_ATTEMPTS

    sim, key = world
    sim.faults.configure(service_fault_rate=1.0)
    for attempts in (MAX_ATTEMPTS, BULK_MAX_ATTEMPTS):
        client = mturk_client(key, "sandbox", max_attempts=attempts)
        sent = []
        client.meta.events.register("request-created.mturk", lambda sent=sent, **_: sent.append(1))
        with pytest.raises(ClientError) as caught:
            client.get_account_balance()
        assert caught.value.response["Error"]["Code"] == "ServiceFault"
        assert len(sent) == attempts


# --- end to end, in the simulator ----------------------------------------------------------


@pytest.fixture
def world():
    """moto (IAM) + the MTurk simulator, and a learner's IAM key with MTurk full access."""
    import boto3
    from moto import mock_aws

    from mturklink_helpers.credentials import AccessKey
    from mturklink_helpers.simulator import mock_mturk

    with mock_aws(), mock_mturk(seed=0) as sim:
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="learner")
        iam.attach_user_policy(
            UserName="learner",
            PolicyArn="arn:aws:iam::aws:policy/AmazonMechanicalTurkFullAccess",
        )
        made = iam.create_access_key(UserName="learner")["AccessKey"]
        yield sim, AccessKey(made["AccessKeyId"], made["SecretAccessKey"], "learner")


@pytest.fixture
def sandbox(world):
    from mturklink_helpers.clients import mturk_client

    return mturk_client(world[1], "sandbox")


@pytest.fixture
def production(world):
    from mturklink_helpers.clients import mturk_client

    return mturk_client(world[1], "production")


def _all_hits(client) -> list[dict]:
    hits, kwargs = [], {"MaxResults": 100}
    while True:
        page = client.list_hits(**kwargs)
        hits += page["HITs"]
        if not page.get("NextToken") or not page["HITs"]:
            return hits
        kwargs["NextToken"] = page["NextToken"]


def _accounted_for(report) -> int:
    """Every HIT cleanup found ends in exactly one outcome: none is lost track of."""
    outcomes = [
        set(report.would_delete if report.dry_run else report.deleted),
        set(report.waiting_for_review),
        set(report.in_progress),
        set(report.failed),
    ]
    union = set().union(*outcomes)
    assert sum(len(o) for o in outcomes) == len(union)  # disjoint
    return len(union)


def test_lifecycle_create_answer_review_clean_up(world, sandbox):
    sim = world[0]
    from mturklink_helpers.hits import assignments_frame, cleanup, create_test_hit, review

    other = sandbox.create_hit(  # somebody else's HIT: clean-up must leave it alone
        Title="not the kit's",
        Description="d",
        Reward="0.05",
        MaxAssignments=1,
        LifetimeInSeconds=600,
        AssignmentDurationInSeconds=60,
        Question=survey_question("sandbox"),
    )["HIT"]["HITId"]

    hit = create_test_hit(sandbox)
    assert hit.environment is Environment.SANDBOX
    assert hit.preview_url == (
        f"https://workersandbox.mturk.com/mturk/preview?groupId={hit.hit_type_id}"
    )
    assert hit.manage_url.startswith("https://requestersandbox.mturk.com/")
    assert hit.hit_id in str(hit) and "href" in hit._repr_html_()
    described = sandbox.get_hit(HITId=hit.hit_id)["HIT"]
    assert described["Reward"] == "0.01" and described["MaxAssignments"] == 3
    assert described["RequesterAnnotation"].startswith("mturklink-test-hit")

    submitted = sim.workers_submit(hit.hit_id, count=3)
    frame = assignments_frame(sandbox, hit.hit_id)
    assert sorted(frame["assignment_id"]) == sorted(submitted)
    assert set(frame["status"]) == {"Submitted"}
    assert {"worker_id", "accept_time", "submit_time", "clarity", "comments"} <= set(frame.columns)
    assert set(frame["clarity"]) <= {"clear", "somewhat clear", "unclear"}
    assert frame["submit_time"].notna().all()

    first, second, third = frame["assignment_id"]
    result = review(sandbox, frame, approve=[first], reject={second: "The answers were empty."})
    assert (result.approved, result.rejected) == ([first], [second])
    after = assignments_frame(sandbox, hit.hit_id).set_index("assignment_id")
    assert after.loc[first, "status"] == "Approved" and after.loc[first, "approval_time"].year
    assert after.loc[second, "status"] == "Rejected"
    assert after.loc[second, "requester_feedback"] == "The answers were empty."
    again = review(sandbox, after.reset_index(), approve=[first])  # safe to run twice
    assert again.approved == [] and again.skipped == {first: "already Approved"}

    report = cleanup(sandbox)  # one assignment is still unreviewed: reported, not approved
    assert report.waiting_for_review == {hit.hit_id: 1} and report.deleted == []
    assert (
        assignments_frame(sandbox, hit.hit_id).set_index("assignment_id").loc[third, "status"]
        == "Submitted"
    )
    assert "review them" in str(report)

    report = cleanup(sandbox, approve_submitted=True)
    assert report.deleted == [hit.hit_id] and report.approved == 1 and report.done
    assert [h["HITId"] for h in _all_hits(sandbox)] == [other]
    assert cleanup(sandbox).found == 0  # nothing left; re-running is harmless


def test_review_refuses_unclear_instructions_before_sending_anything(world, sandbox):
    from mturklink_helpers.hits import assignments_frame, create_test_hit, review

    hit = create_test_hit(sandbox, assignments=1)
    (only,) = world[0].workers_submit(hit.hit_id, count=1)
    frame = assignments_frame(sandbox, hit.hit_id)
    with pytest.raises(ValueError, match="needs feedback for the worker"):
        review(sandbox, frame, reject={only: "  "})
    with pytest.raises(ValueError, match="not in the table"):
        review(sandbox, frame, approve=["NOPE"])
    with pytest.raises(ValueError, match="both approved and rejected"):
        review(sandbox, frame, approve=[only], reject={only: "no"})
    assert set(assignments_frame(sandbox, hit.hit_id)["status"]) == {"Submitted"}


def test_an_empty_hit_gives_an_empty_frame_with_the_usual_columns(world, sandbox):
    from mturklink_helpers.hits import ASSIGNMENT_COLUMNS, assignments_frame, create_test_hit

    frame = assignments_frame(sandbox, create_test_hit(sandbox, assignments=1).hit_id)
    assert frame.empty and list(frame.columns) == ASSIGNMENT_COLUMNS


def test_test_hits_stay_small(sandbox):
    from mturklink_helpers.hits import create_test_hit

    with pytest.raises(ValueError, match="1 to 3 assignments"):
        create_test_hit(sandbox, assignments=10)
    with pytest.raises(ValueError, match="lifetime_seconds must be 30 or more"):
        create_test_hit(sandbox, lifetime_seconds=10)
    assert _all_hits(sandbox) == []


def test_dry_run_changes_nothing(world, sandbox):
    from mturklink_helpers.hits import cleanup, create_test_hit

    live = create_test_hit(sandbox)
    answered = create_test_hit(sandbox, assignments=2)
    world[0].workers_submit(answered.hit_id, count=2)
    before = {h["HITId"]: h["HITStatus"] for h in _all_hits(sandbox)}

    report = cleanup(sandbox, dry_run=True)
    assert report.dry_run and report.found == 2
    assert report.would_delete == [live.hit_id]
    assert report.waiting_for_review == {answered.hit_id: 2}
    assert {h["HITId"]: h["HITStatus"] for h in _all_hits(sandbox)} == before
    assert "nothing was changed" in str(report)

    report = cleanup(sandbox, dry_run=True, approve_submitted=True)
    assert sorted(report.would_delete) == sorted([live.hit_id, answered.hit_id])
    assert report.approved == 2  # would approve
    assert {h["HITId"]: h["HITStatus"] for h in _all_hits(sandbox)} == before


def test_cleanup_reads_every_page_and_reports_progress(world, sandbox):
    from mturklink_helpers.hits import KIT_MARKER, cleanup, survey_question

    question = survey_question("sandbox")
    for _ in range(130):  # more than one page of ListHITs
        sandbox.create_hit(
            Title="t",
            Description="d",
            Reward="0.01",
            MaxAssignments=1,
            LifetimeInSeconds=600,
            AssignmentDurationInSeconds=60,
            Question=question,
            RequesterAnnotation=KIT_MARKER,
        )
    seen = []
    report = cleanup(
        sandbox, progress=lambda done, total: seen.append((done, total)), max_rate=1000
    )
    assert report.found == 130 and len(report.deleted) == 130 and report.done
    assert seen[0] == (0, 130) and seen[-1] == (130, 130) and len(seen) == 131
    assert _all_hits(sandbox) == []


def test_an_interrupted_cleanup_stops_sending_and_a_rerun_finishes(world, sandbox):
    from mturklink_helpers.hits import cleanup, create_test_hit

    for _ in range(20):
        create_test_hit(sandbox, assignments=1)

    class Stop(Exception):
        pass

    def impatient(done, total):
        if done == 3:
            raise Stop  # like Ctrl-C in a notebook

    with pytest.raises(Stop):
        cleanup(sandbox, progress=impatient, max_workers=1, max_rate=1000)
    left = len(_all_hits(sandbox))
    assert left >= 16  # the queued HITs were not sent for; at most one was in flight
    report = cleanup(sandbox, max_rate=1000)
    assert report.found == left and len(report.deleted) == left and report.done
    assert _all_hits(sandbox) == []


def test_cleanup_under_throttling_and_faults_finishes_and_loses_no_hit(world, sandbox):
    from mturklink_helpers.hits import cleanup, create_test_hit

    sim = world[0]
    hits = [create_test_hit(sandbox, assignments=2) for _ in range(6)]
    for hit in hits[:3]:
        sim.workers_submit(hit.hit_id, count=1)
    # The server throttles above 10 requests/s and fails a fifth of all calls; clean-up is
    # allowed to go faster than the throttle, so it meets both.
    sim.faults.configure(throttle_rps=10, service_fault_rate=0.2, seed=7)
    from mturklink_helpers.clients import mturk_client
    from mturklink_helpers.retry import BULK_MAX_ATTEMPTS

    bulk = mturk_client(world[1], "sandbox", max_attempts=BULK_MAX_ATTEMPTS)  # as the form does
    remaining = len(hits)
    for _ in range(10):
        report = cleanup(bulk, approve_submitted=True, max_rate=100)
        if report.not_listed:  # the listing itself failed: said so, nothing done, run again
            assert not report.done and report.found == 0 and not report.deleted
            continue
        assert report.found == remaining
        assert _accounted_for(report) == report.found
        remaining -= len(report.deleted)
        if report.done:
            break
    assert report.done and remaining == 0
    assert sim.faults.throttled and sim.faults.faulted  # the faults really happened
    sim.faults.configure()  # faults off, to look
    assert _all_hits(sandbox) == []


def test_a_rerun_finishes_what_faults_left_undone(world):
    """With botocore's own retries off, faults reach the kit: some HITs fail in a run, are
    reported with MTurk's reason, and the next run picks them up. One thread keeps the
    order of calls, and so the seeded faults, the same on every run of this test."""
    from botocore.config import Config

    from mturklink_helpers.hits import cleanup, create_test_hit

    sim, key = world
    client = key.session().client(
        "mturk",
        region_name="us-east-1",
        endpoint_url=Environment.SANDBOX.endpoint,
        config=Config(retries={"total_max_attempts": 1}),
    )
    hits = [create_test_hit(client, assignments=1) for _ in range(10)]
    sim.workers_submit(hits[0].hit_id, count=1)
    sim.faults.configure(service_fault_rate=0.3, seed=3)
    reports = []
    for _ in range(60):
        reports.append(
            cleanup(client, approve_submitted=True, max_workers=1, max_rate=1000)
        )
        assert _accounted_for(reports[-1]) == reports[-1].found
        if reports[-1].done:
            break
    assert reports[-1].done and len(reports) > 1
    first = next(r for r in reports if r.failed)  # a run may also fail to list at all
    assert all(r.startswith("AWS answered ServiceFault") and "try again" in r
               for r in first.failed.values())
    assert "run cleanup again" in str(first)
    for unlisted in (r for r in reports if r.not_listed):
        assert not unlisted.done and "nothing was cleaned up" in str(unlisted)
    assert sum(len(r.deleted) for r in reports) == len(hits)
    sim.faults.configure()
    assert _all_hits(client) == []


# --- the production guard --------------------------------------------------------------------


def test_production_refuses_to_spend_without_the_confirmed_total(world, production):
    from mturklink_helpers.fees import UnconfirmedSpendingError
    from mturklink_helpers.hits import create_test_hit

    sim = world[0]
    sim.set_balance("25.00")
    with pytest.raises(UnconfirmedSpendingError, match=r'confirm_total="0.06"'):
        create_test_hit(production)
    with pytest.raises(UnconfirmedSpendingError, match="does not match the \\$0.06"):
        create_test_hit(production, confirm_total="0.05")
    assert _all_hits(production) == []

    sim.set_balance("0.05")
    with pytest.raises(UnconfirmedSpendingError, match="balance is \\$0.05"):
        create_test_hit(production, confirm_total="0.06")
    assert _all_hits(production) == []
    assert production.get_account_balance()["AvailableBalance"] == "0.05"


def test_production_hit_with_the_confirmed_total(world, production):
    from mturklink_helpers.hits import create_test_hit

    world[0].set_balance("1.00")
    hit = create_test_hit(production, assignments=1, reward="0.50", confirm_total="0.60")
    assert hit.environment is Environment.PRODUCTION
    assert hit.preview_url.startswith("https://www.mturk.com/mturk/preview?groupId=")
    question = production.get_hit(HITId=hit.hit_id)["HIT"]["Question"]
    assert "https://www.mturk.com/mturk/externalSubmit" in question
    assert production.get_account_balance()["AvailableBalance"] == "0.40"


def test_answers_table_shows_what_a_learner_reviews_and_no_empty_cells(world, sandbox):
    """Notebook 06's table: assignment, worker, status, when, the answers and any feedback;
    not twelve columns of ids and times full of NaT, None and NaN."""
    sim = world[0]
    from mturklink_helpers.hits import answers_html, assignments_frame, create_test_hit, review

    hit = create_test_hit(sandbox, assignments=2)
    first, second = sim.workers_submit(hit.hit_id, count=2)
    html = answers_html(assignments_frame(sandbox, hit.hit_id))
    head = re.findall(r"<th>(.*?)</th>", html)
    assert head == ["assignment", "worker", "status", "submitted", "clarity", "comments"]
    assert first in html and second in html and "Submitted" in html
    assert not re.search(r">\s*(NaT|None|NaN|nan)\s*<", html)
    review(sandbox, assignments_frame(sandbox, hit.hit_id), reject={second: "Too short."})
    html = answers_html(assignments_frame(sandbox, hit.hit_id))
    assert re.findall(r"<th>(.*?)</th>", html)[-1] == "feedback" and "Too short." in html
    assert not re.search(r">\s*(NaT|None|NaN|nan)\s*<", html)
