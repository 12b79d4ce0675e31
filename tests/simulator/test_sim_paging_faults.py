"""Pagination over a few hundred HITs, and injected faults."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, hit_args


def test_pagination_over_hundreds_of_hits(sandbox):
    made = [sandbox.create_hit(**hit_args(Title=f"HIT {i}"))["HIT"]["HITId"] for i in range(250)]
    first = sandbox.list_hits(MaxResults=100)
    assert first["NumResults"] == 100 and "NextToken" in first
    seen = []
    for page in sandbox.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 40}):
        assert page["NumResults"] == len(page["HITs"]) <= 40
        seen += [h["HITId"] for h in page["HITs"]]
    assert seen == made
    last = sandbox.list_hits(MaxResults=100, NextToken=sandbox.list_hits(
        MaxResults=100, NextToken=first["NextToken"])["NextToken"])
    # the last non-empty page carries a NextToken too; the empty page after it has none
    assert last["NumResults"] == 50 and "NextToken" in last
    empty = sandbox.list_hits(MaxResults=100, NextToken=last["NextToken"])
    assert empty["NumResults"] == 0 and empty["HITs"] == [] and "NextToken" not in empty


def test_default_page_size_and_bad_token(sandbox):
    for i in range(12):
        sandbox.create_hit(**hit_args(Title=f"HIT {i}"))
    assert sandbox.list_hits()["NumResults"] == 10
    with pytest.raises(ClientError) as excinfo:
        sandbox.list_hits(NextToken="garbage")
    code, message, _ = error_of(excinfo)
    assert (code, message[:60]) == (
        "ParameterValidationError",
        'The value "garbage" is not valid for the parameter NextToken.'[:60])


def test_assignment_pagination(mturk, sandbox):
    hit_id = sandbox.create_hit(**hit_args(MaxAssignments=25))["HIT"]["HITId"]
    assert len(mturk.workers_submit(hit_id)) == 25
    pages = list(sandbox.get_paginator("list_assignments_for_hit").paginate(
        HITId=hit_id, PaginationConfig={"PageSize": 10}))
    assert [p["NumResults"] for p in pages] == [10, 10, 5, 0]  # paging ends on an empty page


def test_throttling_on_the_simulated_clock(mturk, sandbox):
    mturk.faults(throttle_rps=3, throttle_clock="simulated")
    for _ in range(3):
        sandbox.get_account_balance()
    with pytest.raises(ClientError) as excinfo:
        sandbox.get_account_balance()
    assert error_of(excinfo)[:2] == ("ThrottlingException", "Rate exceeded")
    mturk.advance(1)
    sandbox.get_account_balance()


def test_service_fault_at_full_rate(mturk, sandbox):
    mturk.faults(service_fault_rate=1.0)
    with pytest.raises(ClientError) as excinfo:
        sandbox.get_account_balance()
    code, message, _ = error_of(excinfo)
    assert code == "ServiceFault"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert message.startswith("Amazon Mechanical Turk is temporarily unable")


def _outcomes(mturk, sandbox, seed):
    mturk.faults(service_fault_rate=0.5, seed=seed)
    outcomes = []
    for _ in range(20):
        try:
            sandbox.get_account_balance()
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    return outcomes


def test_faults_repeat_with_the_same_seed(mturk, sandbox):
    first = _outcomes(mturk, sandbox, seed=7)
    assert _outcomes(mturk, sandbox, seed=7) == first
    assert {"ok", "ServiceFault"} == set(first)


def test_latency_can_move_the_simulated_clock(mturk, sandbox):
    mturk.faults(latency=2.5, sleep=False)
    before = mturk.now()
    sandbox.get_account_balance()
    sandbox.get_account_balance()
    assert (mturk.now() - before).total_seconds() == 5.0


def test_faults_off_again(mturk, sandbox):
    mturk.faults(service_fault_rate=1.0)
    mturk.faults()
    assert sandbox.get_account_balance()["AvailableBalance"] == "10000.00"
