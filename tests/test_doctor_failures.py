"""Every failure mode of the registry (failures.py) as a scenario: made in the demo world the way
a person makes it on the real websites (problems.py), then the doctor through diagnose() and
through the CLI (--json and text). Checked: the step named, the exit code, the fix's words,
no secret in any output. The failure modes and the real answers behind them come from
shared/reference/mturk-evidence.md, section 3."""

from __future__ import annotations

import json

import pytest

from mturklink_helpers.cli import main
from mturklink_helpers.credentials import AccessKey, save_profile, write_credentials
from mturklink_helpers.doctor import Status
from mturklink_helpers.failures import FAILURES, KnownFailures, failure, markdown_table
from mturklink_helpers.problems import DEMO_PROBLEMS, make_problem

# (failure, demo problem) for every demo problem of every failure
WITH_DEMO = [(f, demo) for f in FAILURES for demo in f.demo]
IDS = [demo for _f, demo in WITH_DEMO]


def _exit_code(f) -> int:
    if f.check == "key_shape":
        return 2
    return 0 if (f.warning or f.note) else 1


@pytest.mark.parametrize(("f", "demo"), WITH_DEMO, ids=IDS)
def test_each_failure_made_in_the_world_is_named_by_its_step_and_fix(f, demo, world, kit):
    key = make_problem(kit, demo)
    diagnosis = kit.diagnose(key)
    assert diagnosis.exit_code == _exit_code(f), diagnosis.to_text()
    check = diagnosis[f.check] if f.check in {c.name for c in diagnosis.checks} else None
    found = [c for c in diagnosis.checks if c.step == f.step and c.status.value != "ok"]
    if f.note:
        assert failure(f.id).summary.split(" (")[0] in check.summary
        assert check.status is Status.OK
    else:
        assert found, diagnosis.to_text()
        fix = f.fix.split(":")[0]
        assert any(fix in c.fix for c in found), (fix, [c.fix for c in found])
        if f.step:
            assert diagnosis.next_step == f.step or f.warning
    for text in (diagnosis.to_text(), diagnosis.to_json(), diagnosis.to_html(), repr(diagnosis)):
        assert key.reveal_secret() not in text


# A temporary key cannot even be read from a key file: the CLI refuses the file (exit 2).
@pytest.mark.parametrize(("f", "demo"), [(f, d) for f, d in WITH_DEMO if d != "temporary-key"],
                         ids=[d for d in IDS if d != "temporary-key"])
def test_the_cli_says_the_same_in_json_and_text(f, demo, world, kit, tmp_path, capsys):
    key = make_problem(kit, demo)
    path = write_credentials(key, tmp_path / "credentials.csv")
    code = main(["doctor", "--demo", "--credentials", str(path), "--json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert code == data["exit_code"] == _exit_code(f)
    assert key.reveal_secret() not in out
    code = main(["doctor", "--demo", "--credentials", str(path)])
    text = capsys.readouterr().out
    assert code == _exit_code(f) and key.reveal_secret() not in text
    assert data["verdict"].split(".")[0] in " ".join(text.split())


def test_a_temporary_key_is_refused_before_any_call(world, kit):
    key = make_problem(kit, "temporary-key")
    assert key.access_key_id.startswith("ASIA")
    diagnosis = kit.diagnose(key)
    assert diagnosis["key_shape"].step == "4" and "temporary" in diagnosis["key_shape"].summary
    assert diagnosis.exit_code == 2


def test_an_example_key_from_the_docs_is_named_as_such(world, kit):
    diagnosis = kit.diagnose(AccessKey("AKIAIOSFODNN7EXAMPLE",
                                       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    assert diagnosis["key_shape"].summary.endswith("not one AWS gave you")
    assert diagnosis.next_step == "4 j–k" and diagnosis.exit_code == 2


def test_a_policy_that_cannot_create_hits_is_not_ready_for_cloudresearch(world, kit):
    """The probe asks what CloudResearch will do (CreateHIT), not UpdateExpirationForHIT."""
    diagnosis = kit.diagnose(make_problem(kit, "cannot-create"))
    assert diagnosis["sandbox"].status is Status.OK and diagnosis["production"].status is Status.OK
    assert diagnosis["create_hits"].status is Status.FAILED
    assert diagnosis["turkprime"].status is Status.FAILED and diagnosis.exit_code == 1


def test_an_explicit_deny_is_not_told_to_attach_what_is_attached(world, kit):
    diagnosis = kit.diagnose(make_problem(kit, "deny-all"))
    assert "already there" in diagnosis["sandbox"].fix
    assert not diagnosis["sandbox"].fix.startswith("Attach")


@pytest.mark.parametrize("environment", ["sandbox", "production"])
def test_the_permission_probe_creates_and_spends_nothing(world, kit, environment):
    """docs/doctor.md: the CreateHIT probe is refused by MTurk after IAM allows it."""
    from mturklink_helpers.clients import client

    world.set_balance("25.00")
    key = world.console_create_iam_user()
    diagnosis = kit.diagnose(key)
    assert diagnosis["create_hits"].status is Status.OK
    assert "ParameterValidationError" in diagnosis["create_hits"].evidence
    mturk = client(key, "mturk", world.url, environment)
    assert mturk.list_hits()["HITs"] == []
    assert mturk.get_account_balance()["AvailableBalance"] in ("25.00", "10000.00")


def test_a_stale_profile_and_a_wrong_region_are_warnings(world, kit, tmp_path, monkeypatch):
    credentials, config = tmp_path / "credentials", tmp_path / "config"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    old, new = world.console_create_iam_user("old-user"), world.console_create_iam_user()
    save_profile(old, "mturk", credentials)
    diagnosis = kit.diagnose(new)
    assert diagnosis["config"].status is Status.WARNING and diagnosis.exit_code == 0
    assert old.masked_id in diagnosis["config"].summary
    config.write_text("[profile mturk]\nregion = eu-west-1\n")
    diagnosis = kit.diagnose(old, profile="mturk")
    assert "region eu-west-1" in diagnosis["config"].summary
    assert "us-east-1" in diagnosis["config"].fix
    config.write_text("[profile mturk]\nregion = us-east-1\n"
                      "endpoint_url = https://mechanicalturk.amazonaws.com\n")
    assert "retired" in kit.diagnose(old, profile="mturk")["config"].summary


def test_every_demo_problem_belongs_to_a_failure_or_is_none():
    named = {demo for f in FAILURES for demo in f.demo}
    assert set(DEMO_PROBLEMS) - {"none"} == named


def test_docs_table_is_generated_from_the_failures():
    """docs/doctor.md's table is markdown_table(); refresh with tools/write_doctor_table.py."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "doctor.md").read_text()
    begin, end = "<!-- failures table: begin -->\n", "\n<!-- failures table: end -->"
    assert begin in text and end in text, "docs/doctor.md lacks the generated table"
    assert text.split(begin)[1].split(end)[0] == markdown_table(), (
        "docs/doctor.md's table is out of date: run .venv/bin/python tools/write_doctor_table.py")


def test_the_lessons_show_every_failure_with_a_link_to_the_lesson_that_fixes_it():
    """Notebook 07's list (JupyterLab and Voilà show only notebooks/, not docs/): each failure
    of docs/doctor.md's table, its step a link to a lesson that exists."""
    import html
    import re
    from pathlib import Path

    page = KnownFailures()._repr_html_()
    assert page.startswith("<details><summary>Every failure the doctor knows (")
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", page)
    listed = [f for f in FAILURES if f.id not in ("not_a_key_file", "not_ready")]
    assert [html.unescape(symptom) for symptom, _ in rows] == [f.symptom for f in listed]
    assert len(rows) == markdown_table().count("\n") - 1  # the docs' table, row for row
    lessons = Path(__file__).resolve().parents[1] / "notebooks"
    for f, (_, step) in zip(listed, rows, strict=True):
        if f.step is None:
            assert step == "—"
            continue
        href = re.search(r'href="([^"]+)"', step).group(1)
        assert (lessons / href).is_file(), href
        assert f"step {f.step} → notebook {href[:2]}" in html.unescape(step)
