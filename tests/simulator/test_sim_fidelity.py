"""Fidelity: the real MTurk's recorded answers, replayed against the simulator.

Every test replays one exchange of shared/reference/mturk-recorded.json or one checkable
fact of shared/reference/mturk-evidence.md (section 2's rows), in-process (mock_mturk) and
through the HTTP server (the ``mturk`` fixture runs each test both ways). Each docstring
names its source. What cannot be reproduced is listed in docs/simulator.md, "What we know
and what we assume".
"""

from __future__ import annotations

import datetime as dt
import json
import re

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT, error_of, hit_args

SANDBOX_MARK = re.compile(r" \(\d{13} s\)$")
PRODUCTION_MARK = re.compile(r" \(\d{13}\)$")
QUESTION_FORM = (
    '<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier>'
    "<QuestionContent><Text>Pick one</Text></QuestionContent><AnswerSpecification>"
    "<FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>"
)


def unmarked(message: str, environment: str = "sandbox") -> str:
    """The message without its request marker; fails if the marker is not the
    environment's (``(ms s)`` sandbox, ``(ms)`` production: evidence §1)."""
    mark = SANDBOX_MARK if environment == "sandbox" else PRODUCTION_MARK
    assert mark.search(message), f"no {environment} marker in {message!r}"
    return mark.sub("", message)


class Raw:
    """The raw HTTP answer behind a boto3 call (botocore's after-call event)."""

    def __init__(self, client):
        self.response = None
        client.meta.events.register("after-call.mturk", self._keep)

    def _keep(self, http_response, **_):
        self.response = http_response

    @property
    def body(self) -> list[tuple[str, object]]:
        """The JSON body's members, in the order the server wrote them."""
        return json.loads(self.response.content, object_pairs_hook=list)

    @property
    def headers(self) -> dict:
        return {k.lower(): v for k, v in self.response.headers.items()}


def fails(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo


def client_for(mturk, environment="sandbox", key=None, **options):
    """A fresh boto3 client (so hooks and options stay in this test)."""
    key = key or mturk.key
    config = Config(retries={"max_attempts": 1, "mode": "standard"},
                    **options.pop("config", {}))
    return boto3.client("mturk", region_name=options.pop("region", "us-east-1"),
                        endpoint_url=mturk.endpoint(environment), config=config,
                        aws_access_key_id=key[0], aws_secret_access_key=key[1])


def submitted_hit(mturk, client, environment="sandbox", count=1, **over):
    if environment == "production":
        mturk.set_balance("100.00")
    hit_id = client.create_hit(**hit_args(MaxAssignments=count, **over))["HIT"]["HITId"]
    return hit_id, mturk.workers_submit(hit_id, environment=environment)


# --- section 1: recorded exchanges ------------------------------------------------------


def test_reject_twice_production_raw_body(mturk):
    """NRGI/resourcecontracts.org #1384 (grade A): RejectAssignment on an assignment no
    longer Submitted, production: HTTP 400, body keys __type, Message, TurkErrorCode, the
    marker without ' s'."""
    production = client_for(mturk, "production")
    raw = Raw(production)
    _, [aid] = submitted_hit(mturk, production, "production")
    production.approve_assignment(AssignmentId=aid)
    fails(lambda: production.reject_assignment(AssignmentId=aid, RequesterFeedback="no"))
    assert raw.response.status_code == 400
    keys = [k for k, _ in raw.body]
    assert keys == ["__type", "Message", "TurkErrorCode"]
    body = dict(raw.body)
    assert body["__type"] == "RequestError"
    assert body["TurkErrorCode"] == "AWS.MechanicalTurk.InvalidAssignmentState"
    assert unmarked(body["Message"], "production") == (
        "This operation can be called with a status of: Submitted")


def test_hit_does_not_exist_production(mturk):
    """NRGI #1384 (grade A) and aws-cli #6116 (grade B): 'Hit X does not exist. (ms)' in
    production, lower-case 'it', HITDoesNotExist."""
    production = client_for(mturk, "production")
    raw = Raw(production)
    excinfo = fails(lambda: production.get_hit(HITId="3PR3LXCWSFNV4OJWZBHIMQOIJVSX9G"))
    code, message, turk = error_of(excinfo)
    assert (code, turk) == ("RequestError", "AWS.MechanicalTurk.HITDoesNotExist")
    assert unmarked(message, "production") == "Hit 3PR3LXCWSFNV4OJWZBHIMQOIJVSX9G does not exist."
    assert raw.response.status_code == 400


def test_hit_does_not_exist_sandbox_add_assignments(mturk):
    """longouyang/nosub #11 (grade B): adding assignments to a HIT the sandbox does not
    know: 'Hit X does not exist. (ms s)'."""
    excinfo = fails(lambda: mturk.client("sandbox").create_additional_assignments_for_hit(
        HITId="311HQEI8RSPHPKL05J2BY6UEZVE7Z0", NumberOfAdditionalAssignments=1))
    assert unmarked(error_of(excinfo)[1]) == "Hit 311HQEI8RSPHPKL05J2BY6UEZVE7Z0 does not exist."


def test_wrong_region_scope_is_refused(mturk):
    """NRGI #1195 (grade A, status 400) and jcjohnson/simple-amt #29 (grade B): a client
    scoped to another region is refused with InvalidSignatureException before anything."""
    for region in ("us-west-1", "us-west-2"):
        client = client_for(mturk, region=region)
        raw = Raw(client)
        code, message, _ = error_of(fails(client.get_account_balance))
        assert code == "InvalidSignatureException"
        assert message.strip() == f"Credential should be scoped to a valid region, not '{region}'."
        assert raw.response.status_code == 400


def test_parameter_validation_error_raw_body_and_headers(mturk, sandbox):
    """boto3 #2108 (grade A, botocore debug log): UpdateQualificationType with a Test that
    is not a valid QuestionForm, sandbox: HTTP 400 ParameterValidationError, keys
    __type, Message, Parameter, TurkErrorCode; the XML echoed; headers x-amzn-RequestId,
    Content-Type, Content-Length, Date."""
    qid = sandbox.create_qualification_type(
        Name="Test qual", Description="d", QualificationTypeStatus="Active",
        Test=QUESTION_FORM, TestDurationInSeconds=30)["QualificationType"]["QualificationTypeId"]
    client = client_for(mturk)
    raw = Raw(client)
    bad = QUESTION_FORM.replace("</QuestionForm>", "")
    code, message, _ = error_of(fails(lambda: client.update_qualification_type(
        QualificationTypeId=qid, Test=bad, TestDurationInSeconds=30)))
    assert code == "ParameterValidationError"
    assert raw.response.status_code == 400
    assert [k for k, _ in raw.body] == ["__type", "Message", "Parameter", "TurkErrorCode"]
    body = dict(raw.body)
    assert body["Parameter"] == "Test"
    assert body["TurkErrorCode"] == "AWS.MechanicalTurk.InvalidParameterValue"
    assert unmarked(message) == f'The value "{bad}" is not valid for the parameter Test.'
    headers = raw.headers
    assert {"x-amzn-requestid", "content-type", "content-length", "date"} <= set(headers)
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert int(headers["content-length"]) == len(raw.response.content)
    dt.datetime.strptime(headers["date"], "%a, %d %b %Y %H:%M:%S GMT")  # one RFC 1123 date


def test_qualification_score_without_qualification_production(mturk):
    """Dallinger #3331 (grade A, 'Live'): GetQualificationScore for a worker without the
    qualification: 'You requested a Qualification that does not exist. (ms)'."""
    production = client_for(mturk, "production")
    raw = Raw(production)
    qid = production.create_qualification_type(
        Name="score", Description="d", QualificationTypeStatus="Active",
    )["QualificationType"]["QualificationTypeId"]
    fails(lambda: production.get_qualification_score(QualificationTypeId=qid,
                                                     WorkerId="A1NOBODY0000"))
    assert [k for k, _ in raw.body] == ["__type", "Message", "TurkErrorCode"]
    body = dict(raw.body)
    assert body["TurkErrorCode"] == "AWS.MechanicalTurk.QualificationDoesNotExist"
    assert unmarked(body["Message"], "production") == (
        "You requested a Qualification that does not exist.")


@pytest.mark.parametrize("environment", ["production", "sandbox"])
def test_duplicate_qualification_type_name(mturk, environment):
    """Dallinger #3331 (grade A, production) and #8399 (grade B, sandbox); Mephisto's
    mturk_utils checks startswith('You have already created a QualificationType with this
    name.')."""
    client = client_for(mturk, environment)
    spec = dict(Name="dup", Description="d", QualificationTypeStatus="Active")
    client.create_qualification_type(**spec)
    code, message, turk = error_of(fails(lambda: client.create_qualification_type(**spec)))
    assert (code, turk) == ("RequestError", "AWS.MechanicalTurk.QualificationTypeAlreadyExists")
    assert unmarked(message, environment) == (
        "You have already created a QualificationType with this name. A QualificationType's "
        "name must be unique among all of the QualificationTypes created by the same user.")
    assert message.startswith("You have already created a QualificationType with this name.")


def test_sandbox_not_linked_has_no_marker(mturk, sandbox):
    """nodeGame/nodegame #132 (grade A-): GetAccountBalance and ApproveAssignment on a
    sandbox the AWS account is not linked to: RequestError, AWS.AccountNotLinked, no marker."""
    mturk.register_sandbox(False)
    for call in (sandbox.get_account_balance,
                 lambda: sandbox.approve_assignment(AssignmentId="NOPE")):
        code, message, turk = error_of(fails(call))
        assert (code, turk) == ("RequestError", "AWS.AccountNotLinked")
        assert message == (
            "To use the MTurk API, you will need an Amazon Web Services (AWS) Account. Your "
            "AWS account must be linked to your Amazon Mechanical Turk Account. Visit "
            "https://requestersandbox.mturk.com/developer to get started.")


def test_list_reviewable_hits_gives_only_ids(mturk, sandbox):
    """aws/aws-sdk-js #2522 (grade B): ListReviewableHITs items carry only HITId."""
    hit_id, _ = submitted_hit(mturk, sandbox)
    page = sandbox.list_reviewable_hits()
    assert page["NumResults"] == 1
    assert page["HITs"] == [{"HITId": hit_id}]
    assert "NextToken" in page


# --- SDK-rendered real errors (grade B) ---------------------------------------------------


def test_delete_hit_with_unreviewed_assignments(mturk, sandbox):
    """boto3 #2107: DeleteHIT on a Reviewable HIT whose assignment is not yet approved."""
    hit_id, _ = submitted_hit(mturk, sandbox)
    message = error_of(fails(lambda: sandbox.delete_hit(HITId=hit_id)))[1]
    assert unmarked(message) == ("This HIT is currently in the state 'Reviewable'.  This "
                                 "operation can be called with a status of: Reviewing, Reviewable")


def test_approve_twice(mturk, sandbox):
    """Dallinger #1398, #3072: ApproveAssignment twice."""
    _, [aid] = submitted_hit(mturk, sandbox)
    sandbox.approve_assignment(AssignmentId=aid)
    code, message, turk = error_of(fails(lambda: sandbox.approve_assignment(AssignmentId=aid)))
    assert (code, turk) == ("RequestError", "AWS.MechanicalTurk.InvalidAssignmentState")
    assert unmarked(message) == "This operation can be called with a status of: Submitted"


def java_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def test_update_expiration_repeated_is_already_processed(mturk, sandbox):
    """Dallinger #3109: the same UpdateExpirationForHIT again: 'The idempotency token
    "<HITId><date>" has already been processed.' (the date as Java writes it)."""
    hit_id = sandbox.create_hit(**hit_args())["HIT"]["HITId"]
    when = mturk.now() + dt.timedelta(days=2)
    sandbox.update_expiration_for_hit(HITId=hit_id, ExpireAt=when)
    code, message, _ = error_of(fails(
        lambda: sandbox.update_expiration_for_hit(HITId=hit_id, ExpireAt=when)))
    assert code == "RequestError"
    assert unmarked(message) == (
        f'The idempotency token "{hit_id}{java_date(when)}" has already been processed.')
    assert java_date(dt.datetime(2021, 7, 14, 20, 26, 6, tzinfo=dt.UTC)) == (
        "Wed Jul 14 20:26:06 UTC 2021")  # the form of the recorded token


def test_update_expiration_to_a_nearer_future_time(mturk):
    """aws-sdk-ruby #2065: ExpireAt now + 30 s on a HIT that expires later is an increment
    below 60 s: ParameterValidationError, the range form, HTTP 400 (production marker)."""
    production = client_for(mturk, "production")
    raw = Raw(production)
    mturk.set_balance("10.00")
    hit = production.create_hit(**hit_args(MaxAssignments=1))["HIT"]
    code, message, _ = error_of(fails(lambda: production.update_expiration_for_hit(
        HITId=hit["HITId"], ExpireAt=mturk.now() + dt.timedelta(seconds=30))))
    assert code == "ParameterValidationError"
    assert raw.response.status_code == 400
    assert dict(raw.body)["Parameter"] == "ExpirationIncrementInSeconds"
    assert unmarked(message, "production") == (
        "The value -3570 is invalid for ExpirationIncrementInSeconds. "
        "Valid values range from 60 to 31536000.")


def test_update_expiration_semantics(mturk, sandbox):
    """aws-sdk-ruby #2065 (evidence §2 row 11): a future time is an increment over the
    current expiration (60 s to 365 days); a past time expires the HIT at once."""
    hit = sandbox.create_hit(**hit_args())["HIT"]
    expiration = hit["Expiration"]
    small = fails(lambda: sandbox.update_expiration_for_hit(
        HITId=hit["HITId"], ExpireAt=expiration + dt.timedelta(seconds=59)))
    assert unmarked(error_of(small)[1]).startswith(
        "The value 59 is invalid for ExpirationIncrementInSeconds.")
    sandbox.update_expiration_for_hit(HITId=hit["HITId"],
                                      ExpireAt=expiration + dt.timedelta(seconds=60))
    assert sandbox.get_hit(HITId=hit["HITId"])["HIT"]["Expiration"] == (
        expiration + dt.timedelta(seconds=60))
    sandbox.update_expiration_for_hit(HITId=hit["HITId"],
                                      ExpireAt=mturk.now() - dt.timedelta(hours=1))
    after = sandbox.get_hit(HITId=hit["HITId"])["HIT"]
    assert after["Expiration"] == mturk.now()
    assert after["HITStatus"] == "Reviewable"


def test_worker_block_for_a_production_worker_in_the_sandbox(mturk, sandbox):
    """aws/aws-sdk-java #2055: CreateWorkerBlock with a production worker id in the sandbox:
    ParameterValidationError 'The value "…" is not valid for the parameter WorkerId.'"""
    production = client_for(mturk, "production")
    _, [aid] = submitted_hit(mturk, production, "production")
    worker = production.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    raw = Raw(client := client_for(mturk))
    code, message, _ = error_of(fails(lambda: client.create_worker_block(
        WorkerId=worker, Reason="spam")))
    assert code == "ParameterValidationError"
    assert raw.response.status_code == 400
    assert unmarked(message) == f'The value "{worker}" is not valid for the parameter WorkerId.'
    production.create_worker_block(WorkerId=worker, Reason="spam")  # its own environment


def test_bonus_for_another_environments_worker(mturk, sandbox):
    """boto3 #2355 (evidence §3): SendBonus with a worker and assignment of the other
    environment: ParameterValidationError."""
    production = client_for(mturk, "production")
    _, [aid] = submitted_hit(mturk, production, "production")
    worker = production.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    code, _, _ = error_of(fails(lambda: sandbox.send_bonus(
        WorkerId=worker, BonusAmount="1.00", AssignmentId=aid, Reason="thanks")))
    assert code == "ParameterValidationError"


def test_bonus_amount_pattern(mturk, sandbox):
    """Dallinger #1052: SendBonus '0.9752': ValidationException with the model's pattern,
    lower-camel 'bonusAmount', no marker."""
    _, [aid] = submitted_hit(mturk, sandbox)
    worker = sandbox.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    code, message, turk = error_of(fails(lambda: sandbox.send_bonus(
        WorkerId=worker, BonusAmount="0.9752", AssignmentId=aid, Reason="thanks")))
    assert (code, turk) == ("ValidationException", None)
    assert message == (
        "1 validation error detected: Value '0.9752' at 'bonusAmount' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: ^[0-9]+(\.)?[0-9]{0,2}$")


def test_missing_required_members_reach_the_server(mturk, sandbox):
    """boto3 #1222 and #1223 (oTree): RequesterFeedback / Reason left out (a client that
    does not check required members): 'Value null at 'requesterFeedback' … must not be
    null'."""
    _, [aid] = submitted_hit(mturk, sandbox)
    worker = sandbox.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    raw_client = client_for(mturk, config={"parameter_validation": False})
    message = error_of(fails(lambda: raw_client.reject_assignment(AssignmentId=aid)))[1]
    assert message == ("1 validation error detected: Value null at 'requesterFeedback' "
                       "failed to satisfy constraint: Member must not be null")
    code, message, _ = error_of(fails(lambda: raw_client.send_bonus(
        WorkerId=worker, BonusAmount="1.00", AssignmentId=aid)))
    assert code == "ValidationException"
    assert "Value null at 'reason' failed to satisfy constraint: Member must not be null" in message


def test_unknown_key(mturk):
    """NYUCCL/psiTurk #355: UnrecognizedClientException for a key MTurk does not know."""
    client = client_for(mturk, key=("AKIAIOSFODNN7EXAMPLE", "x" * 40))
    code, message, _ = error_of(fails(client.get_account_balance))
    assert (code, message) == ("UnrecognizedClientException",
                               "The security token included in the request is invalid.")


def test_access_denied_reasons(mturk):
    """Mephisto #759 (MTurk writes a reason after the action); AWS's identity-based
    wordings (grade E): no Allow, and an explicit Deny."""
    key = mturk.new_key(user="readonly", policy="AmazonMechanicalTurkReadOnly")
    client = client_for(mturk, key=key)
    arn = f"arn:aws:iam::{ACCOUNT}:user/readonly"
    message = error_of(fails(lambda: client.create_hit(**hit_args())))[1]
    assert message == (f"User: {arn} is not authorized to perform: mechanicalturk:CreateHIT "
                       "because no identity-based policy allows the mechanicalturk:CreateHIT action")
    mturk.iam.put_user_policy(UserName="readonly", PolicyName="deny", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "mechanicalturk:GetAccountBalance", "Resource": "*"}]}))
    code, message, _ = error_of(fails(client.get_account_balance))
    assert code == "AccessDeniedException"
    assert message == (f"User: {arn} is not authorized to perform: "
                       "mechanicalturk:GetAccountBalance with an explicit deny in an "
                       "identity-based policy")


def test_throttling_text(mturk, sandbox):
    """allenai/amti PR #12: ThrottlingException 'Rate exceeded'."""
    mturk.faults(throttle_rps=1, throttle_clock="simulated")
    sandbox.get_account_balance()
    assert error_of(fails(sandbox.get_account_balance))[:2] == ("ThrottlingException",
                                                                "Rate exceeded")


def test_insufficient_funds_has_no_marker(mturk):
    """Mephisto #342, longouyang/nosub #3 (production): the text, with no marker."""
    production = client_for(mturk, "production")
    message = error_of(fails(lambda: production.create_hit(**hit_args())))[1]
    assert message == (
        "This Requester has insufficient funds in their account to complete this transaction. "
        "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs.")


# --- grade C: texts tools branch on -------------------------------------------------------


def test_accepted_not_submitted_assignment(mturk, sandbox):
    """ParlAI get_agent_work_status (GetAssignment '…status of: Reviewable,Approved,
    Rejected'), a public script (ApproveAssignment too early '…status of: null'); evidence
    §2 row 21. The worker submits later, on the world's clock."""
    hit_id = sandbox.create_hit(**hit_args(MaxAssignments=1))["HIT"]["HITId"]
    [aid] = mturk.workers_accept(hit_id, submit_after=120)
    hit = sandbox.get_hit(HITId=hit_id)["HIT"]
    assert (hit["HITStatus"], hit["NumberOfAssignmentsPending"],
            hit["NumberOfAssignmentsAvailable"]) == ("Unassignable", 1, 0)
    assert sandbox.list_assignments_for_hit(HITId=hit_id)["Assignments"] == []
    message = error_of(fails(lambda: sandbox.get_assignment(AssignmentId=aid)))[1]
    assert unmarked(message) == (
        "This operation can be called with a status of: Reviewable,Approved,Rejected")
    code, message, turk = error_of(fails(lambda: sandbox.approve_assignment(AssignmentId=aid)))
    assert unmarked(message) == "This operation can be called with a status of: null"
    assert turk == "AWS.MechanicalTurk.InvalidAssignmentState"
    accepted_at = mturk.now()
    mturk.advance(120)
    done = sandbox.get_assignment(AssignmentId=aid)["Assignment"]
    assert done["AssignmentStatus"] == "Submitted"
    assert done["SubmitTime"] == accepted_at + dt.timedelta(seconds=120)
    assert sandbox.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"
    sandbox.approve_assignment(AssignmentId=aid)


def test_revoked_and_missing_qualification_scores(mturk, sandbox):
    """Dallinger dallinger/mturk.py current_qualification_score and its live sandbox tests
    (2018): revoked → '…status of: Granted'; a type that does not exist → 'You requested a
    Qualification that does not exist'."""
    qid = sandbox.create_qualification_type(
        Name="revoke me", Description="d", QualificationTypeStatus="Active",
    )["QualificationType"]["QualificationTypeId"]
    _, [aid] = submitted_hit(mturk, sandbox)
    worker = sandbox.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    sandbox.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=worker,
                                                IntegerValue=5)
    assert sandbox.get_qualification_score(
        QualificationTypeId=qid, WorkerId=worker)["Qualification"]["IntegerValue"] == 5
    sandbox.disassociate_qualification_from_worker(QualificationTypeId=qid, WorkerId=worker)
    message = error_of(fails(lambda: sandbox.get_qualification_score(
        QualificationTypeId=qid, WorkerId=worker)))[1]
    assert "operation can be called with a status of: Granted" in message
    message = error_of(fails(lambda: sandbox.get_qualification_score(
        QualificationTypeId="NONEXISTENT", WorkerId=worker)))[1]
    assert unmarked(message) == "You requested a Qualification that does not exist."


def test_system_qualification_score_is_not_the_callers(mturk, sandbox):
    """AWS API docs (GetQualificationScore), evidence §2 row 8: only the owner of a type can
    query a worker's value of it; a system type (approval rate) is nobody's."""
    _, [aid] = submitted_hit(mturk, sandbox)
    worker = sandbox.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
    message = error_of(fails(lambda: sandbox.get_qualification_score(
        QualificationTypeId="000000000000000000L0", WorkerId=worker)))[1]
    assert unmarked(message) == ("Only the owner of a Qualification type can query the value "
                                 "of a Worker's Qualification of that type.")


def test_mephisto_pages_until_an_empty_page(mturk, sandbox):
    """Mephisto get_outstanding_hits (PR #289, #918) and Dallinger's canned pages: every
    non-empty page has a NextToken, paging ends on an empty page without one."""
    made = [sandbox.create_hit(**hit_args(Title=f"HIT {i}"))["HIT"]["HITId"] for i in range(3)]
    new_hits = sandbox.list_hits(MaxResults=2)
    seen = [h["HITId"] for h in new_hits["HITs"]]
    while len(new_hits["HITs"]) > 0:
        new_hits = sandbox.list_hits(MaxResults=2, NextToken=new_hits["NextToken"])
        seen += [h["HITId"] for h in new_hits["HITs"]]
    assert seen == made
    assert "NextToken" not in new_hits and new_hits["NumResults"] == 0


@pytest.mark.parametrize("op, args", [
    ("list_qualification_types", {"MustBeRequestable": False}),
    ("list_worker_blocks", {}),
    ("list_reviewable_hits", {}),
])
def test_every_list_pages_the_same_way(mturk, sandbox, op, args):
    """Evidence §2 row 10, 'on every list operation': a NextToken after the last non-empty
    page, none after the empty one."""
    call = getattr(sandbox, op)
    if op == "list_worker_blocks":
        _, [aid] = submitted_hit(mturk, sandbox)
        worker = sandbox.get_assignment(AssignmentId=aid)["Assignment"]["WorkerId"]
        sandbox.create_worker_block(WorkerId=worker, Reason="test")
    if op == "list_reviewable_hits":
        submitted_hit(mturk, sandbox)
    page = call(MaxResults=100, **args)
    assert page["NumResults"] > 0 and "NextToken" in page
    after = call(MaxResults=100, NextToken=page["NextToken"], **args)
    assert after["NumResults"] == 0 and "NextToken" not in after


# --- other real shapes ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["2014-08-15", "2006-05-05"])
def test_notification_versions(mturk, sandbox, version):
    """Dallinger (Version 2014-08-15 since 2019-08, commit f41f2dc89; tests/test_recruiters.py
    EventDocVersion) and ParlAI (2006-05-05, 2018): both accepted."""
    spec = {"Destination": "arn:aws:sns:us-east-1:123456789012:mturk",
            "Transport": "SNS", "Version": version, "EventTypes": ["AssignmentSubmitted"]}
    type_id = sandbox.create_hit_type(Title="t", Description="d", Reward="0.10",
                                      AssignmentDurationInSeconds=600)["HITTypeId"]
    sandbox.update_notification_settings(HITTypeId=type_id, Notification=spec, Active=True)
    sandbox.send_test_event_notification(Notification=spec, TestEventType="AssignmentSubmitted")


def test_create_hit_shape(mturk):
    """nodeGame/nodegame-api-mturk test/2017-01-17.test.js (sandbox): a HIT made without
    requirements has QualificationRequirements as an array; times are JSON numbers."""
    client = client_for(mturk)
    raw = Raw(client)
    client.create_hit(**hit_args())
    hit = dict(dict(raw.body)["HIT"])
    assert hit["QualificationRequirements"] == []
    assert isinstance(hit["CreationTime"], int | float)
    assert isinstance(hit["Expiration"], int | float)


def test_success_headers_and_balance(mturk):
    """AWS docs sample (GetQualificationScore: x-amzn-RequestId, Content-Type,
    Content-Length, Date), boto3 #2108; Dallinger's live test_account_balance (10000.00)."""
    client = client_for(mturk)
    raw = Raw(client)
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert raw.response.status_code == 200
    assert {"x-amzn-requestid", "content-type", "content-length", "date"} <= set(raw.headers)
    assert "," not in raw.headers["date"].split(", ", 1)[1]  # a single Date header


# --- the front door ---------------------------------------------------------------------


@pytest.fixture
def signed_at(monkeypatch):
    """Make botocore sign as if its clock said ``when`` (only botocore's clock is moved)."""

    def at(when: dt.datetime):
        naive = when.astimezone(dt.UTC).replace(tzinfo=None)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: naive)

    return at


def test_signature_window(mturk, signed_at):
    """AWS's general clock-skew wording (Rekognition, Secrets Manager raw bodies, grade E;
    not yet seen from MTurk): more than five minutes off is refused, either way."""
    client = client_for(mturk)
    real_now = dt.datetime.now(dt.UTC)
    signed_at(real_now - dt.timedelta(minutes=10))
    code, message, _ = error_of(fails(client.get_account_balance))
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature expired: ") and message.endswith(" - 5 min.)")
    signed_at(real_now + dt.timedelta(minutes=10))
    message = error_of(fails(client.get_account_balance))[1]
    assert message.startswith("Signature not yet current: ") and message.endswith(" + 5 min.)")
    signed_at(real_now - dt.timedelta(minutes=3))
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_other_service_scope_is_refused(mturk):
    """The credential scope's service must be mturk-requester (AWS's general wording)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url="https://mturk-requester-sandbox.us-east-1."
                         "amazonaws.com/", data=b"{}", headers={
                             "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance",
                             "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(*mturk.key), "sqs", "us-east-1").add_auth(request)
    status, body = send_signed(mturk, request)
    assert status == 400
    assert body["__type"] == "InvalidSignatureException"
    assert body["Message"].startswith("Credential should be scoped to correct service: "
                                      "'mturk-requester'.")


def test_inactive_and_deleted_keys_are_unknown(mturk):
    """Evidence §2 (inactive and deleted keys not seen from MTurk): refused like an unknown
    key, UnrecognizedClientException."""
    key = mturk.new_key(user="rotating")
    client = client_for(mturk, key=key)
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    mturk.iam.update_access_key(UserName="rotating", AccessKeyId=key[0], Status="Inactive")
    assert error_of(fails(client.get_account_balance))[0] == "UnrecognizedClientException"
    mturk.iam.update_access_key(UserName="rotating", AccessKeyId=key[0], Status="Active")
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    mturk.iam.delete_access_key(UserName="rotating", AccessKeyId=key[0])
    mturk.iam.detach_user_policy(UserName="rotating", PolicyArn="arn:aws:iam::aws:policy/"
                                 "AmazonMechanicalTurkFullAccess")
    mturk.iam.delete_user(UserName="rotating")
    assert error_of(fails(client.get_account_balance))[0] == "UnrecognizedClientException"


# --- what IAM or MTurk refuses creates nothing ------------------------------------------


def test_invalid_question_is_refused_after_iam_and_creates_nothing(mturk, sandbox):
    """Evidence §2 row 2 (which checks use ParameterValidationError is inferred): an invalid
    Question is refused by MTurk itself, after IAM allowed the call (so the kit's doctor
    counts it as allowed), and no HIT and no HIT type is left."""
    backend = mturk.sim.backend("sandbox")
    code, message, _ = error_of(fails(lambda: sandbox.create_hit(
        **hit_args(Question="<HTMLQuestion>not closed"))))
    assert code == "ParameterValidationError"
    assert unmarked(message) == ('The value "<HTMLQuestion>not closed" is not valid for the '
                                 "parameter Question.")
    assert backend.hits == {} and backend.hit_types == {}
    assert sandbox.list_hits()["NumResults"] == 0


def test_create_hit_refused_by_iam_creates_nothing(mturk):
    """A CreateHIT IAM refuses (read-only policy) leaves no HIT and no HIT type."""
    key = mturk.new_key(user="reader", policy="AmazonMechanicalTurkReadOnly")
    client = client_for(mturk, key=key)
    assert error_of(fails(lambda: client.create_hit(**hit_args())))[0] == "AccessDeniedException"
    backend = mturk.sim.backend("sandbox")
    assert backend.hits == {} and backend.hit_types == {}


# --- a client that is not botocore, at / -------------------------------------------------


def send_signed(mturk, request):
    """Send a botocore AWSRequest (already signed for the real host) the way a tool with a
    hard-coded host reaches the simulator: through the server, urllib to ``/`` with the real
    Host header; in-process, to the simulator's request handler (what mock_mturk's botocore
    hook calls)."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    headers = dict(request.headers.items())
    host = urlsplit(request.url).hostname
    if mturk.mode == "server":
        sent = urllib.request.Request(mturk.server.url + "/", data=request.body, method="POST",
                                      headers={**headers, "Host": host})
        try:
            with urllib.request.urlopen(sent, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
    environment = "production" if host == "mturk-requester.us-east-1.amazonaws.com" else "sandbox"
    status, _, payload = mturk.sim.handle(environment, "POST", request.url,
                                          {k.lower(): v for k, v in headers.items()},
                                          request.body)
    return status, json.loads(payload)


@pytest.mark.parametrize("host, environment", [
    ("mturk-requester-sandbox.us-east-1.amazonaws.com", "sandbox"),
    ("mturk-requester.us-east-1.amazonaws.com", "production"),
])
def test_request_signed_by_hand_for_the_real_host(mturk, host, environment):
    """NRGI #1384's request (MechanicalTurkV2.php): POST / to the real host, SignedHeaders
    host;x-amz-date;x-amz-target (no content-type), signed by hand with botocore's SigV4Auth
    and sent with urllib: verified, answered, and the environment is the Host's."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    if environment == "production":
        mturk.set_balance("12.34")
    request = AWSRequest(method="POST", url=f"https://{host}/", data=b"{}", headers={
        "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"})
    SigV4Auth(Credentials(*mturk.key), "mturk-requester", "us-east-1").add_auth(request)
    assert "SignedHeaders=host;x-amz-date;x-amz-target," in request.headers["Authorization"]
    request.headers["Content-Type"] = "application/x-amz-json-1.1"  # sent, not signed
    status, body = send_signed(mturk, request)
    assert status == 200
    assert body["AvailableBalance"] == ("10000.00" if environment == "sandbox" else "12.34")


def test_request_without_signed_host_or_date_is_refused(mturk):
    """SigV4 needs host and x-amz-date among the signed headers (AWS's general wording)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url="https://mturk-requester-sandbox.us-east-1."
                         "amazonaws.com/", data=b"{}", headers={
                             "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"})
    SigV4Auth(Credentials(*mturk.key), "mturk-requester", "us-east-1").add_auth(request)
    authorization = request.headers["Authorization"]
    request.headers.replace_header(
        "Authorization", authorization.replace("SignedHeaders=host;", "SignedHeaders="))
    status, body = send_signed(mturk, request)
    assert (status, body["__type"]) == (400, "InvalidSignatureException")
    assert body["Message"] == ("'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                               "Authorization.")
    request.headers.replace_header(
        "Authorization", authorization.replace(";x-amz-date;", ";"))
    status, body = send_signed(mturk, request)
    assert (status, body["__type"]) == (400, "InvalidSignatureException")
    assert "X-Amz-Date" in body["Message"]


# --- the realism profile ----------------------------------------------------------------


def test_realism_profile(mturk, sandbox):
    """Evidence §2 row 20 (Dallinger tests/test_mturk.py waits 15 s, PR #794; lists'
    'indexing' time; ParlAI/Mephisto 'wait a couple minutes' after linking): off by default;
    on, a new HIT cannot be extended at once, lists show it after a moment, and a freshly
    registered sandbox takes minutes."""
    assert mturk.realism()["enabled"] is False
    settings = mturk.realism(enabled=True)
    assert settings == {"enabled": True, "extend_delay": 15.0, "list_delay": 5.0,
                        "link_delay": 120.0}
    hit = sandbox.create_hit(**hit_args())["HIT"]
    assert sandbox.list_hits()["NumResults"] == 0
    later = hit["Expiration"] + dt.timedelta(hours=1)
    message = error_of(fails(lambda: sandbox.update_expiration_for_hit(
        HITId=hit["HITId"], ExpireAt=later)))[1]
    assert unmarked(message) == f"Hit {hit['HITId']} does not exist."
    mturk.advance(15)
    assert [h["HITId"] for h in sandbox.list_hits()["HITs"]] == [hit["HITId"]]
    sandbox.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=later)
    mturk.register_sandbox(False)
    mturk.register_sandbox(True)
    assert error_of(fails(sandbox.get_account_balance))[2] == "AWS.AccountNotLinked"
    mturk.advance(119)
    assert error_of(fails(sandbox.get_account_balance))[2] == "AWS.AccountNotLinked"
    mturk.advance(1)
    assert sandbox.get_account_balance()["AvailableBalance"] == "10000.00"


# --- determinism of the world's lazy events ------------------------------------------------


def test_late_submissions_do_not_depend_on_when_they_are_seen():
    """The world helper rebuilds a world by replaying its journal on the same seed: workers
    who accepted and submit later must give the same assignments, times and answers however
    often (and when) the world was looked at in between."""
    from moto import mock_aws

    from mturklink_helpers.simulator import MTurkSimulator

    def world(peek: bool):
        with mock_aws():
            sim = MTurkSimulator(seed=7, auth=False)
            backend = sim.backend("sandbox")
            hit = backend.create_hit(**hit_args(MaxAssignments=4))
            start = sim.clock.now()
            ids = sim.workers_accept(hit.id)
            for _ in range(20):
                sim.clock.advance(60)
                if peek:
                    backend.describe_hit(hit)
                    backend.list_assignments_for_hit(hit.id)
            found = backend.list_assignments_for_hit(hit.id)
            return ids, [(a.id, a.worker_id, (a.submit_time - start).total_seconds(), a.answer)
                         for a in found]

    quiet, watched = world(peek=False), world(peek=True)
    assert quiet == watched
    assert len(quiet[1]) == 4


def test_create_hit_token_repeat_names_the_hit(mturk, sandbox):
    """Dallinger #3109 (the idempotency wording) and AWS's CreateHIT docs (grade D: a repeat
    UniqueRequestToken gives AWS.MechanicalTurk.HitAlreadyExists 'with a message containing
    the HITId'); no second HIT."""
    hit_id = sandbox.create_hit(**hit_args(UniqueRequestToken="once"))["HIT"]["HITId"]
    code, message, turk = error_of(fails(lambda: sandbox.create_hit(
        **hit_args(UniqueRequestToken="once"))))
    assert (code, turk) == ("RequestError", "AWS.MechanicalTurk.HitAlreadyExists")
    assert unmarked(message).startswith('The idempotency token "once" has already been processed.')
    assert hit_id in message
    assert sandbox.list_hits()["NumResults"] == 1


def test_notify_an_unknown_worker_is_a_failure_status(mturk, sandbox):
    """aws/aws-sdk-java #2055 (the reporter's note): NotifyWorkers to a worker the sandbox
    does not know raises nothing; the failure is in the answer."""
    answer = sandbox.notify_workers(Subject="Hello", MessageText="Thanks",
                                    WorkerIds=["A1NOTASANDBOXWORKER"])
    [failure] = answer["NotifyWorkersFailureStatuses"]
    assert failure["WorkerId"] == "A1NOTASANDBOXWORKER"
    assert failure["NotifyWorkersFailureCode"] == "HardFailure"
