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


class Interrupt(BaseException):
    """The learner closes the laptop (or presses Ctrl-C) at this point of the run."""


def until_done(kit, old_key, *, limit=8, **kwargs):
    """Run rotate-key again (confirming once the new key was shown) until it is done; return
    the results and the most keys the user held at once after any run."""
    runs = []
    for _ in range(limit):
        try:
            result = rotate_key(kit, old_key, confirm=bool(runs), **kwargs)
        except IamSetupError as exc:  # a clean stop (e.g. no answer): run it again
            runs.append(exc)
            continue
        runs.append(result)
        if result.done:
            return runs
    raise AssertionError(f"not done after {limit} runs: {runs}")


STAGES = ["identity", "key", "save", "cloudresearch", "deactivate", "check", "delete"]


@pytest.mark.parametrize("stage", STAGES)
def test_interrupted_at_each_step_then_finished_by_a_rerun(stage, world, kit, learner, tmp_path):
    old_key, old_file = learner
    seen = []

    def stop_here(p):
        seen.append(p.stage)
        if p.stage == stage:
            raise Interrupt(stage)

    with pytest.raises(Interrupt):
        rotate_key(kit, progress=stop_here)
        rotate_key(kit, old_key, confirm=True, progress=stop_here)  # the stages after the pause
    assert len(keys(world)) <= 2
    new_file = tmp_path / "credentials-new.csv"
    # A file is whole or absent: if it exists, it holds a key of the user.
    if new_file.exists():
        assert load_credentials(new_file).access_key_id in keys(world)
    runs = until_done(kit, old_key)
    new_key = load_credentials(new_file)
    assert keys(world) == {new_key.access_key_id: "Active"}  # no third key, none nobody holds
    assert works(kit, new_key) and not works(kit, old_key)
    assert kit.key == new_key
    if stage == "save":  # the answer came, the secret was never written: that key went
        assert any("never saved" in n for n in runs[0].notes), runs[0].notes


def test_the_two_key_limit_refuses_before_anything_changes(world, kit, learner, tmp_path):
    old_key, _old_file = learner
    other = client(world.admin_key(), "iam", world.url).create_access_key(UserName=USER)
    other_id = other["AccessKey"]["AccessKeyId"]
    before = keys(world)
    with pytest.raises(KeyLimitError) as caught:
        rotate_key(kit)
    message = str(caught.value)
    assert keys(world) == before and not (tmp_path / "credentials-new.csv").exists()
    assert "2 access keys" in message and "revoke-key" in message
    assert other_id not in message and f"{other_id[:4]}…{other_id[-4:]}" in message
    assert main(["rotate-key", "--demo"]) == 1
    # Revoking the other key by its masked id (as the message says) makes room.
    assert main(["revoke-key", "--demo", "--key-id", f"{other_id[:4]}…{other_id[-4:]}",
                 "--delete"]) == 0
    assert until_done(kit, old_key)[-1].done


def test_a_key_used_after_the_confirmation_is_not_deleted(world, kit, learner):
    """"In use" means: AWS saw the old key used after the learner confirmed CloudResearch
    has the new one (GetAccessKeyLastUsed later than its value at the confirmation). A use
    before the confirmation is expected (CloudResearch used it until then)."""
    old_key, _old_file = learner
    assert works(kit, old_key)  # used before: fine
    shown = rotate_key(kit)
    assert works(kit, old_key)  # still before the confirmation: fine

    def old_key_used_meanwhile(p):
        if p.stage == "deactivate":  # between the confirmation and the deactivation
            assert works(kit, old_key)

    with pytest.raises(KeyInUse) as caught:
        rotate_key(kit, old_key, confirm=True, progress=old_key_used_meanwhile)
    message = str(caught.value)
    assert "after you confirmed" in message and "not deleted" in message
    assert "mechanicalturk" in message and caught.value.last_used is not None
    no_secret(message + repr(caught.value), old_key)
    assert keys(world) == {old_key.access_key_id: "Inactive",
                           load_credentials(shown.new_path).access_key_id: "Active"}
    # Run again without confirming: still refused, still not deleted.
    with pytest.raises(KeyInUse):
        rotate_key(kit, old_key)
    assert main(["rotate-key", "--demo", "--credentials", str(learner[1])]) == 1
    # Whatever used it is fixed (the old key is inactive: it cannot be used); confirm again.
    assert not works(kit, old_key)
    done = rotate_key(kit, old_key, confirm=True)
    assert done.done and list(keys(world).values()) == ["Active"]


def test_a_confirmation_before_the_new_key_was_shown_does_not_count(world, kit, learner):
    old_key, _ = learner
    result = rotate_key(kit, confirm=True)
    assert result.needs_confirmation and not result.done
    assert any("not counted" in n for n in result.notes)
    assert len(keys(world)) == 2 and keys(world)[old_key.access_key_id] == "Active"


def test_the_new_file_never_replaces_an_existing_one_unless_asked(world, kit, learner, tmp_path):
    old_key, old_file = learner
    with pytest.raises(IamSetupError) as caught:
        rotate_key(kit, out=old_file)
    assert caught.value.bad_input and "old key's file" in str(caught.value)
    assert keys(world) == {old_key.access_key_id: "Active"}  # no key was made
    assert load_credentials(old_file) == old_key
    assert main(["rotate-key", "--demo", "--out", str(old_file)]) == 2
    result = rotate_key(kit, out=old_file, overwrite=True)  # asked: the old file is replaced
    assert load_credentials(old_file).masked_id == result.new_key


@pytest.mark.parametrize("settings, seed", [
    ({"drop_rate": 0.3}, 1), ({"drop_rate": 0.3}, 2), ({"drop_rate": 0.3}, 3),
    ({"service_fault_rate": 0.3}, 4), ({"throttle_rps": 2}, 5), ({"drop_rate": 1.0}, 0),
])
def test_faults_lose_no_key_and_make_no_extra_one(settings, seed, world, kit, learner, tmp_path):
    old_key, _ = learner
    world.faults(seed=seed, **settings)
    try:
        outcomes = []
        for confirm in (False, True, True, True):
            try:
                outcomes.append(rotate_key(kit, old_key, confirm=confirm))
            except IamSetupError as exc:
                outcomes.append(exc)
                assert "\n" not in str(exc) and "again" in str(exc), str(exc)
                no_secret(str(exc), old_key)
            world.faults()
            if settings.get("drop_rate") == 1.0:  # every answer lost: every run stops cleanly
                assert isinstance(outcomes[-1], IamSetupError) and outcomes[-1].unanswered
            assert len(keys(world)) <= 2
            world.faults(seed=seed + len(outcomes), **settings)
    finally:
        world.faults()
    runs = until_done(kit, old_key)  # the faults are gone: a re-run finishes the job
    new_key = load_credentials(tmp_path / "credentials-new.csv")
    assert keys(world) == {new_key.access_key_id: "Active"}
    assert works(kit, new_key)
    del runs


def test_revoke_deactivates_at_once_and_explains_quarantine(world, kit, learner, capsys):
    old_key, old_file = learner
    result = revoke_key(kit, old_key, key_path=old_file)
    assert keys(world) == {old_key.access_key_id: "Inactive"} and not works(kit, old_key)
    assert not result.quarantine and "rotate-key --demo --credentials" in result.next_steps[0]
    assert any("AWSCompromisedKeyQuarantineV2" in s for s in result.next_steps)
    no_secret(result.summary() + json.dumps(result.to_dict()) + repr(result), old_key)
    # AWS finds the leak: its quarantine policy on the user (played by the demo world).
    assert rotation.demo_aws_finds_leak(kit, old_key) == "AWSCompromisedKeyQuarantineV3"
    assert main(["revoke-key", "--demo", "--credentials", str(old_file)]) == 0
    printed = capsys.readouterr().out
    assert "AWS found the leak first" in printed and "not MTurk's" in printed
    no_secret(printed, old_key)
    # What comes next: rotate-key from the revoked key finishes the job.
    runs = until_done(kit, old_key)
    assert runs[-1].done and list(keys(world).values()) == ["Active"]


def test_the_command_line_rotates_in_two_steps(world, kit, learner, capsys, tmp_path):
    old_key, old_file = learner
    assert main(["rotate-key", "--demo"]) == 1  # stops for CloudResearch
    printed = capsys.readouterr()
    assert "Link Mechanical Turk" in printed.out and "--confirm-cloudresearch" in printed.out
    # Again, as typed the first time (the notebooks now load the new key): it carries on.
    assert main(["rotate-key", "--demo", "--confirm-cloudresearch", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["done"] is True and out["step"] == "done"
    new_key = load_credentials(tmp_path / "credentials-new.csv")
    no_secret(printed.out + printed.err + json.dumps(out), old_key, new_key)
    assert keys(world) == {new_key.access_key_id: "Active"}
    assert main(["rotate-key"]) == 2 and main(["revoke-key", "--admin-profile", "x"]) == 2


def test_another_rotation_waits_for_the_unfinished_one(world, kit, learner, tmp_path):
    old_key, _ = learner
    rotate_key(kit)
    other = world.console_create_iam_user("someone-else")
    with pytest.raises(IamSetupError) as caught:
        rotate_key(kit, other)
    assert caught.value.bad_input and "is not finished" in str(caught.value)


def test_the_rotation_form_in_two_clicks(world, kit, learner, tmp_path):
    from mturklink_helpers.widgets import RotateKeyForm

    old_key, old_file = learner
    form = RotateKeyForm(kit=kit)
    assert form.key_file.value == str(old_file.resolve())  # the key the notebooks loaded
    form.confirm_button.click()  # too early: the new key was not shown yet
    assert form.status_text.startswith("ℹ Note: the new key"), form.status_text
    assert "not counted" in form.output.value
    form.start_button.click()  # pressed again: nothing new, still waiting for CloudResearch
    assert "Link Mechanical Turk" in form.output.value and len(keys(world)) == 2
    form.confirm_button.click()
    assert form.status_text.startswith("✓ Done: rotated"), form.status_text
    new_key = load_credentials(tmp_path / "credentials-new.csv")
    assert keys(world) == {new_key.access_key_id: "Active"}
    no_secret(form.status.value + form.output.value + repr(form.get_state()), old_key, new_key)
    form.start_button.click()  # once more: finished, no third key
    assert keys(world) == {new_key.access_key_id: "Active"}


def test_the_revoke_form_with_the_demo_leak(world, kit, learner):
    from mturklink_helpers.widgets import RevokeKeyForm

    old_key, _old_file = learner
    form = RevokeKeyForm(kit=kit)
    form.leak_button.click()
    assert "AWSCompromisedKeyQuarantineV3" in form.status_text
    form.revoke_button.click()
    assert form.status_text.startswith("✓ Done: access key AKIA…"), form.status_text
    assert "AWS found the leak first" in form.output.value
    assert keys(world) == {old_key.access_key_id: "Inactive"}
    no_secret(form.status.value + form.output.value + repr(form.get_state()), old_key)
    form.key_file.value = "no-such-file.csv"
    form.revoke_button.click()
    assert form.status_text.startswith("✗ Problem:") and "no-such-file.csv" in form.status_text


def test_lesson_08_rotates_and_revokes_in_its_kernel(tmp_path):
    """Notebook 08 as a learner runs it (its own checks first), then its two key forms."""
    from tests.notebooks.harness import run_lesson

    then = """\
rotate.start_button.click()
assert rotate.status_text.startswith('ℹ Note: the new key AKIA'), rotate.status_text
rotate.confirm_button.click()
assert rotate.status_text.startswith('✓ Done: rotated'), rotate.status_text
revoke.leak_button.click()
revoke.revoke_button.click()
assert revoke.status_text.startswith('✓ Done: access key AKIA'), revoke.status_text
assert 'AWS found the leak first' in revoke.output.value
"""
    run = run_lesson("08_manage_keys", home=tmp_path, then=[then])
    outputs = json.dumps(run.notebook)
    assert "Traceback" not in outputs


def test_rotating_another_users_key_leaves_the_notebooks_key_alone(world, kit, learner, tmp_path):
    mine, _ = learner
    other_file = tmp_path / "other" / "credentials.csv"
    other_file.parent.mkdir()
    other = world.console_create_iam_user("lab-member", download=other_file)
    rotate_key(kit, other, old_path=other_file)
    assert kit.key == mine  # the notebooks keep the learner's own key
    done = rotate_key(kit, other, confirm=True)
    assert done.done and load_credentials(other_file.parent / "credentials-new.csv").masked_id \
        == done.new_key
