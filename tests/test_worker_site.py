"""Be your own worker: the demo world's worker site, driven over HTTP as a browser drives it
(no AWS key, no admin token), and what the requester sees of it through boto3 and notebook
06's form. The real world process, through the shared fixtures.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from mturklink_helpers import world as worlds
from mturklink_helpers.widgets import TestHitForm

SITE = "workersandbox.mturk.com/mturk"
PREVIEWING = "ASSIGNMENT_ID_NOT_AVAILABLE"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads the 303 itself


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


class Browser:
    """The learner's browser on their world's worker site: GET and POST, nothing secret."""

    def __init__(self, world_url: str):
        self.base = f"{world_url}/{SITE}/"

    def open(self, page: str, form: dict | list | None = None):
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base + page, data=data)
        try:
            with _OPENER.open(request, timeout=30) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def problem(self, page: str, form=None) -> tuple[int, str]:
        """(status, the page's ✗ sentence) of a page that refuses."""
        status, _headers, body = self.open(page, form)
        found = re.search(r'id="problem">([^<]*)<', body)
        assert found, body[:400]
        return status, html.unescape(found.group(1))

    def accept(self, hit_id: str) -> str:
        status, headers, _ = self.open("accept", {"hitId": hit_id})
        assert status == 303, status
        location = headers["Location"]
        assert location.startswith("task?assignmentId="), location  # relative: proxy-proof
        return urllib.parse.parse_qs(location.split("?", 1)[1])["assignmentId"][0]

    def submit(self, assignment_id: str, **answers) -> int:
        status, headers, _ = self.open("externalSubmit", [("assignmentId", assignment_id),
                                                          *answers.items()])
        if status == 303:
            assert headers["Location"] == f"done?assignmentId={assignment_id}"
        return status


def frame_params(page: str) -> dict:
    """What the page gives its sandboxed frame (the address MTurk gives a HIT's frame)."""
    found = re.search(r'<iframe id="hit-frame"[^>]*sandbox="allow-scripts allow-forms"'
                      r'[^>]*data-hit="([^"]*)"', page)
    assert found, "no sandboxed frame on the page"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture
def learner(kit, monkeypatch):
    """Notebook 06's form with a test HIT (2 assignments), and the learner's browser."""
    for name in ("JPY_PARENT_PID", "JUPYTERHUB_SERVICE_PREFIX"):
        monkeypatch.delenv(name, raising=False)  # not under a notebook server: a direct link
    form = TestHitForm(kit=kit)
    form.create_button.click()
    assert form.status_text.startswith("✓ Done: created your test HIT"), form.status_text
    return form, Browser(kit.world.url)


def test_the_preview_link_opens_the_worlds_worker_site(learner, kit):
    form, browser = learner
    hit = form.hit
    assert hit.preview_url == f"{kit.world.url}/{SITE}/preview?hitId={hit.hit_id}"
    # A short link to click, the long address only in it (not as text wrapping over lines).
    link = re.search(r"<a [^>]*href='([^']*)'[^>]*>([^<]*)</a>", form.hit_box.value)
    assert link and html.unescape(link.group(1)) == hit.preview_url, form.hit_box.value
    assert link.group(2) == "Open the preview (what a worker sees) ↗"
    assert "be its worker in the preview" in form.output.value
    status, headers, page = browser.open(f"preview?hitId={hit.hit_id}")
    assert status == 200
    assert "Test HIT from the mturklink teaching kit" in page and "You are previewing" in page
    assert kit.world.learner_worker_id() in page and ">Accept</button>" in page
    hit_frame = frame_params(page)
    assert hit_frame["params"] == {"assignmentId": PREVIEWING, "hitId": hit.hit_id}
    assert "https://workersandbox.mturk.com/mturk/externalSubmit" in hit_frame["submitUrls"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # No key and no token on any page, and none asked for.
    secrets = [kit.world._token, kit.key.reveal_secret(), kit.key.access_key_id]
    assert not [s for s in secrets if s in page]

    status, headers, question = browser.open(f"frame?hitId={hit.hit_id}&assignmentId={PREVIEWING}")
    assert status == 200
    assert headers["Content-Security-Policy"].startswith("sandbox allow-scripts allow-forms")
    assert question.lstrip().startswith("<!DOCTYPE html>")  # the shim does not break the doctype
    assert 'name="mturk_form"' in question and "mturklink-submit" in question
    assert not [s for s in secrets if s in question]


def test_accept_submit_and_the_answer_is_the_requesters_to_review(learner, kit):
    form, browser = learner
    hit, mturk = form.hit, kit.mturk("sandbox")
    mine = browser.accept(hit.hit_id)
    counted = mturk.get_hit(HITId=hit.hit_id)["HIT"]
    assert (counted["NumberOfAssignmentsPending"], counted["NumberOfAssignmentsAvailable"]) == (1, 1)
    status, _, task = browser.open(f"task?assignmentId={mine}")
    assert status == 200 and "You accepted this HIT" in task
    # The deadline as a worker reads it: minutes left, and a clock time the page's script
    # shows in the reader's own time zone (UTC until it runs).
    deadline = mturk.get_hit(HITId=hit.hit_id)["HIT"]["AssignmentDurationInSeconds"] // 60
    assert re.search(rf"within {deadline} minutes \(by <time datetime=\"[0-9T:-]+Z\">"
                     r"\d\d:\d\d UTC</time>\)", task), task
    assert 'querySelectorAll("time[datetime]")' in task
    assert frame_params(task)["params"] == {"assignmentId": mine, "hitId": hit.hit_id,
                                            "workerId": kit.world.learner_worker_id()}
    # Accepted is not submitted: the requester does not see it yet.
    assert mturk.list_assignments_for_hit(HITId=hit.hit_id)["Assignments"] == []

    assert browser.submit(mine, clarity="clear", comments="I was my own worker.") == 303
    status, _, done = browser.open(f"done?assignmentId={mine}")
    assert status == 200 and "Your answer was submitted" in done and "I was my own worker." in done
    shown = re.sub(r"<(style|script)\b.*?</\1>|<[^>]+>", " ", done.split("<body>")[1],
                   flags=re.S)
    assert "externalSubmit" not in shown and len(shown.split()) < 60, shown  # was 79 words

    assert form.review_box.layout.display == "none"  # nothing to review yet: no controls
    form.simulate_button.click()  # the simulated workers take what is left: one
    assert form.status_text == "✓ Done: 1 simulated worker answered.", form.status_text
    form.answers_button.click()
    assert form.status_text == "✓ Done: 2 answers, 1 of them yours.", form.status_text
    assert f"{kit.world.learner_worker_id()} (you)" in form.output.value
    assert "I was my own worker." in form.output.value
    assert ("you: " + mine, mine) in form.assignment.options  # whose it is, in the list
    assert form.assignment.value == mine  # the learner's own, chosen for them
    assert form.review_box.layout.display != "none"
    assert hit.preview_url in html.unescape(form.hit_box.value)  # the HIT's links stay
    form.approve_button.click()
    assert "approved 1" in form.status_text, form.status_text
    assert "The requester approved your answer" in browser.open(f"done?assignmentId={mine}")[2]

    form.cleanup_button.click()  # the simulated answer is unreviewed: asks first
    form.cleanup_button.click()
    assert form.status_text.startswith("✓ Done: nothing of the kit is left"), form.status_text
    assert browser.problem(f"preview?hitId={hit.hit_id}")[0] == 404
    # `demo status` agrees with clean-up: no HIT and no assignment left in the sandbox.
    status = worlds.status(kit.home)
    assert (status["hits"]["sandbox"], status["assignments"]["sandbox"]) == (0, 0), status


def test_the_learners_answer_has_the_shape_of_a_real_one(learner, kit):
    """The Answer of a real HTML-form assignment, as ListAssignmentsForHIT returned it
    (boto/botocore #1167, 2017-03-16): a UTF-8 declaration, one element a line, each form
    field a FreeText named after it, an empty field ``<FreeText/>``."""
    form, browser = learner
    mturk = kit.mturk("sandbox")
    mine = browser.accept(form.hit.hit_id)
    assert browser.submit(mine, clarity="somewhat clear", comments="") == 303
    kit.world.workers_submit(form.hit.hit_id)
    listed = mturk.list_assignments_for_hit(HITId=form.hit.hit_id)["Assignments"]
    ours = next(a for a in listed if a["AssignmentId"] == mine)
    theirs = next(a for a in listed if a["AssignmentId"] != mine)
    assert ours["Answer"] == (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">\n'
        "<Answer>\n<QuestionIdentifier>clarity</QuestionIdentifier>\n"
        "<FreeText>somewhat clear</FreeText>\n</Answer>\n"
        "<Answer>\n<QuestionIdentifier>comments</QuestionIdentifier>\n<FreeText/>\n</Answer>\n"
        "</QuestionFormAnswers>")  # assignmentId is MTurk's, not an answer
    assert theirs["Answer"].startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n')
    assert set(ours) == set(theirs)  # the same members as any other worker's assignment
    assert ours["WorkerId"] == kit.world.learner_worker_id() != theirs["WorkerId"]
    assert ours["AssignmentStatus"] == "Submitted"
    assert ours["AcceptTime"] <= ours["SubmitTime"] < ours["Deadline"]
    assert ours["AutoApprovalTime"] - ours["SubmitTime"] == dt.timedelta(days=3)
    assert re.fullmatch(r"A[A-Z0-9]{13}", ours["WorkerId"])


def test_refusals_say_why_in_words(learner, kit):
    form, browser = learner
    hit_id, mturk = form.hit.hit_id, kit.mturk("sandbox")
    assert browser.problem("preview?hitId=not-a-hit") == (
        404, "The address names no HIT: a HIT id is 30 capital letters and digits.")
    status, said = browser.problem("preview?hitId=" + "X" * 30)
    assert status == 404 and said.startswith(f"There is no HIT {'X' * 30} in this sandbox")
    assert browser.problem("somewhere")[0] == 404
    assert browser.problem("externalSubmit", {"assignmentId": PREVIEWING, "clarity": "clear"}) == (
        400, "You are previewing this HIT: accept it before you submit its form.")
    assert browser.problem("externalSubmit", {"clarity": "clear"})[1].startswith(
        "The form sent no assignmentId")

    mine = browser.accept(hit_id)
    assert browser.problem("accept", {"hitId": hit_id})[1] == (
        "You already accepted this HIT: answer it and submit.")
    status, headers, _ = browser.open(f"preview?hitId={hit_id}")  # back to the preview: on to it
    assert status == 303 and headers["Location"] == f"task?assignmentId={mine}"
    theirs = kit.world.workers_submit(hit_id)[0]
    assert browser.problem("externalSubmit", {"assignmentId": theirs}) == (
        403, f"Assignment {theirs} is another worker's.")
    assert browser.submit(mine, clarity="clear", comments="once") == 303
    assert browser.problem("externalSubmit", {"assignmentId": mine, "clarity": "unclear"}) == (
        409, "You already submitted this HIT (its answer is Submitted).")
    _, _, again = browser.open(f"preview?hitId={hit_id}")
    assert "You already submitted this HIT" in again and "once" in again

    other = TestHitForm(kit=kit)  # a second HIT, one assignment, taken by a simulated worker
    other.assignments.value = 1
    other.create_button.click()
    kit.world.workers_submit(other.hit.hit_id)
    status, _, page = browser.open(f"preview?hitId={other.hit.hit_id}")
    assert status == 200 and "This HIT has no assignments left" in page
    assert '<button type="submit" disabled>Accept</button>' in page
    assert browser.problem("accept", {"hitId": other.hit.hit_id}) == (
        409, "This HIT has no assignments left: all 1 are taken by workers who accepted or "
             "submitted it.")

    mturk.update_expiration_for_hit(HITId=other.hit.hit_id, ExpireAt=dt.datetime(2015, 1, 1))
    status, said = browser.problem(f"preview?hitId={other.hit.hit_id}")
    assert status == 410 and said.startswith("This HIT is no longer available: it expired on")


def test_returned_or_out_of_time_the_assignment_goes_back_to_the_hit(learner, kit):
    form, browser = learner
    hit_id, mturk = form.hit.hit_id, kit.mturk("sandbox")
    mine = browser.accept(hit_id)
    status, headers, _ = browser.open("return", {"assignmentId": mine})
    assert status == 303 and headers["Location"] == f"preview?hitId={hit_id}"
    assert mturk.get_hit(HITId=hit_id)["HIT"]["NumberOfAssignmentsAvailable"] == 2
    assert browser.problem(f"task?assignmentId={mine}") == (
        410, "You returned this HIT: its assignment went back to the HIT.")

    again = browser.accept(hit_id)  # a worker who returned a HIT may take it again
    assert again != mine
    kit.world.sleep(601)  # the test HIT gives 10 minutes
    status, said = browser.problem(f"task?assignmentId={again}")
    assert status == 410 and said.startswith("Your time for this HIT ran out at")
    counted = mturk.get_hit(HITId=hit_id)["HIT"]
    assert (counted["NumberOfAssignmentsPending"], counted["NumberOfAssignmentsAvailable"]) == (0, 2)
    assert browser.problem("externalSubmit", {"assignmentId": again})[0] == 410


def test_the_worker_sites_changes_survive_a_world_restart(learner, kit, world_home):
    form, browser = learner
    hit_id, you = form.hit.hit_id, kit.world.learner_worker_id()
    accepted = browser.accept(hit_id)
    assert worlds.stop(world_home) is True

    restarted = worlds.connect(world_home)  # replays the journal: the acceptance is there
    browser = Browser(restarted.url)
    assert restarted.learner_worker_id() == you
    status, _, task = browser.open(f"task?assignmentId={accepted}")
    assert status == 200 and "You accepted this HIT" in task
    assert browser.submit(accepted, clarity="unclear", comments="after a restart") == 303
    assert worlds.stop(world_home) is True

    restarted = worlds.connect(world_home)
    listed = kit.mturk("sandbox").list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert [(a["AssignmentId"], a["WorkerId"]) for a in listed] == [(accepted, you)]
    assert "<FreeText>after a restart</FreeText>" in listed[0]["Answer"]
    assert "after a restart" in Browser(restarted.url).open(f"done?assignmentId={accepted}")[2]
