"""The forms as a learner uses them, in the demo world: success, failure, and no secret
left in any widget's state."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from ipywidgets.widgets.widget import _instances

from mturklink_helpers import progress
from mturklink_helpers.clients import client
from mturklink_helpers.kit import Kit
from mturklink_helpers.problems import DEMO_PROBLEMS, catch_up
from mturklink_helpers.widgets import (
    ConsoleChecklist,
    CreateIamUserForm,
    DemoProblems,
    DoctorPanel,
    LoadCredentialsForm,
    ModeChooser,
    TestHitForm,
    TurkPrimeHandoff,
)


def all_widget_state() -> str:
    return json.dumps([w.get_state() for w in list(_instances.values())], default=str)


def test_steps_1_to_3_by_checklist_and_progress_file(kit):
    for step in (1, 2, 3):
        form = ConsoleChecklist(step, kit=kit)
        form.check_button.click()
        assert form.status_text.startswith(f"✗ Problem: step {step} is not done yet")
        form.do_button.click()
        form.check_button.click()
        assert form.status_text == f"✓ Done: step {step} is done."
    assert progress.steps_done("demo", kit.home) == {1, 2, 3}
    assert progress.steps_done("live", kit.home) == set()
    text = progress.progress_path(kit.home).read_text()
    assert "AKIA" not in text


def test_in_demo_one_press_does_the_step_and_checks_it_and_the_ticks_fold_away(kit, tmp_path):
    """Ticking boxes for a website the demo only plays would be clicks that prove nothing:
    in demo mode the sub-steps are folded and one press does the step and checks it. Live,
    the boxes are the checklist and there is nothing to press for the learner."""
    form = ConsoleChecklist(1, kit=kit)
    assert form.fold.selected_index is None  # folded: its title says what is inside
    assert form.fold.get_title(0) == "On the real website: 5 sub-steps"
    form.do_button.click()
    assert form.status_text == ("✓ Done: Create the AWS account: done in the demo world, "
                                "then checked: step 1 is done.")
    assert all(box.value for box in form.boxes) and 1 in kit.steps_done()
    form.undo_button.click()
    assert not any(box.value for box in form.boxes) and 1 not in kit.steps_done()
    live = ConsoleChecklist(1, kit=Kit("live", home_dir=tmp_path, load_saved_key=False))
    assert not hasattr(live, "do_button") and not hasattr(live, "fold")
    assert live.inputs.children[0].children[0].children[0] is live.boxes[0]  # shown, not folded


def test_step_5_in_demo_ticks_for_the_learner_since_the_demo_has_no_cloudresearch(kit):
    catch_up(kit, 4)
    form = ConsoleChecklist(5, kit=kit)
    form.do_button.click()
    assert form.status_text.startswith("✓ Done: Link CloudResearch: the demo has no CloudResearch "
                                       "site, so the step's boxes are ticked for you, then checked: "
                                       "step 5 is done"), form.status_text
    assert 5 in kit.steps_done() and not hasattr(form, "undo_button")


def test_console_route_loads_the_downloaded_file_and_keeps_no_secret(kit):
    ConsoleChecklist(4, kit=kit).do_button.click()
    form = LoadCredentialsForm(kit=kit)
    form.load_button.click()
    assert form.status_text.startswith("✓ Done: loaded access key AKIA")
    assert "mturk-requester" in form.output.value and "123456789012" in form.output.value
    secret = kit.key.reveal_secret()
    assert secret not in all_widget_state()
    assert not form.load_button.disabled


def test_chosen_file_loads_keeps_its_name_not_its_bytes(kit):
    """The button's counter says one file was chosen (not "(0)") and the status names it,
    yet the widget holds no byte of the file (its secret)."""
    ConsoleChecklist(4, kit=kit).do_button.click()
    form = LoadCredentialsForm(kit=kit)
    chosen = kit.demo_download().read_bytes()
    form.upload.value = ({"name": "credentials.csv", "type": "text/csv", "size": len(chosen),
                          "content": memoryview(chosen), "last_modified": datetime.now(UTC)},)
    assert form.status_text == (f"✓ Done: loaded access key {kit.key.masked_id} from credentials.csv; "
                                "step 4 is done (the doctor checked it).")
    [left] = form.upload.value  # "Choose file (1)": the counter is len(value)
    assert left["name"] == "credentials.csv" and bytes(left["content"]) == b"" and left["size"] == 0
    assert kit.key.reveal_secret() not in all_widget_state()
    # "Load key" then reads the path, not the name left behind, which stays: "(1)", not "(0)".
    form.load_button.click()
    assert form.status_text.startswith("✓ Done: loaded access key")
    assert [f["name"] for f in form.upload.value] == ["credentials.csv"]


def test_a_chosen_file_is_found_by_the_next_notebooks(kit, tmp_path):
    """No dead end after "Choose file": a private copy is kept where the kit keeps key files,
    and the next notebook's kit (a kernel of its own) finds the key."""
    import stat

    from mturklink_helpers.kit import Kit

    ConsoleChecklist(4, kit=kit).do_button.click()
    chosen = kit.demo_download().read_bytes()
    kit.demo_download().unlink()  # only the browser's copy is left: the file the learner picked
    form = LoadCredentialsForm(kit=kit)
    form.upload.value = ({"name": "my key.csv", "type": "text/csv", "size": len(chosen),
                          "content": memoryview(chosen), "last_modified": datetime.now(UTC)},)
    assert form.status_text.startswith("✓ Done: loaded access key"), form.status_text
    kept = tmp_path / "secrets" / "chosen" / "my_key.csv"
    assert "secrets/chosen/my_key.csv" in form.output.value and "next notebooks" in form.output.value
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kit.key.reveal_secret() not in all_widget_state() + form.output.value + form.status_text
    next_notebook = Kit("demo", home_dir=kit.home)
    assert next_notebook.key is not None and next_notebook.key.access_key_id == kit.key.access_key_id


def test_in_demo_the_path_box_names_the_demo_download_and_says_when_it_is_not_made_yet(kit):
    """Nothing to type in demo mode: Load key reads where the Demo button "downloads" the key;
    pressed first, it says which button makes the file. A loaded key is step 4 done, checked:
    the progress shows it without another press."""
    form = LoadCredentialsForm(kit=kit)  # before the Demo button made the file
    assert form.path.value == str(kit.demo_download().relative_to(kit.demo_download().parents[2]))
    form.load_button.click()
    assert form.status_text.startswith("✗ Problem: There is no key file at secrets/demo-downloads/"
                                       "credentials.csv yet: press the Demo button above first")
    ConsoleChecklist(4, kit=kit).do_button.click()
    form.load_button.click()
    assert form.status_text.startswith("✓ Done: loaded access key"), form.status_text
    assert form.status_text.endswith("; step 4 is done (the doctor checked it).")
    assert 4 in kit.steps_done()


def test_bad_upload_is_one_sentence_with_the_step_and_is_cleared(kit):
    form = LoadCredentialsForm(kit=kit)
    form.path.value = ""
    secretish = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    form.upload.value = ({"name": "credentials.csv", "type": "text/csv", "size": 60,
                          "content": memoryview(f"Access key ID,Secret access key\nASIAIOSFODNN7EXAMPLE,{secretish}\n".encode()),
                          "last_modified": datetime.now(UTC)},)  # choosing the file loads it
    assert form.status_text.startswith("✗ Problem: the key file, line 2, column 1")
    assert "temporary credentials" in form.status_text and "step 4" in form.status_text
    assert "Traceback" not in form.output.value  # the kit's own error says it all
    assert form.upload.value == ()
    assert secretish not in all_widget_state()
    assert not form.load_button.disabled and form.load_button.description == "Load key"
    assert kit.key is None


def test_create_iam_user_form_shows_progress_and_saves_0600(tmp_path, kit):
    form = CreateIamUserForm(kit=kit)
    seen = []
    original = form.show_progress
    form.show_progress = lambda fraction, message: (seen.append(message), original(fraction, message))
    form.create_button.click()
    assert form.status_text == "✓ Done: the IAM user is ready."
    assert seen, "progress was reported while provisioning"
    saved = tmp_path / "secrets" / "credentials.csv"
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert kit.key.reveal_secret() not in all_widget_state()
    form.create_button.click()  # re-run: reuses the user, makes no duplicate
    assert form.status_text.startswith("✓ Done"), form.status_text
    # It says how to get a new key in the form's own words (its checkbox, not a command-line
    # flag), as sentences that wrap between words (a <pre> broke "onl / y once").
    assert ("no new access key was made: if you lost the secret, tick “make a new key even if "
            "the user has one” above and press “Create IAM user” again") in form.output.value
    assert "--new-key" not in form.output.value and "new_key=" not in form.output.value
    assert "<pre>" not in form.output.value and "<li>" in form.output.value


@pytest.mark.parametrize("problem, step", [
    ("sandbox", "guide step 3"), ("not-linked", "guide step 2"), ("no-policy", "guide step 4 f–h"),
    ("wrong-secret", "guide step 4 j–k"),
])
def test_doctor_panel_names_the_step(problem, step, kit):
    breaker = DemoProblems(kit=kit)
    breaker.problem.value = problem
    breaker.apply_button.click()
    doctor = DoctorPanel(kit=kit)
    doctor.run_button.click()
    assert doctor.status_text.startswith("✗ Problem") and step in doctor.status_text
    assert kit.key.reveal_secret() not in all_widget_state()


def test_the_doctor_marks_what_it_proves_and_unmarks_what_it_disproves(kit):
    """All checks pass: steps 1–4 are done (5 waits for the learner's ticks). Step 3 undone on
    purpose: the doctor finds it and the progress list no longer says step 3 is done."""
    breaker, doctor = DemoProblems(kit=kit), DoctorPanel(kit=kit)
    doctor.run_button.click()
    assert doctor.status_text.startswith("✓ Done") and kit.steps_done() == {1, 2, 3, 4}
    kit.record(5)  # the learner ticked step 5 in notebook 05
    breaker.problem.value = "sandbox"
    breaker.apply_button.click()
    doctor.run_button.click()
    assert "guide step 3" in doctor.status_text
    assert kit.steps_done() == {1, 2, 4}  # step 5's check failed with it: not ready either
    breaker.problem.value = "none"
    breaker.apply_button.click()
    doctor.run_button.click()
    assert kit.steps_done() == {1, 2, 3, 4}


def test_every_problem_in_turn_twice_in_one_world(kit):
    # A learner in notebook 07 tries one mistake after another, then again: each time the
    # world changes and the doctor follows (keys are replaced, never past IAM's two-key limit).
    expected = {"none": "✓ Done", "not-linked": "step 2", "sandbox": "step 3",
                "no-policy": "step 4 f–h", "read-only": "step 4 f–h", "cannot-create": "step 4 f–h",
                "deny-create": "step 4 f–h", "deny-all": "step 4 f–h", "mfa-required": "step 4 f–h",
                "admin-access": "more than CloudResearch needs", "wrong-secret": "step 4 j–k",
                "unknown-key": "step 4 i–k", "inactive-key": "step 4 i–k",
                "temporary-key": "guide step 4 (key shape)", "root-key": "guide step 4 (who",
                "no-funds": "✓ Done"}
    assert set(expected) == set(DEMO_PROBLEMS)
    breaker, doctor = DemoProblems(kit=kit), DoctorPanel(kit=kit)
    for problem in list(DEMO_PROBLEMS) * 2:
        breaker.problem.value = problem
        breaker.apply_button.click()
        assert breaker.status_text.startswith("✓ Done"), (problem, breaker.status_text)
        doctor.run_button.click()
        assert expected[problem] in doctor.status_text, (problem, doctor.status_text)


def test_doctor_without_a_key_says_where_to_get_one(tmp_path):
    from mturklink_helpers.kit import Kit

    doctor = DoctorPanel(kit=Kit("live", home_dir=tmp_path, load_saved_key=False))
    doctor.run_button.click()
    assert "notebook 04" in doctor.status_text and not doctor.run_button.disabled


def test_the_doctor_in_a_lone_demo_notebook_catches_up(kit):
    """Notebook 07 opened first, in demo mode: steps 1–4 are done for the learner."""
    doctor = DoctorPanel(kit=kit)
    doctor.run_button.click()
    assert doctor.status_text.startswith("✓ Done: All checks passed"), doctor.status_text


def test_turkprime_handoff_never_shows_the_secret(kit):
    catch_up(kit, 4)
    form = TurkPrimeHandoff(kit=kit)
    form.check_button.click()
    assert form.status_text.startswith("✓ Done: both endpoints answer")
    assert kit.key.masked_id in form.output.value
    assert kit.key.reveal_secret() not in all_widget_state()


def test_test_hit_form_needs_feedback_to_reject_and_cleans_up(kit):
    form = TestHitForm(kit=kit)
    form.answers_button.click()
    assert "Create the test HIT first" in form.status_text
    form.create_button.click()
    form.simulate_button.click()
    form.answers_button.click()
    form.assignment.value = form.assignment.options[0][1]
    form.reject_button.click()
    assert "write feedback first" in form.status_text
    form.approve_button.click()
    assert "approved 1" in form.status_text
    form.cleanup_button.click()  # one answer is not reviewed: clean-up says it approves it
    assert form.status_text.startswith("ℹ Note: 1 answer not reviewed yet: clean-up approves it")
    assert client(kit.key, "mturk", kit.endpoints).list_hits()["HITs"], "nothing done yet"
    form.cleanup_button.click()
    assert form.status_text.startswith("✓ Done: nothing of the kit is left")


@pytest.mark.parametrize("problem", ["no-policy", "sandbox"])
def test_test_hit_in_a_broken_setup_points_to_the_doctor(problem, kit):
    form = TestHitForm(kit=kit)  # opening notebook 06 completes steps 1-4 in the demo world
    breaker = DemoProblems(kit=kit)
    breaker.problem.value = problem
    breaker.apply_button.click()
    form.create_button.click()
    assert form.status_text.startswith("✗ Problem: AWS answered"), form.status_text
    assert "The doctor (notebook 07) names the step" in form.status_text
    assert not form.create_button.disabled


def test_cost_estimate_updates_and_bad_reward_is_explained(kit):
    form = TestHitForm(kit=kit)
    form.reward.value = "0.50"
    assert "$1.20" in form.cost.value  # 2 assignments x $0.50, plus 20% commission
    assert "pretend money" in form.cost.value  # the sandbox's
    form.reward.value = "ten cents"
    assert "✗" in form.cost.value


def test_the_mode_form_says_what_is_in_use_before_anything_is_pressed(kit):
    # A learner opening notebook 00 must not wonder whether "Use these settings" is needed.
    kit.set_mode("demo", "sandbox")
    status = ModeChooser(kit=kit).status_text
    assert status.startswith("ℹ Note: you are in demo mode, MTurk sandbox. Nothing to press "
                             "unless you want to change that"), status
    assert "“Use these settings”" in status


def test_production_needs_explicit_consent(kit):
    chooser = ModeChooser(kit=kit)
    chooser.environment.value = "production"
    chooser.apply_button.click()
    assert chooser.status_text.startswith("✗ Problem: Production was not chosen")
    assert kit.environment.value == "sandbox"
    chooser.understand.value = True
    chooser.apply_button.click()
    assert kit.environment.value == "production"


@pytest.mark.parametrize("shown", [
    "AWS said: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.",
    "secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
])
def test_anything_shaped_like_a_secret_is_hidden_from_the_status_line(shown, kit):
    form = DoctorPanel(kit=kit)
    form.fail(shown)
    assert "wJalrXUtnFEMI" not in form.status.value and "****" in form.status_text


def test_longer_tokens_are_not_mistaken_for_secrets(kit):
    form = DoctorPanel(kit=kit)
    token = "A" * 41 + " and " + "b" * 39
    form.fail(token)
    assert token in form.status_text


def test_a_second_click_on_create_makes_no_second_hit(kit):
    """A double click queues a second click behind the first: one test HIT, not two."""
    from mturklink_helpers.clients import client

    form = TestHitForm(kit=kit)
    form.create_button.click()
    first = form.hit.hit_id
    form.create_button.click()
    assert form.hit.hit_id == first
    assert "your test HIT is there (one at a time" in form.status_text
    assert len(client(kit.key, "mturk", kit.endpoints).list_hits()["HITs"]) == 1


def test_two_clicks_at_once_make_one_hit(kit):
    """JupyterLab delivers a double click's two clicks to the kernel on two threads (ipykernel
    7's subshells; seen in the browser walk): they run one after the other, one test HIT."""
    import threading

    from mturklink_helpers.clients import client

    form = TestHitForm(kit=kit)
    start = threading.Barrier(2)

    def click() -> None:
        start.wait()
        form.create_button.click()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert len(client(kit.key, "mturk", kit.endpoints).list_hits()["HITs"]) == 1
    assert "your test HIT is there (one at a time" in form.status_text
    assert form.create_button.description == "Create test HIT"
    assert not form.create_button.disabled


def test_step_5_is_not_done_until_the_learner_ticks_it(kit):
    """The kit cannot see CloudResearch's site: the doctor alone does not make step 5 done."""
    catch_up(kit, 4)
    form = ConsoleChecklist(5, kit=kit)
    form.check_button.click()
    assert form.status_text.startswith("ℹ Note: the kit cannot see step 5")
    assert 5 not in kit.steps_done()
    for box in form.boxes:
        box.value = True
    form.check_button.click()
    assert form.status_text.startswith("✓ Done: step 5 is done"), form.status_text
    assert 5 in kit.steps_done()


def test_the_overview_redraws_itself_when_a_step_is_recorded_or_undone(kit):
    from mturklink_helpers.widgets import Overview

    overview, step1 = Overview(current_step=1, kit=kit), ConsoleChecklist(1, kit=kit)
    assert "no step done yet; next: step 1, AWS account." in overview.checklist.value
    step1.do_button.click()
    assert "step 1 done" in overview.checklist.value  # no refresh pressed
    step1.undo_button.click()
    assert "no step done yet" in overview.checklist.value


def test_clean_up_empties_the_list_of_assignments_to_review(kit):
    form = TestHitForm(kit=kit)
    assert "1–3" in form.assignments.description  # the limit is shown, not silent
    form.create_button.click()
    form.simulate_button.click()
    form.answers_button.click()
    assert form.assignment.options
    form.cleanup_button.click()
    assert form.status_text.startswith("ℹ Note: 2 answers not reviewed yet: clean-up approves them")
    form.cleanup_button.click()
    assert form.status_text.startswith("✓ Done: nothing of the kit is left")
    assert form.assignment.options == ()


def test_route_b_without_an_admin_profile_is_one_sentence(tmp_path, monkeypatch):
    """No such AWS profile: what to do, in the status line; no botocore traceback."""
    from mturklink_helpers.kit import Kit

    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    form = CreateIamUserForm(kit=Kit("live", home_dir=tmp_path, load_saved_key=False))
    form.admin_profile.value = "nobody"
    form.create_button.click()
    assert form.status_text.startswith("✗ Problem: The config profile (nobody) could not be found")
    assert "aws configure --profile NAME" in form.status_text
    assert "Traceback" not in form.output.value


def test_the_overview_catches_up_with_steps_another_notebook_recorded(kit, monkeypatch):
    """Two notebooks open, two kernels: a step recorded in one shows in the other's
    overview by itself, map and list (each kernel looks at the progress file from its event
    loop), and so does the step undone."""
    import asyncio

    from mturklink_helpers import kit as kits
    from mturklink_helpers.widgets import Overview

    monkeypatch.setattr(kits, "PROGRESS_POLL_SECONDS", 0.01)
    other = kits.Kit("demo", home_dir=kit.home)  # the other notebook's kernel

    async def shows(overview, text: str) -> str:
        for _ in range(1000):  # a ceiling, not a wait: it stops once the overview shows it
            if text in overview.checklist.value:
                break
            await asyncio.sleep(0.01)
        return overview.checklist.value + overview.picture.value

    async def learner() -> list[str]:
        overview = Overview(current_step=1, kit=kit)  # inside the kernel's running loop
        before = overview.checklist.value + overview.picture.value
        other.record(1)
        done = await shows(overview, "step 1 done")
        other.unrecord(1)
        return [before, done, await shows(overview, "no step done yet")]

    before, done, undone = asyncio.run(learner())
    assert "no step done yet" in before and "Step 1 ✓" not in before
    assert "step 1 done" in done and "Step 1 ✓" in done
    assert "no step done yet" in undone and "Step 1 ✓" not in undone
