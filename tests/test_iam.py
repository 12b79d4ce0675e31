"""provision_iam_user against the demo world (moto IAM/STS with authentication on, the simulator)."""

from __future__ import annotations

import stat

import pytest

from mturklink_helpers.clients import client
from mturklink_helpers.credentials import load_credentials, load_profile
from mturklink_helpers.doctor import diagnose
from mturklink_helpers.iam import (
    FULL_ACCESS,
    IamSetupError,
    KeyLimitError,
    Progress,
    provision_iam_user,
)
from mturklink_helpers.retry import Wait

USER = "mturk-requester"
FULL_ARN = "arn:aws:iam::aws:policy/" + FULL_ACCESS


@pytest.fixture
def iam(world):
    return client(world.admin_key(), "iam", world.url)


def provision(world, admin=None, **kwargs):
    """provision_iam_user pointed at the world, waiting on its clock (as the kit does)."""
    kwargs.setdefault("endpoints", world.url)
    if kwargs.get("wait", True) is True:
        kwargs["wait"] = Wait(clock=world, **({"max_wait": kwargs.pop("max_wait")}
                                              if "max_wait" in kwargs else {}))
    return provision_iam_user((admin or world.admin_key()).session(), **kwargs)


def key_ids(iam) -> list[str]:
    return [k["AccessKeyId"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]]


def attached(iam) -> list[str]:
    return [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]]


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_run_makes_user_policy_and_working_key_saved_0600(world, iam, tmp_path):
    out, profiles = tmp_path / "credentials.csv", tmp_path / "aws" / "credentials"
    result = provision(world, credentials_path=out,
                                profile="mturk", profile_path=profiles)
    assert result.created_user and result.attached_policy and result.ready is True
    assert attached(iam) == [FULL_ARN]
    assert key_ids(iam) == [result.key.access_key_id]
    assert mode(out) == 0o600 and mode(profiles) == 0o600
    assert load_credentials(out) == result.key
    assert load_profile("mturk", profiles) == result.key
    assert load_credentials(out).user_name == USER
    assert diagnose(result.key, endpoints=world.url).ok


def test_nothing_shows_the_secret(world, tmp_path):
    result = provision(world, credentials_path=tmp_path / "c.csv")
    secret = result.key.reveal_secret()
    for text in (repr(result), result.summary(), str(result.to_dict())):
        assert secret not in text and result.key.access_key_id not in text


def test_rerun_reuses_user_and_makes_no_second_key(world, iam):
    first = provision(world)
    again = provision(world)
    assert not again.created_user and not again.attached_policy
    assert again.key is None and again.ready is None
    assert [u["UserName"] for u in iam.list_users()["Users"]].count(USER) == 1
    assert key_ids(iam) == [first.key.access_key_id]
    assert any("already has 1 access key" in note for note in again.notes)


def test_new_key_only_when_asked(world, iam):
    provision(world)
    second = provision(world, new_key=True)
    assert second.key is not None and len(key_ids(iam)) == 2


def test_two_key_limit_stops_before_aws_and_lists_keys_masked(world, iam):
    provision(world, wait=False)
    provision(world, new_key=True, wait=False)
    before = key_ids(iam)
    with pytest.raises(KeyLimitError) as caught:
        provision(world, new_key=True)
    message = str(caught.value)
    assert key_ids(iam) == before  # nothing deleted, nothing created
    assert "2 access keys" in message and "rotate" in message and "created" in message
    assert "never used" in message or "last used" in message
    for key_id in before:
        assert key_id not in message
        assert f"{key_id[:4]}…{key_id[-4:]}" in message
    assert [k.access_key_id for k in caught.value.keys] == sorted(before, key=before.index)


def test_rotation_deletes_only_the_named_key(world, iam):
    provision(world, wait=False)
    provision(world, new_key=True, wait=False)
    old, keep = key_ids(iam)
    masked = f"{old[:4]}…{old[-4:]}"
    result = provision(world, rotate=masked)
    assert result.deleted_key == masked
    assert sorted(key_ids(iam)) == sorted([keep, result.key.access_key_id])


def test_rotation_with_room_saves_the_new_key_before_deleting_the_old(world, iam, tmp_path):
    first = provision(world, wait=False)
    out = tmp_path / "new.csv"
    result = provision(world, rotate=first.key.access_key_id,
                                credentials_path=out)
    assert key_ids(iam) == [result.key.access_key_id]
    assert result.deleted_key == first.key.masked_id and load_credentials(out) == result.key


def test_rotation_refuses_a_key_of_someone_else(world, iam):
    provision(world, wait=False)
    with pytest.raises(IamSetupError) as caught:
        provision(world, rotate="AKIA…ZZZZ")
    assert caught.value.bad_input and len(key_ids(iam)) == 1


def test_half_finished_run_is_completed(world, iam):
    iam.create_user(UserName=USER)  # a run that stopped right after creating the user
    result = provision(world)
    assert not result.created_user and result.attached_policy
    assert attached(iam) == [FULL_ARN] and result.ready is True


def test_weaker_mturk_policy_is_noticed_and_full_access_attached(world, iam):
    world.console_create_iam_user(policy="AmazonMechanicalTurkReadOnly")
    result = provision(world)
    assert any("AmazonMechanicalTurkReadOnly was attached instead" in n for n in result.notes)
    assert FULL_ARN in attached(iam)
    assert result.key is None  # the console already made a key


def test_progress_reports_why_it_waits_on_the_simulated_clock(world):
    world.set_propagation_delay(45)
    events: list[Progress] = []
    before = world.now()
    result = provision(world, progress=events.append)
    stages = [e.stage for e in events]
    assert stages[0] == "identity" and stages[-1] == "done"
    assert stages.index("user") < stages.index("policy") < stages.index("key") < stages.index("wait")
    waits = [e for e in events if e.stage == "wait"]
    assert len(waits) >= 2
    assert all("new key" in e.message for e in waits)
    fractions = [e.fraction for e in waits]
    assert fractions == sorted(fractions) and 0 <= fractions[0] < fractions[-1] < 1
    assert events[-1].fraction == 1.0
    assert result.ready is True and result.waited >= 45
    assert (world.now() - before).total_seconds() >= 45


def test_key_that_never_works_is_still_saved(world, tmp_path):
    world.set_propagation_delay(10_000)
    out = tmp_path / "credentials.csv"
    result = provision(world, credentials_path=out,
                                max_wait=20)
    assert result.ready is False and "does not work yet" in result.summary()
    assert load_credentials(out) == result.key


def test_existing_output_file_stops_before_a_key_is_made(world, iam, tmp_path):
    out = tmp_path / "credentials.csv"
    out.write_text("keep me")
    with pytest.raises(IamSetupError) as caught:
        provision(world, credentials_path=out)
    assert caught.value.bad_input and "already exists" in str(caught.value)
    assert out.read_text() == "keep me"
    assert iam.list_access_keys(UserName=USER)["AccessKeyMetadata"] == []  # no stranded secret


def test_existing_output_file_is_fine_when_no_key_is_needed(world, tmp_path):
    out = tmp_path / "credentials.csv"
    first = provision(world, credentials_path=out)
    again = provision(world, credentials_path=out)  # re-run: same file
    assert again.key is None and load_credentials(out) == first.key


def test_root_admin_works_with_a_warning(world):
    result = provision(world, world.root_key())
    assert result.ready is True
    assert any("root user" in w for w in result.warnings)


def test_admin_without_iam_rights_gets_one_sentence(world):
    weak = world.console_create_iam_user("someone-else")  # has MTurk rights only
    with pytest.raises(IamSetupError) as caught:
        provision(world, weak)
    assert caught.value.bad_input
    assert "AccessDenied" in str(caught.value) and "administrator" in str(caught.value)


def test_not_registered_sandbox_does_not_stall_the_wait(blank_world):
    world = blank_world
    world.create_aws_account()
    world.link_requester_account()
    result = provision(world)
    assert result.ready is True
    assert any("AWS.AccountNotLinked" in n for n in result.notes)
