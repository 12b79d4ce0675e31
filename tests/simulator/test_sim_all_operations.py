"""Every one of the 39 operations, called through boto3, answers in its output shape."""

from __future__ import annotations

import datetime as dt

import botocore.session
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, hit_args

MODEL = botocore.session.get_session().get_service_model("mturk")

QUESTION_FORM = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>colour</QuestionIdentifier>'
    "<QuestionContent><Text>Pick one</Text></QuestionContent><AnswerSpecification>"
    "<SelectionAnswer><Selections><Selection><SelectionIdentifier>red</SelectionIdentifier>"
    "<Text>Red</Text></Selection><Selection><SelectionIdentifier>blue</SelectionIdentifier>"
    "<Text>Blue</Text></Selection></Selections></SelectionAnswer></AnswerSpecification>"
    "</Question><Question><QuestionIdentifier>photo</QuestionIdentifier><QuestionContent>"
    "<Text>Upload</Text></QuestionContent><AnswerSpecification><FileUploadAnswer>"
    "<MaxFileSizeInBytes>100000</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes>"
    "</FileUploadAnswer></AnswerSpecification></Question></QuestionForm>"
)
NOTIFICATION = {"Destination": "https://sqs.us-east-1.amazonaws.com/123456789012/events",
                "Transport": "SQS", "Version": "2006-05-05", "EventTypes": ["AssignmentSubmitted"]}
PYTHON_TYPES = {"string": str, "integer": int, "long": int, "boolean": bool,
                "timestamp": dt.datetime, "list": list, "structure": dict, "double": float}


def shape_problems(shape, value, path="") -> list[str]:
    """What in ``value`` does not fit ``shape`` (empty when it fits)."""
    expected = PYTHON_TYPES[shape.type_name]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return [f"{path}: {type(value).__name__} is not {shape.type_name}"]
    problems = []
    if shape.type_name == "structure":
        for name, item in value.items():
            if name == "ResponseMetadata" and not path:
                continue
            if name not in shape.members:
                problems.append(f"{path}.{name}: not in the shape {shape.name}")
            else:
                problems += shape_problems(shape.members[name], item, f"{path}.{name}")
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            problems += shape_problems(shape.member, item, f"{path}[{i}]")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    return problems


def test_every_operation_answers_in_its_output_shape(mturk, sandbox):
    calls: dict[str, dict] = {}

    def record(http_response, parsed, model, **kwargs):
        if http_response.status_code == 200:
            calls[model.name] = parsed

    sandbox.meta.events.register("after-call.mturk", record)
    try:
        _call_everything(mturk, sandbox)
    finally:
        sandbox.meta.events.unregister("after-call.mturk", record)

    assert set(calls) == set(MODEL.operation_names)
    for name, parsed in calls.items():
        problems = shape_problems(MODEL.operation_model(name).output_shape, parsed)
        assert problems == [], name


def _call_everything(mturk, c):
    c.get_account_balance()
    type_id = c.create_hit_type(Title="Typed", Description="d", Reward="0.20",
                                AssignmentDurationInSeconds=300)["HITTypeId"]
    qual = c.create_qualification_type(Name="Trained", Description="Passed training",
                                       QualificationTypeStatus="Active")["QualificationType"]
    qid = qual["QualificationTypeId"]
    hit = c.create_hit(**hit_args(MaxAssignments=2, Question=QUESTION_FORM,
                                  QualificationRequirements=[{
                                      "QualificationTypeId": "000000000000000000L0",
                                      "Comparator": "GreaterThanOrEqualTo",
                                      "IntegerValues": [80]}],
                                  AssignmentReviewPolicy={
                                      "PolicyName": "ScoreMyKnownAnswers/2011-09-01",
                                      "Parameters": [{"Key": "AnswerKey", "MapEntries": [
                                          {"Key": "colour", "Values": ["red"]}]}]}))["HIT"]
    hit_id = hit["HITId"]
    other = c.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600,
                                       Question=QUESTION_FORM)["HIT"]
    gated = c.create_hit(**hit_args(Title="Gated", QualificationRequirements=[{
        "QualificationTypeId": qid, "Comparator": "Exists"}]))["HIT"]
    c.get_hit(HITId=hit_id)
    c.list_hits(MaxResults=10)
    a1, a2 = mturk.workers_submit(hit_id)
    assignment = c.get_assignment(AssignmentId=a1)["Assignment"]
    assert "<SelectionIdentifier>" in assignment["Answer"]
    worker = assignment["WorkerId"]
    c.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Submitted"])
    c.get_file_upload_url(AssignmentId=a1, QuestionIdentifier="photo")
    c.approve_assignment(AssignmentId=a1, RequesterFeedback="good")
    c.reject_assignment(AssignmentId=a2, RequesterFeedback="bad")
    c.send_bonus(WorkerId=worker, BonusAmount="0.25", AssignmentId=a1, Reason="Great work",
                 UniqueRequestToken="bonus-1")
    c.list_bonus_payments(HITId=hit_id)
    c.list_reviewable_hits(HITTypeId=hit["HITTypeId"])
    c.list_review_policy_results_for_hit(HITId=hit_id, RetrieveResults=True,
                                         RetrieveActions=True)
    c.update_hit_review_status(HITId=hit_id)
    c.update_hit_review_status(HITId=hit_id, Revert=True)
    c.update_hit_type_of_hit(HITId=other["HITId"], HITTypeId=type_id)
    c.create_additional_assignments_for_hit(HITId=other["HITId"], NumberOfAdditionalAssignments=2)
    c.update_expiration_for_hit(HITId=other["HITId"], ExpireAt=dt.datetime(2015, 1, 1))
    c.delete_hit(HITId=other["HITId"])
    c.get_qualification_type(QualificationTypeId=qid)
    c.update_qualification_type(QualificationTypeId=qid, Description="Passed the training")
    c.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
    c.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=worker,
                                          IntegerValue=5)
    assert c.get_qualification_score(QualificationTypeId=qid,
                                     WorkerId=worker)["Qualification"]["IntegerValue"] == 5
    c.list_workers_with_qualification_type(QualificationTypeId=qid)
    c.list_hits_for_qualification_type(QualificationTypeId=qid)
    c.disassociate_qualification_from_worker(QualificationTypeId=qid, WorkerId=worker,
                                             Reason="expired")
    [request_id, second] = mturk.request_qualification(qid, count=2)
    c.list_qualification_requests(QualificationTypeId=qid)
    c.accept_qualification_request(QualificationRequestId=request_id, IntegerValue=3)
    c.reject_qualification_request(QualificationRequestId=second, Reason="no")
    c.create_worker_block(WorkerId=worker, Reason="spam")
    c.list_worker_blocks()
    c.delete_worker_block(WorkerId=worker, Reason="sorry")
    c.notify_workers(Subject="Hello", MessageText="Thanks", WorkerIds=[worker])
    c.update_notification_settings(HITTypeId=type_id, Notification=NOTIFICATION, Active=True)
    c.send_test_event_notification(Notification=NOTIFICATION, TestEventType="Ping")
    assert gated["HITStatus"] == "Assignable"
    c.delete_qualification_type(QualificationTypeId=qid)


@pytest.mark.parametrize("call, expected_code, turk_code", [
    (lambda c: c.get_hit(HITId="NOPE"), "RequestError", "AWS.MechanicalTurk.HITDoesNotExist"),
    (lambda c: c.get_assignment(AssignmentId="NOPE"), "RequestError",
     "AWS.MechanicalTurk.AssignmentDoesNotExist"),
    (lambda c: c.get_qualification_type(QualificationTypeId="NOPE"), "RequestError",
     "AWS.MechanicalTurk.QualificationTypeDoesNotExist"),
    (lambda c: c.create_hit_with_hit_type(HITTypeId="NOPE", LifetimeInSeconds=60,
                                          Question="<x/>"), "RequestError",
     "AWS.MechanicalTurk.HITTypeDoesNotExist"),
    # the model's CurrencyAmount pattern (Dallinger #1052): ValidationException, no TurkErrorCode
    (lambda c: c.create_hit(**hit_args(Reward="fifty cents")), "ValidationException", None),
    # ParameterValidationError is not in botocore's model: boto3 shows only Code and Message
    (lambda c: c.create_hit(**hit_args(Question="<HTMLQuestion>")),
     "ParameterValidationError", None),
    (lambda c: c.create_hit(**hit_args(Question="<Survey xmlns='urn:x'/>")),
     "ParameterValidationError", None),
    (lambda c: c.accept_qualification_request(QualificationRequestId="NOPE"), "RequestError",
     "AWS.MechanicalTurk.QualificationRequestDoesNotExist"),
    (lambda c: c.list_hits(MaxResults=101), "ValidationException", None),
    (lambda c: c.list_bonus_payments(), "RequestError", "AWS.ParameterOutOfRange"),
])
def test_documented_request_errors(sandbox, call, expected_code, turk_code):
    with pytest.raises(ClientError) as excinfo:
        call(sandbox)
    code, _, turk = error_of(excinfo)
    assert (code, turk) == (expected_code, turk_code)


EXTERNAL = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
            'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
            "<ExternalURL>{url}</ExternalURL><FrameHeight>{height}</FrameHeight>"
            "</ExternalQuestion>")


@pytest.mark.parametrize("url, height, ok", [
    ("https://example.org/task", "600", True),
    ("http://example.org/task", "600", False),
    ("https://example.org/task", "tall", False),
])
def test_external_question_needs_https_and_a_frame_height(sandbox, url, height, ok):
    question = EXTERNAL.format(url=url, height=height)
    if ok:
        assert sandbox.create_hit(**hit_args(Question=question))["HIT"]["Question"] == question
    else:
        with pytest.raises(ClientError) as excinfo:
            sandbox.create_hit(**hit_args(Question=question))
        code, message, _ = error_of(excinfo)
        assert code == "ParameterValidationError"
        assert message.startswith(f'The value "{question}" is not valid for the parameter Question.')


def test_unique_request_token_makes_create_hit_idempotent(sandbox):
    sandbox.create_hit(**hit_args(UniqueRequestToken="once"))
    with pytest.raises(ClientError) as excinfo:
        sandbox.create_hit(**hit_args(UniqueRequestToken="once"))
    assert error_of(excinfo)[2] == "AWS.MechanicalTurk.HitAlreadyExists"
    assert sandbox.list_hits()["NumResults"] == 1


def test_bonus_token_pays_once_and_bonus_costs_fees(mturk):
    production = mturk.client("production")
    mturk.set_balance("10.00")
    hit_id = production.create_hit(**hit_args(Reward="1.00", MaxAssignments=1))["HIT"]["HITId"]
    [aid] = mturk.workers_submit(hit_id, environment="production")
    worker = production.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    production.send_bonus(WorkerId=worker, BonusAmount="1.00", AssignmentId=aid, Reason="x",
                          UniqueRequestToken="t")
    with pytest.raises(ClientError):
        production.send_bonus(WorkerId=worker, BonusAmount="1.00", AssignmentId=aid, Reason="x",
                              UniqueRequestToken="t")
    assert production.get_account_balance()["AvailableBalance"] == "7.60"  # 10 - 1.20 - 1.20
    assert len(production.list_bonus_payments(AssignmentId=aid)["BonusPayments"]) == 1


def test_additional_assignments_cannot_cross_ten(sandbox):
    hit_id = sandbox.create_hit(**hit_args(MaxAssignments=9))["HIT"]["HITId"]
    with pytest.raises(ClientError) as excinfo:
        sandbox.create_additional_assignments_for_hit(HITId=hit_id,
                                                      NumberOfAdditionalAssignments=1)
    assert error_of(excinfo)[2] == "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"


def test_workers_respect_requirements_blocks_and_max_assignments(mturk, sandbox):
    qid = sandbox.create_qualification_type(
        Name="Vetted", Description="d", QualificationTypeStatus="Active")["QualificationType"][
        "QualificationTypeId"]
    gated = sandbox.create_hit(**hit_args(MaxAssignments=5, QualificationRequirements=[
        {"QualificationTypeId": qid, "Comparator": "Exists"}]))["HIT"]["HITId"]
    assert mturk.workers_submit(gated) == []  # nobody holds the qualification yet
    open_hit = sandbox.create_hit(**hit_args(MaxAssignments=2))["HIT"]["HITId"]
    [first, second] = mturk.workers_submit(open_hit, count=5)  # capped by MaxAssignments
    worker = sandbox.get_assignment(AssignmentId=first)["Assignment"]["WorkerId"]
    sandbox.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=worker)
    [only] = mturk.workers_submit(gated)
    assert sandbox.get_assignment(AssignmentId=only)["Assignment"]["WorkerId"] == worker
    sandbox.create_worker_block(WorkerId=worker, Reason="spam")
    third = sandbox.create_hit(**hit_args(MaxAssignments=60))["HIT"]["HITId"]
    submitted = mturk.workers_submit(third)
    workers = {sandbox.get_assignment(AssignmentId=a)["Assignment"]["WorkerId"]
               for a in submitted}
    assert worker not in workers


def test_auto_granted_qualification_lets_workers_in(mturk, sandbox):
    qid = sandbox.create_qualification_type(
        Name="Open", Description="d", QualificationTypeStatus="Active", AutoGranted=True,
        AutoGrantedValue=7)["QualificationType"]["QualificationTypeId"]
    hit_id = sandbox.create_hit(**hit_args(MaxAssignments=1, QualificationRequirements=[
        {"QualificationTypeId": qid, "Comparator": "EqualTo", "IntegerValues": [7]}]))["HIT"][
        "HITId"]
    [aid] = mturk.workers_submit(hit_id)
    worker = sandbox.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    score = sandbox.get_qualification_score(QualificationTypeId=qid, WorkerId=worker)
    assert score["Qualification"]["IntegerValue"] == 7


def test_system_qualification_types_are_listed(sandbox):
    found = sandbox.list_qualification_types(MustBeRequestable=False, Query="Locale")
    assert [q["QualificationTypeId"] for q in found["QualificationTypes"]] == [
        "00000000000000000071"]


def test_notifications_record_events(mturk, sandbox):
    hit = sandbox.create_hit(**hit_args(MaxAssignments=1))["HIT"]
    sandbox.update_notification_settings(HITTypeId=hit["HITTypeId"], Notification=NOTIFICATION)
    mturk.workers_submit(hit["HITId"])
    with pytest.raises(ClientError):
        sandbox.send_test_event_notification(
            Notification=dict(NOTIFICATION, Destination="not-a-queue"), TestEventType="Ping")
    if mturk.mode == "inprocess":
        events = [e["EventType"] for e in mturk.sim.backend("sandbox").notifications_sent]
        assert events == ["AssignmentSubmitted"]
