"""The doctor in the demo world: one scenario per failure, each naming the right guide step."""

from __future__ import annotations

import html
import json
import re
import secrets
import string

import boto3
import pytest

from mturklink_helpers.clients import client
from mturklink_helpers.credentials import AccessKey
from mturklink_helpers.doctor import Status, step_verdict

READONLY = "AmazonMechanicalTurkReadOnly"


def with_steps(world, *steps):
    """The world with only these guide steps done (1 AWS account, 2 link, 3 sandbox)."""
    actions = {1: world.create_aws_account, 2: world.link_requester_account,
               3: world.register_sandbox}
    for number in sorted(steps):
        actions[number]()
    return world


def random_secret() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))


def statuses(diagnosis) -> dict[str, str]:
    return {c.name: c.status.value for c in diagnosis.checks}


def assert_no_secret(diagnosis, key: AccessKey) -> None:
    secret = key.reveal_secret()
    for rendering in (diagnosis.to_text(), diagnosis.to_html(), diagnosis.to_json(), repr(diagnosis)):
        assert secret not in rendering
        assert key.access_key_id not in rendering  # only the masked id is shown


def test_everything_right_is_ready_for_turkprime(world, kit):
    key = world.console_create_iam_user()
    diagnosis = kit.diagnose(key)
    assert diagnosis.ok and diagnosis.exit_code == 0 and diagnosis.next_step is None
    assert set(statuses(diagnosis).values()) == {"ok"}
    assert [c.name for c in diagnosis.checks] == [
        "key_shape", "config", "identity", "sandbox", "production", "create_hits",
        "least_privilege", "new_key", "turkprime"]
    assert "$10,000.00" in diagnosis["sandbox"].summary  # plain words, not AWS's
    assert diagnosis["sandbox"].evidence == "GetAccountBalance answered 10000.00"
    assert diagnosis.identity_arn.endswith(":user/mturk-requester")
    form = {f.label: f.value for f in diagnosis.turkprime_form}
    assert list(form) == ["Amazon Account Name", "Access Key ID", "Secret Access Key",
                          "Amazon Requester Name", "Amazon Requester ID"]
    assert form["Access Key ID"] == key.masked_id
    assert "credentials.csv" in diagnosis.turkprime_form[2].note
    # Only what is typed as shown is monospace (notebook 05: descriptions in code ran into the
    # next column).
    assert re.findall(r"<code>(.*?)</code>", diagnosis.form_html()) == [key.masked_id]
    assert "ready for CloudResearch" in diagnosis.verdict
    assert diagnosis.to_text().endswith("\n\n" + diagnosis.verdict)  # short enough for one line
    assert_no_secret(diagnosis, key)


def test_unknown_key_names_step_4_i_to_k(world, kit):
    key = AccessKey("AKIA" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ234567")
                                     for _ in range(16)), random_secret())
    diagnosis = kit.diagnose(key)
    assert diagnosis["identity"].status is Status.FAILED
    assert diagnosis["identity"].evidence == "InvalidClientTokenId"
    assert diagnosis.next_step == "4 i–k" and diagnosis.exit_code == 1
    assert statuses(diagnosis)["sandbox"] == "skipped"
    assert_no_secret(diagnosis, key)


def test_wrong_secret_names_step_4_j_to_k(world, kit):
    good = world.console_create_iam_user()
    key = AccessKey(good.access_key_id, random_secret())
    diagnosis = kit.diagnose(key)
    assert diagnosis["identity"].evidence == "SignatureDoesNotMatch"
    assert diagnosis.next_step == "4 j–k"
    assert "secret" in diagnosis["identity"].summary
    assert_no_secret(diagnosis, key)


def test_root_key_fails_step_4_and_says_why(world, kit):
    """The guide's step 4 exists so that CloudResearch never holds root keys (evidence §3:
    they work, NRGI runs production on one, Mephisto #759 saw one)."""
    key = world.root_key()
    diagnosis = kit.diagnose(key)
    assert diagnosis["identity"].status is Status.FAILED
    assert diagnosis["identity"].step == "4" and diagnosis.next_step == "4"
    assert "root user's key" in diagnosis["identity"].summary
    assert "never holds it" in diagnosis["identity"].summary
    assert diagnosis["turkprime"].status is Status.FAILED
    assert not diagnosis.ok and diagnosis.exit_code == 1
    assert "IAM user" in diagnosis.verdict


def test_no_policy_names_step_4_f_to_h(world, kit):
    key = world.console_create_iam_user(policy=None)
    diagnosis = kit.diagnose(key)
    assert diagnosis["sandbox"].step == "4 f–h"
    assert diagnosis["sandbox"].evidence == "AccessDeniedException"
    assert diagnosis["production"].step == "4 f–h"
    assert diagnosis.next_step == "4 f–h"
    assert "AmazonMechanicalTurkFullAccess" in diagnosis.verdict


def test_readonly_policy_reads_but_cannot_create_hits(world, kit):
    key = world.console_create_iam_user(policy=READONLY)
    diagnosis = kit.diagnose(key)
    got = statuses(diagnosis)
    assert got["sandbox"] == got["production"] == "ok"
    assert got["create_hits"] == "failed" and got["turkprime"] == "failed"
    assert diagnosis["create_hits"].step == "4 f–h"
    assert "ReadOnly" in diagnosis["create_hits"].summary
    assert diagnosis.next_step == "4 f–h"


def test_readonly_probe_creates_no_hit(world, kit):
    key = world.console_create_iam_user()
    kit.diagnose(key)
    assert client(key, "mturk", world.url).list_hits()["HITs"] == []


def test_requester_account_not_linked_names_step_2(blank_world, kit):
    world = with_steps(blank_world, 1)
    key = world.console_create_iam_user()
    diagnosis = kit.diagnose(key)
    assert diagnosis["production"].step == "2"
    assert diagnosis["production"].evidence == "RequestError, TurkErrorCode AWS.AccountNotLinked"
    assert diagnosis["sandbox"].step == "3"
    assert diagnosis.next_step == "2"
    assert "https://requester.mturk.com/developer" in diagnosis["production"].fix


def test_sandbox_works_but_production_not_linked_names_step_2(blank_world, kit):
    world = with_steps(blank_world, 1, 3)
    diagnosis = kit.diagnose(world.console_create_iam_user())
    assert statuses(diagnosis)["sandbox"] == "ok"
    assert diagnosis["production"].status is Status.FAILED
    assert diagnosis.next_step == "2"
    assert "sandbox answers" in diagnosis["production"].summary


def test_an_all_green_table_reads_in_plain_words_with_aws_evidence_folded(world, kit):
    """A researcher reads "balance: $10,000.00", not "GetAccountBalance answered"; whoever
    helps still finds AWS's own words, one click away."""
    diagnosis = kit.diagnose(world.console_create_iam_user())
    page = diagnosis.to_html()
    shown = re.sub(r"<details>.*?</details>", "", page, flags=re.S)
    for jargon in ("GetAccountBalance", "ParameterValidationError", "AccessDenied", "CreateHIT",
                   "IAM let", "arn:aws"):
        assert jargon not in re.sub(r"<p>Doctor for access key.*?</p>", "", shown), jargon
    assert "play-money balance: $10,000.00" in shown
    assert "AWS let this key create HITs (a test request: nothing was made or spent)" in shown
    folded = re.findall(r"<details><summary>Details for whoever helps you</summary>(.*?)</details>",
                        page, flags=re.S)
    assert sorted(folded) == sorted(f"<code>{html.escape(c.evidence)}</code>"
                                    for c in diagnosis.checks if c.evidence)
    assert any("ParameterValidationError" in f for f in folded)  # never dropped


def test_the_table_headers_do_not_wrap(blank_world, kit):
    diagnosis = kit.diagnose(with_steps(blank_world, 1, 2).console_create_iam_user())
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", diagnosis.to_html())
    assert "what to do" in headers  # a failed check: the column is there
    assert diagnosis.to_html().count('<th style="white-space:nowrap">') == len(headers)


def test_sandbox_not_registered_names_step_3(blank_world, kit):
    world = with_steps(blank_world, 1, 2)
    diagnosis = kit.diagnose(world.console_create_iam_user())
    assert statuses(diagnosis)["production"] == "ok"
    assert diagnosis["sandbox"].status is Status.FAILED
    assert diagnosis["sandbox"].step == "3" and diagnosis.next_step == "3"
    assert "requestersandbox.mturk.com/developer" in diagnosis["sandbox"].fix
    page = diagnosis.to_html()
    assert 'href="03_register_requester_sandbox.ipynb"' in page  # the lessons' own folder
    assert page.count('<a href="0') == len(diagnosis.failed)  # one lesson per failed check
    # The fix's address is a link too, opening in a new tab (the notebook stays open).
    assert ("<a href='https://requestersandbox.mturk.com/developer' target='_blank' "
            "rel='noopener'>") in page


def test_key_still_propagating_is_waited_for_on_the_simulated_clock(world, kit):
    world.set_propagation_delay(40)
    key = world.console_create_iam_user()
    before = world.now()
    events = []
    diagnosis = kit.diagnose(key, progress=events.append)
    waited = (world.now() - before).total_seconds()
    assert events and all(e.stage == "wait" and "new key" in e.message for e in events)
    assert diagnosis.ok
    assert diagnosis["new_key"].status is Status.OK
    assert "after" in diagnosis["new_key"].summary and "minute" in diagnosis["new_key"].summary
    # The world clock also runs in real time: the few real milliseconds of the calls count.
    assert 40 <= waited < 90 and diagnosis.waited == pytest.approx(waited, abs=1.0)


def test_key_that_never_arrives_is_called_broken_after_the_limit(world, kit):
    world.set_propagation_delay(600)
    key = world.console_create_iam_user()
    diagnosis = kit.diagnose(key, wait=kit.wait(max_wait=30))
    assert diagnosis["new_key"].status is Status.FAILED
    assert diagnosis["new_key"].step == "4 i–k"
    assert diagnosis["sandbox"].evidence == "UnrecognizedClientException"
    assert "few minutes" in diagnosis["new_key"].fix
    assert diagnosis.exit_code == 1


def test_bad_key_file_is_bad_input(tmp_path, world, kit):
    path = tmp_path / "credentials.csv"
    path.write_text("Access key ID,Secret access key\nAKIA123,short\n")
    diagnosis = kit.diagnose(path)
    assert diagnosis["key_shape"].status is Status.FAILED
    assert diagnosis["key_shape"].step == "4 j–k"
    assert diagnosis.exit_code == 2
    assert all(c.status is Status.SKIPPED for c in diagnosis.checks[1:])


def test_temporary_session_credentials_are_refused(world, kit):
    session = boto3.Session(aws_access_key_id="ASIA" + "A" * 16, aws_secret_access_key="x" * 40,
                            aws_session_token="token", region_name="us-east-1")
    diagnosis = kit.diagnose(session)
    assert diagnosis["key_shape"].status is Status.FAILED
    assert "temporary" in diagnosis["key_shape"].summary


def test_a_boto3_session_of_a_good_key_is_accepted(world, kit):
    key = world.console_create_iam_user()
    assert kit.diagnose(key.session()).ok


def test_sandbox_only_skips_production(world, kit):
    diagnosis = kit.diagnose(world.console_create_iam_user(), environments=["sandbox"])
    assert diagnosis["production"].status is Status.SKIPPED
    assert diagnosis["sandbox"].status is Status.OK


def test_json_has_every_check_with_step_and_evidence(blank_world, kit):
    world = with_steps(blank_world, 1, 2)
    key = world.console_create_iam_user()
    data = json.loads(kit.diagnose(key).to_json())
    assert data["ok"] is False and data["exit_code"] == 1 and data["next_step"] == "3"
    sandbox = next(c for c in data["checks"] if c["name"] == "sandbox")
    assert sandbox["status"] == "failed"
    assert sandbox["evidence"] == "RequestError, TurkErrorCode AWS.AccountNotLinked"
    assert sandbox["notebook"] == "03_register_requester_sandbox.ipynb"
    assert data["key"] == key.masked_id


def test_text_output_names_the_step(world, kit):
    world.unregister_sandbox()
    text = kit.diagnose(world.console_create_iam_user()).to_text()
    assert "FAILED" in text and "[guide step 3]" in text
    verdict = text.split("\n\n")[-1]
    assert verdict.startswith("Next: guide step 3")
    assert max(len(line) for line in text.splitlines()) <= 100


def test_readonly_is_caught_even_before_the_sandbox_is_registered(blank_world, kit):
    world = with_steps(blank_world, 1, 2)
    diagnosis = kit.diagnose(world.console_create_iam_user(policy=READONLY))
    assert diagnosis["create_hits"].status is Status.FAILED
    assert diagnosis["create_hits"].step == "4 f–h"
    assert diagnosis.next_step == "3"  # the sandbox comes first in the guide


def test_check_step_judges_only_its_own_step(blank_world, kit):
    """Step 2's check passes while step 3 is missing: a later step is not this one's fault."""
    world = with_steps(blank_world, 1, 2)
    diagnosis = kit.diagnose(world.console_create_iam_user())
    assert step_verdict(diagnosis, 2).done is True
    assert step_verdict(diagnosis, 3).done is False
    assert "requestersandbox.mturk.com/developer" in step_verdict(diagnosis, 3).sentence
    assert step_verdict(diagnosis, 4).done is True
    assert step_verdict(diagnosis, 5).done is False


def test_root_key_is_not_step_4_done(world, kit):
    diagnosis = kit.diagnose(world.root_key())
    verdict = step_verdict(diagnosis, 4)
    assert verdict.done is False and "root" in verdict.sentence

