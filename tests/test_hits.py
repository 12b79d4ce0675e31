"""The test HIT's life: create, preview, answers as a table, review, clean up at scale.

End-to-end tests run against the MTurk simulator with boto3 clients made by
``mturk_client`` from an IAM key that moto created, exactly as a learner's notebook does.
"""

from __future__ import annotations

import html.parser
import xml.etree.ElementTree as ET

import pytest

from mturklink_helpers.endpoints import Environment
from mturklink_helpers.hits import (
    HTML_QUESTION_NS,
    parse_answers,
    survey_question,
)
from mturklink_helpers.pacing import RateLimiter, call_with_retry

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


class _Throttled(Exception):
    response = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}


class _Refused(Exception):
    response = {"Error": {"Code": "RequestError", "Message": "no"}}


def test_retry_retries_throttling_with_growing_capped_waits_then_gives_up():
    clock = FakeClock()
    calls = []

    def always_throttled():
        calls.append(1)
        raise _Throttled

    with pytest.raises(_Throttled):
        call_with_retry(always_throttled, attempts=5, base=0.1, cap=0.3, sleep=clock.sleep)
    assert len(calls) == 5
    assert len(clock.sleeps) == 4
    assert all(0 <= s <= limit for s, limit in zip(clock.sleeps, [0.1, 0.2, 0.3, 0.3], strict=True))


def test_retry_does_not_retry_a_request_error():
    calls = []

    def refused():
        calls.append(1)
        raise _Refused

    with pytest.raises(_Refused):
        call_with_retry(refused, attempts=5, sleep=lambda s: None)
    assert len(calls) == 1
