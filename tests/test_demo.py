"""The demo world: console actions of steps 1–4, the root key, one world per process."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from mturklink_helpers import demo
from mturklink_helpers.demo import DemoStepMissing, DemoWorld
from mturklink_helpers.doctor import diagnose


@pytest.fixture(autouse=True)
def no_world_left_behind():
    yield
    demo.stop_demo()


def test_a_fresh_world_has_nothing_done():
    with DemoWorld() as world:
        assert world.steps_done() == {1: False, 2: False, 3: False}
        with pytest.raises(DemoStepMissing, match="guide step 1"):
            world.admin_session()
        with pytest.raises(DemoStepMissing, match="no AWS account"):
            world.link_requester_account()


def test_ready_world_has_steps_1_to_3_and_an_admin():
    with DemoWorld.ready() as world:
        assert world.steps_done() == {1: True, 2: True, 3: True}
        sts = world.admin_session().client("sts", region_name="us-east-1")
        assert sts.get_caller_identity()["Arn"].endswith(":user/demo-admin")
        assert "steps done: 1, 2, 3" in repr(world)


def test_steps_one_by_one_and_undo_are_seen_by_the_doctor():
    with DemoWorld() as world:
        world.create_aws_account()
        key = world.console_create_iam_user()
        assert diagnose(key).next_step == "2"
        world.link_requester_account()
        assert diagnose(key).next_step == "3"
        world.register_sandbox()
        assert diagnose(key).ok
        world.unlink_requester_account()
        assert diagnose(key).next_step == "2"


def test_moto_checks_signatures_while_the_world_runs():
    with DemoWorld.ready() as world:
        admin = world.admin_key()
        sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id=admin.access_key_id,
                           aws_secret_access_key="x" * 40)
        with pytest.raises(ClientError) as caught:
            sts.get_caller_identity()
        assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_root_key_answers_like_the_account_root_user():
    with DemoWorld.ready() as world:
        root = world.root_key()
        who = root.session().client("sts", region_name="us-east-1").get_caller_identity()
        assert who["Arn"] == f"arn:aws:iam::{world.account_id}:root"
        assert who["UserId"] == world.account_id
        assert world.root_key() is root  # made once


def test_console_route_downloads_credentials_csv(tmp_path):
    from mturklink_helpers.credentials import load_credentials

    with DemoWorld.ready() as world:
        out = tmp_path / "credentials.csv"
        key = world.console_create_iam_user(download=out)
        assert load_credentials(out) == key and key.user_name == "mturk-requester"
        assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_closing_the_account_removes_every_user_and_link():
    with DemoWorld.ready() as world:
        key = world.console_create_iam_user()
        world.close_aws_account()
        assert world.steps_done() == {1: False, 2: False, 3: False}
        assert diagnose(key)["identity"].evidence == "InvalidClientTokenId"


def test_sleep_moves_the_simulated_clock_only():
    with DemoWorld() as world:
        before = world.monotonic()
        world.sleep(90)
        assert world.monotonic() - before == pytest.approx(90)


def test_start_demo_is_idempotent_and_one_world_runs_at_a_time():
    first = demo.start_demo()
    assert demo.start_demo() is first and demo.current_world() is first
    assert demo.running_world() is first
    with pytest.raises(RuntimeError, match="another demo world"):
        DemoWorld().start()
    demo.stop_demo()
    assert demo.running_world() is None
    second = demo.start_demo(ready=True)
    assert second is not first and second.steps_done()[3]


def test_stopping_restores_moto_auth_and_the_simulator():
    from moto import settings

    before = settings.INITIAL_NO_AUTH_ACTION_COUNT
    with DemoWorld.ready():
        assert settings.INITIAL_NO_AUTH_ACTION_COUNT == 0
    assert settings.INITIAL_NO_AUTH_ACTION_COUNT == before
