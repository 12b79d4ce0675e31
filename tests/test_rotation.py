"""Key rotation and revocation (mturklink_helpers.rotation) against the learner's demo world:
the happy path, a stop after every step then a re-run, the two-key limit, a key still in
use, faults, the command line and the form; never a lost or extra key, never a secret shown."""

from __future__ import annotations

import json
import stat

import pytest

from mturklink_helpers import rotation
from mturklink_helpers.cli import main
from mturklink_helpers.clients import client
from mturklink_helpers.credentials import load_credentials
from mturklink_helpers.iam import IamSetupError, KeyLimitError
from mturklink_helpers.rotation import KeyInUse, revoke_key, rotate_key

USER = "mturk-requester"


@pytest.fixture
def learner(world, kit, tmp_path):
    """Guide steps 1–4 done: the console's credentials.csv, loaded by the notebooks."""
    old = tmp_path / "credentials.csv"
    key = world.console_create_iam_user(download=old)
    kit.use_key(key, old)
    return key, old


def iam(world):
    return client(world.admin_key(), "iam", world.url)


def keys(world) -> dict[str, str]:
    """{key id: status} of the learner's IAM user."""
    return {k["AccessKeyId"]: k["Status"]
            for k in iam(world).list_access_keys(UserName=USER)["AccessKeyMetadata"]}


def works(kit, key) -> bool:
    """Whether MTurk's sandbox accepts ``key`` (one free call)."""
    from botocore.exceptions import ClientError

    try:
        client(key, "mturk", kit.endpoints, "sandbox").get_account_balance()
        return True
    except ClientError:
        return False


def no_secret(text: str, *secret_keys) -> None:
    for key in secret_keys:
        assert key.reveal_secret() not in text
        assert key.access_key_id not in text  # ids are shown masked (AKIA…WXYZ)


def test_happy_path_two_runs(world, kit, learner, tmp_path):
    old_key, old_file = learner
    first = rotate_key(kit)
    assert first.needs_confirmation and not first.done and first.step == "proven"
    new_file = tmp_path / "credentials-new.csv"
    assert first.new_path == str(new_file)
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600
    new_key = load_credentials(new_file)
    assert keys(world) == {old_key.access_key_id: "Active", new_key.access_key_id: "Active"}
    assert load_credentials(old_file) == old_key  # the old file is untouched
    assert kit.key == new_key  # the notebooks now load the new key
    assert "Link Mechanical Turk" in first.cloudresearch[0]
    assert any(new_key.masked_id in s and str(new_file) in s for s in first.cloudresearch)
    no_secret(first.summary() + json.dumps(first.to_dict()) + repr(first), old_key, new_key)

    done = rotate_key(kit, old_key, confirm=True)
    assert done.done and done.exit_code == 0
    assert keys(world) == {new_key.access_key_id: "Active"}
    assert works(kit, new_key) and not works(kit, old_key)
    state = rotation.state_path(kit)
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    text = state.read_text()
    assert new_key.reveal_secret() not in text and old_key.reveal_secret() not in text
    # Once more: nothing left to do, no third key.
    again = rotate_key(kit, old_key, confirm=True)
    assert again.done and keys(world) == {new_key.access_key_id: "Active"}
