"""Lost answers (``drop_rate``) and cut-off answers (``cut_rate``) in the learner's world,
seen by a plain boto3 program with its own retries off: the work is done, the answer never
comes (whole), the same seed loses the same requests, and the change is kept like any other
(it survives the world's restart)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError
from botocore.parsers import ResponseParserError

from mturklink_helpers import world as worlds

NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def faulty_world(world):
    yield world
    world.faults()


@pytest.fixture
def mturk(faulty_world):
    key = faulty_world.console_create_iam_user("requester")
    return boto3.client("mturk", region_name="us-east-1", endpoint_url=faulty_world.endpoint("sandbox"),
                        aws_access_key_id=key.access_key_id,
                        aws_secret_access_key=key.reveal_secret(), config=NO_RETRIES)


def _iam(world):
    admin = world.admin_key()
    return boto3.client("iam", region_name="us-east-1", endpoint_url=world.url, config=NO_RETRIES,
                        aws_access_key_id=admin.access_key_id,
                        aws_secret_access_key=admin.reveal_secret())


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


def test_the_same_seed_drops_the_same_requests(faulty_world, mturk):
    faulty_world.faults(drop_rate=0.5, seed=7)
    first = _outcomes(mturk)
    assert faulty_world.faults(drop_rate=0.5, seed=7)["drop_rate"] == 0.5
    assert _outcomes(mturk) == first
    assert set(first) == {"ok", "dropped"}
    assert faulty_world.state()["faults"]["dropped"] == first.count("dropped")
    faulty_world.faults(drop_rate=0.5, seed=8)
    assert _outcomes(mturk) != first


def test_drops_do_not_move_which_requests_get_a_service_fault(faulty_world, mturk):
    faulty_world.faults(service_fault_rate=0.5, seed=3)
    faults_only = _outcomes(mturk)
    faulty_world.faults(service_fault_rate=0.5, drop_rate=0.4, seed=3)
    with_drops = _outcomes(mturk)
    assert "dropped" in with_drops
    assert all(b in (a, "dropped") for a, b in zip(faults_only, with_drops, strict=True))


def test_the_work_is_done_but_the_answer_is_lost(faulty_world, mturk):
    iam = _iam(faulty_world)
    faulty_world.faults(drop_rate=1.0)
    with pytest.raises(ConnectionClosedError):
        iam.create_user(UserName="made-in-the-dark")  # IAM and STS are dropped too
    with pytest.raises(ConnectionClosedError):
        mturk.create_hit(Title="t", Description="d", Reward="0.01", MaxAssignments=1,
                         LifetimeInSeconds=600, AssignmentDurationInSeconds=60,
                         Question=_question())
    assert faulty_world.state()["account_id"]  # the console itself is never dropped
    # One draw per request: each request above was lost exactly once (not twice over, by
    # the world and by the simulator inside it).
    assert faulty_world.state()["faults"]["dropped"] == 2
    faulty_world.faults()
    assert sorted(u["UserName"] for u in iam.list_users()["Users"]) == [
        "demo-admin", "made-in-the-dark", "requester"]
    assert [h["Title"] for h in mturk.list_hits()["HITs"]] == ["t"]


def test_a_change_whose_answer_was_lost_survives_a_restart(tmp_path):
    """The world saves a change before its answer is lost or cut off, as it saves every
    change: yesterday's lost answer is today's user, key and HIT. (It used to lose them: the
    simulator inside dropped the answer before the world had saved the change.)"""
    home = tmp_path / "kit-home"
    world = worlds.connect(home)
    try:
        world.create_aws_account()
        world.link_requester_account()
        world.register_sandbox()
        iam = _iam(world)
        key = world.console_create_iam_user("requester")
        mturk = boto3.client("mturk", region_name="us-east-1", endpoint_url=world.endpoint(),
                             aws_access_key_id=key.access_key_id,
                             aws_secret_access_key=key.reveal_secret(), config=NO_RETRIES)
        world.faults(drop_rate=1.0)
        with pytest.raises(ConnectionClosedError):
            iam.create_user(UserName="made-in-the-dark")
        with pytest.raises(ConnectionClosedError):
            mturk.create_hit(Title="lost", Description="d", Reward="0.01", MaxAssignments=1,
                             LifetimeInSeconds=600, AssignmentDurationInSeconds=60,
                             Question=_question())
        world.faults(cut_rate=1.0)
        # Half an answer: botocore cannot read it (IAM's XML: botocore's own
        # ResponseParserError, which is no BotoCoreError).
        with pytest.raises((BotoCoreError, ResponseParserError)):
            iam.create_user(UserName="cut-off")
        world.faults()
        assert worlds.stop(home)
        world = worlds.connect(home)  # a new process, rebuilt from the saved changes
        assert world.notice is None, world.notice
        iam, mturk = _iam(world), boto3.client(
            "mturk", region_name="us-east-1", endpoint_url=world.endpoint(), config=NO_RETRIES,
            aws_access_key_id=key.access_key_id, aws_secret_access_key=key.reveal_secret())
        assert sorted(u["UserName"] for u in iam.list_users()["Users"]) == [
            "cut-off", "demo-admin", "made-in-the-dark", "requester"]
        assert [h["Title"] for h in mturk.list_hits()["HITs"]] == ["lost"]
    finally:
        worlds.stop(home)


def test_a_bad_drop_rate_is_refused(faulty_world):
    with pytest.raises(ValueError, match="drop_rate must be between 0 and 1"):
        faulty_world.faults(drop_rate=2)


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
