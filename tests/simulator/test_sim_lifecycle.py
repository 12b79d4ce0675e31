"""A HIT from creation to deletion, with simulated workers and the simulated clock."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, hit_args


def test_full_lifecycle(mturk, sandbox):
    hit = sandbox.create_hit(**hit_args(MaxAssignments=3))["HIT"]
    assert hit["HITStatus"] == "Assignable"
    assert hit["HITGroupId"] == hit["HITTypeId"]
    assert hit["NumberOfAssignmentsAvailable"] == 3
    assert sandbox.get_hit(HITId=hit["HITId"])["HIT"]["Title"] == "Test HIT"

    ids = mturk.workers_submit(hit["HITId"])
    assert len(ids) == 3
    got = sandbox.get_hit(HITId=hit["HITId"])["HIT"]
    assert got["HITStatus"] == "Reviewable"
    assert got["NumberOfAssignmentsAvailable"] == 0

    assignments = sandbox.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert {a["AssignmentId"] for a in assignments} == set(ids)
    assert len({a["WorkerId"] for a in assignments}) == 3
    for a in assignments:
        assert a["AssignmentStatus"] == "Submitted"
        assert "<QuestionIdentifier>mood</QuestionIdentifier>" in a["Answer"]
        assert "<QuestionIdentifier>comment</QuestionIdentifier>" in a["Answer"]
        assert "assignmentId" not in a["Answer"]

    with pytest.raises(ClientError) as excinfo:
        sandbox.delete_hit(HITId=hit["HITId"])
    code, message, _ = error_of(excinfo)
    assert code == "RequestError"
    assert message.startswith(
        "This HIT is currently in the state 'Reviewable'.  This operation can be called with a "
        "status of: Reviewing, Reviewable")

    sandbox.approve_assignment(AssignmentId=ids[0], RequesterFeedback="Thanks")
    sandbox.reject_assignment(AssignmentId=ids[1], RequesterFeedback="Empty answer")
    sandbox.approve_assignment(AssignmentId=ids[2])
    statuses = {a: sandbox.get_assignment(AssignmentId=a)["Assignment"]["AssignmentStatus"]
                for a in ids}
    assert statuses == {ids[0]: "Approved", ids[1]: "Rejected", ids[2]: "Approved"}
    assert sandbox.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsCompleted"] == 3

    sandbox.delete_hit(HITId=hit["HITId"])
    assert sandbox.list_hits()["NumResults"] == 0


def test_live_hit_cannot_be_deleted_until_expired(mturk, sandbox):
    hit_id = sandbox.create_hit(**hit_args())["HIT"]["HITId"]
    with pytest.raises(ClientError) as excinfo:
        sandbox.delete_hit(HITId=hit_id)
    assert "currently in the state 'Assignable'" in error_of(excinfo)[1]
    sandbox.update_expiration_for_hit(HITId=hit_id, ExpireAt=dt.datetime(2015, 1, 1))
    assert sandbox.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"
    assert mturk.workers_submit(hit_id) == []  # nobody works on an expired HIT
    sandbox.delete_hit(HITId=hit_id)


def test_hit_expires_on_the_simulated_clock(mturk, sandbox):
    hit_id = sandbox.create_hit(**hit_args(LifetimeInSeconds=60))["HIT"]["HITId"]
    mturk.advance(59)
    assert sandbox.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Assignable"
    mturk.advance(1)
    assert sandbox.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"


def test_assignments_are_auto_approved_after_the_delay(mturk, sandbox):
    hit_id = sandbox.create_hit(**hit_args(AutoApprovalDelayInSeconds=3600))["HIT"]["HITId"]
    [aid] = mturk.workers_submit(hit_id, count=1)
    mturk.advance(3599)
    assert sandbox.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Submitted"
    mturk.advance(1)
    assert sandbox.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Approved"


def test_approving_twice_is_a_request_error(mturk, sandbox):
    hit_id = sandbox.create_hit(**hit_args())["HIT"]["HITId"]
    [aid] = mturk.workers_submit(hit_id, count=1)
    sandbox.approve_assignment(AssignmentId=aid)
    with pytest.raises(ClientError) as excinfo:
        sandbox.approve_assignment(AssignmentId=aid)
    assert error_of(excinfo)[0] == "RequestError"


def test_rejection_can_be_overridden(mturk, sandbox):
    hit_id = sandbox.create_hit(**hit_args())["HIT"]["HITId"]
    [aid] = mturk.workers_submit(hit_id, count=1)
    sandbox.reject_assignment(AssignmentId=aid, RequesterFeedback="no")
    sandbox.approve_assignment(AssignmentId=aid, OverrideRejection=True)
    assert sandbox.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Approved"


def test_lifetime_under_thirty_seconds_is_refused(sandbox):
    with pytest.raises(ClientError) as excinfo:
        sandbox.create_hit(**hit_args(LifetimeInSeconds=29))
    code, message, _ = error_of(excinfo)
    assert code == "ParameterValidationError"
    assert message.startswith("The value 29 is invalid for LifetimeInSeconds. "
                              "Valid values range from 30 to 31536000. (")


def test_rejected_production_assignment_is_refunded(mturk):
    production = mturk.client("production")
    mturk.set_balance("10.00")
    hit_id = production.create_hit(**hit_args(Reward="1.00", MaxAssignments=1))["HIT"]["HITId"]
    [aid] = mturk.workers_submit(hit_id, environment="production")
    production.reject_assignment(AssignmentId=aid, RequesterFeedback="no")
    assert production.get_account_balance()["AvailableBalance"] == "10.00"
