"""The simulator's dropped-answer fault (``drop_rate``), seen by a plain boto3 program with
its own retries off: the work is done, the answer never comes, and the same seed drops the
same requests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def admin(server, action, **body):
    request = urllib.request.Request(f"{server.url}/_admin/{action}",
                                     data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def server(simulator_server):
    admin(simulator_server, "reset")
    yield simulator_server
    admin(simulator_server, "faults")


@pytest.fixture
def mturk(server):
    made = admin(server, "requester-key", user_name="requester")
    return boto3.client("mturk", region_name="us-east-1", endpoint_url=server.endpoint("sandbox"),
                        aws_access_key_id=made["AccessKeyId"],
                        aws_secret_access_key=made["SecretAccessKey"], config=NO_RETRIES)


def _outcomes(mturk, n=24) -> list[str]:
    outcomes = []
    for _ in range(n):
        try:
            mturk.get_account_balance()
            outcomes.append("ok")
        except ConnectionClosedError:
            outcomes.append("dropped")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    return outcomes


def test_the_same_seed_drops_the_same_requests(server, mturk):
    admin(server, "faults", drop_rate=0.5, seed=7)
    first = _outcomes(mturk)
    assert admin(server, "faults", drop_rate=0.5, seed=7)["drop_rate"] == 0.5
    assert _outcomes(mturk) == first
    assert set(first) == {"ok", "dropped"}
    assert server.simulator.faults.dropped == first.count("dropped")
    admin(server, "faults", drop_rate=0.5, seed=8)
    assert _outcomes(mturk) != first


def test_drops_do_not_move_which_requests_get_a_service_fault(server, mturk):
    admin(server, "faults", service_fault_rate=0.5, seed=3)
    faults_only = _outcomes(mturk)
    admin(server, "faults", service_fault_rate=0.5, drop_rate=0.4, seed=3)
    with_drops = _outcomes(mturk)
    assert "dropped" in with_drops
    assert all(b in (a, "dropped") for a, b in zip(faults_only, with_drops, strict=True))


def test_the_work_is_done_but_the_answer_is_lost(server, mturk):
    # the server checks IAM keys from the first request: an IAM administrator's key
    made = admin(server, "requester-key", user_name="iam-admin", policy="IAMFullAccess")
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=server.url,
                       config=NO_RETRIES, aws_access_key_id=made["AccessKeyId"],
                       aws_secret_access_key=made["SecretAccessKey"])
    admin(server, "faults", drop_rate=1.0)
    with pytest.raises(ConnectionClosedError):
        iam.create_user(UserName="made-in-the-dark")  # IAM and STS are dropped too
    with pytest.raises(ConnectionClosedError):
        mturk.create_hit(Title="t", Description="d", Reward="0.01", MaxAssignments=1,
                         LifetimeInSeconds=600, AssignmentDurationInSeconds=60,
                         Question=_question())
    assert admin(server, "state")["account_id"]  # the console itself is never dropped
    admin(server, "faults")
    assert sorted(u["UserName"] for u in iam.list_users()["Users"]) == [
        "iam-admin", "made-in-the-dark", "requester"]
    assert [h["Title"] for h in mturk.list_hits()["HITs"]] == ["t"]


def test_a_bad_drop_rate_is_refused(server):
    with pytest.raises(urllib.error.HTTPError) as caught:
        admin(server, "faults", drop_rate=2)
    assert caught.value.code == 400
    assert "drop_rate must be between 0 and 1" in caught.value.read().decode()


def test_in_process_the_drop_rate_does_nothing():
    from moto import mock_aws

    from mturklink_helpers.simulator import mock_mturk

    with mock_aws(), mock_mturk() as sim:
        key = sim.new_requester_key()
        client = key.session().client(
            "mturk", region_name="us-east-1", config=NO_RETRIES,
            endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com")
        sim.faults.configure(drop_rate=1.0)
        assert client.get_account_balance()["AvailableBalance"] == "10000.00"
        assert sim.faults.dropped == 0


def _question() -> str:
    from mturklink_helpers.hits import survey_question

    return survey_question("sandbox")
