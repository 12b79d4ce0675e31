"""Authentication like AWS and accounts like MTurk, seen from boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, hit_args


def test_default_world_answers_sandbox_balance(sandbox):
    assert sandbox.get_account_balance()["AvailableBalance"] == "10000.00"


def test_production_balance_defaults_to_zero_and_is_settable(mturk):
    production = mturk.client("production")
    assert production.get_account_balance()["AvailableBalance"] == "0.00"
    mturk.set_balance("25.00")
    assert production.get_account_balance()["AvailableBalance"] == "25.00"


def test_unknown_key_is_unrecognized(mturk):
    client = mturk.client(key=("AKIAIOSFODNN7EXAMPLE", "x" * 40))
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    code, message, _ = error_of(excinfo)
    assert code == "UnrecognizedClientException"
    assert message == "The security token included in the request is invalid."


def test_wrong_secret_is_invalid_signature(mturk):
    client = mturk.client(key=(mturk.key[0], "y" * 40))
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    code, message, _ = error_of(excinfo)
    assert code == "InvalidSignatureException"
    assert message.startswith("The request signature we calculated does not match")


def test_user_without_policy_is_denied(mturk):
    key = mturk.new_key(user="nopolicy", policy=None)
    with pytest.raises(ClientError) as excinfo:
        mturk.client(key=key).get_account_balance()
    code, message, _ = error_of(excinfo)
    assert code == "AccessDeniedException"
    assert message == (
        "User: arn:aws:iam::123456789012:user/nopolicy is not authorized to perform: "
        "mechanicalturk:GetAccountBalance because no identity-based policy allows the "
        "mechanicalturk:GetAccountBalance action"
    )


def test_read_only_policy_allows_get_and_list_only(mturk):
    client = mturk.client(key=mturk.new_key(user="reader", policy="AmazonMechanicalTurkReadOnly"))
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert client.list_hits()["NumResults"] == 0
    with pytest.raises(ClientError) as excinfo:
        client.create_hit(**hit_args())
    assert error_of(excinfo)[0] == "AccessDeniedException"
    assert "mechanicalturk:CreateHIT" in error_of(excinfo)[1]


def test_policy_change_is_seen_on_next_call(mturk):
    key = mturk.new_key(user="changing", policy="AmazonMechanicalTurkReadOnly")
    client = mturk.client(key=key)
    with pytest.raises(ClientError):
        client.create_hit(**hit_args())
    mturk.iam.put_user_policy(
        UserName="changing", PolicyName="write",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "mechanicalturk:CreateHIT", "Resource": "*"}]}')
    assert client.create_hit(**hit_args())["HIT"]["HITStatus"] == "Assignable"
    mturk.iam.put_user_policy(
        UserName="changing", PolicyName="deny",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", '
        '"Action": "mechanicalturk:Get*", "Resource": "*"}]}')
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    assert error_of(excinfo)[0] == "AccessDeniedException"


def test_group_policy_counts(mturk):
    mturk.iam.create_group(GroupName="requesters")
    mturk.iam.attach_group_policy(
        GroupName="requesters", PolicyArn="arn:aws:iam::aws:policy/AmazonMechanicalTurkFullAccess")
    key = mturk.new_key(user="member", policy=None)
    mturk.iam.add_user_to_group(GroupName="requesters", UserName="member")
    assert mturk.client(key=key).get_account_balance()["AvailableBalance"] == "10000.00"


def test_deleted_key_stops_working(mturk):
    key = mturk.new_key(user="leaver")
    client = mturk.client(key=key)
    client.get_account_balance()
    mturk.iam.delete_access_key(UserName="leaver", AccessKeyId=key[0])
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    assert error_of(excinfo)[0] == "UnrecognizedClientException"


def test_new_key_waits_for_propagation(mturk):
    mturk.set_propagation_delay(10)
    client = mturk.client(key=mturk.new_key(user="fresh"))
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    assert error_of(excinfo)[0] == "UnrecognizedClientException"
    mturk.advance(11)
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


@pytest.mark.parametrize(
    "environment, page",
    [("sandbox", "https://requestersandbox.mturk.com/developer"),
     ("production", "https://requester.mturk.com/developer")],
)
def test_unlinked_account_gets_must_be_linked_with_its_developer_page(mturk, environment, page):
    if environment == "sandbox":
        mturk.register_sandbox(registered=False)
    else:
        mturk.link_requester(linked=False)
    client = mturk.client(environment)
    with pytest.raises(ClientError) as excinfo:
        client.get_account_balance()
    code, message, turk_code = error_of(excinfo)
    assert code == "RequestError"
    assert turk_code == "AWS.AccountNotLinked"
    assert message.startswith("To use the MTurk API, you will need an Amazon Web Services")
    assert f"Visit {page} to get started." in message
    # the other environment is unaffected, and the console action can be undone
    other = mturk.client("production" if environment == "sandbox" else "sandbox")
    other.get_account_balance()
    mturk.register_sandbox(True)
    mturk.link_requester(True)
    client.get_account_balance()


def test_production_charges_reward_plus_fees(mturk):
    production = mturk.client("production")
    mturk.set_balance("10.00")
    production.create_hit(**hit_args(Reward="1.00", MaxAssignments=3))  # 3 x (1.00 + 0.20)
    assert production.get_account_balance()["AvailableBalance"] == "6.40"
    production.create_hit(**hit_args(Reward="0.01", MaxAssignments=1))  # fee minimum $0.01
    assert production.get_account_balance()["AvailableBalance"] == "6.38"


def test_large_batch_pays_the_extra_twenty_percent(mturk):
    production = mturk.client("production")
    mturk.set_balance("100.00")
    production.create_hit(**hit_args(Reward="0.25", MaxAssignments=10))  # 10 x (0.25 + 0.10)
    assert production.get_account_balance()["AvailableBalance"] == "96.50"


def test_insufficient_funds_has_the_real_text(mturk):
    production = mturk.client("production")
    mturk.set_balance("1.00")
    with pytest.raises(ClientError) as excinfo:
        production.create_hit(**hit_args(Reward="1.00", MaxAssignments=1))
    code, message, _ = error_of(excinfo)
    assert code == "RequestError"
    assert message == (
        "This Requester has insufficient funds in their account to complete this transaction. "
        "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
    )
    assert production.list_hits()["NumResults"] == 0
    assert production.get_account_balance()["AvailableBalance"] == "1.00"


def test_sandbox_and_production_keep_separate_state(mturk, sandbox):
    sandbox.create_hit(**hit_args())
    assert sandbox.list_hits()["NumResults"] == 1
    assert mturk.client("production").list_hits()["NumResults"] == 0
    assert sandbox.get_account_balance()["AvailableBalance"] == "10000.00"
