"""One kit, one world: demo mode is live mode pointed at the learner's own local AWS.

- A kernel that used the demo never has AWS's real endpoints answered by the simulator
  (nothing patches botocore: neither moto nor the simulator is even imported).
- Live mode with no network: the doctor and every form say "could not check", quickly
  (botocore's connection errors, not its 60 s timeouts), and record no progress.
- The CLI, the notebooks' kits and separate processes share one world per MTURKLINK_HOME.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from mturklink_helpers import progress
from mturklink_helpers.credentials import AccessKey
from mturklink_helpers.kit import Kit
from mturklink_helpers.widgets import (
    ConsoleChecklist,
    DoctorPanel,
    LoadCredentialsForm,
    TestHitForm,
    TurkPrimeHandoff,
)

MADE_UP = AccessKey("AKIA" + "QWERTYUIOPASDFGH", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz")


def _python(code: str, home, timeout: float = 120) -> dict:
    """Run ``code`` in a fresh Python process (a kernel's view) and return its JSON line."""
    env = {**os.environ, "MTURKLINK_HOME": os.fspath(home), "MTURKLINK_MODE": ""}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, timeout=timeout,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_demo_then_live_then_demo_in_one_process(world, world_home):
    """After the switch to live nothing reaches the world; back in demo it is as it was."""
    got = _python("""
        import json, sys
        from mturklink_helpers.kit import Kit
        from mturklink_helpers.problems import catch_up
        kit = Kit("demo")
        catch_up(kit, 4)
        demo_key = kit.key
        before = kit.diagnose()
        requests_before = kit.world.state()["requests"]
        kit.set_mode("live")
        no_key = kit.key is None
        kit.use_key(demo_key)  # the demo key, tried against real AWS
        live = kit.diagnose()
        import boto3
        from botocore.exceptions import BotoCoreError
        real = boto3.client("mturk", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                            aws_secret_access_key="x" * 40,
                            endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com")
        try:
            real.get_account_balance()
            answered = True
        except BotoCoreError:
            answered = False
        kit.set_mode("demo")
        world_requests = kit.world.state()["requests"] - requests_before
        after = kit.diagnose()
        print(json.dumps({"before": before.exit_code, "no_key": no_key, "live": live.exit_code,
                          "answered": answered, "after": after.exit_code,
                          "same_key": kit.key == demo_key, "live_requests": world_requests,
                          "moto": "moto" in sys.modules,
                          "simulator": "mturklink_helpers.simulator" in sys.modules}))
    """, world_home)
    assert got["before"] == 0 and got["after"] == 0
    assert got["no_key"], "a demo key must not follow the learner into live mode"
    assert got["live"] == 3, "live with the demo key and no network: could not check"
    assert got["answered"] is False, "the real endpoint was answered by something local"
    # While live, nothing reached the world: only the reconnecting ping and the state() call.
    assert got["live_requests"] == 2
    assert got["same_key"], "back in demo, the learner's key file is found again"
    assert not got["moto"] and not got["simulator"], "a learner's process must not load them"


def test_the_cli_demo_doctor_sees_the_notebooks_key(world, world_home):
    """A key loaded by a notebook's kit is the one `doctor --demo` checks, in the same world."""
    _python("""
        import json
        from mturklink_helpers.kit import Kit
        from mturklink_helpers.problems import catch_up
        kit = Kit("demo")
        catch_up(kit, 4)
        print(json.dumps({"key": kit.key.masked_id}))
    """, world_home)
    env = {**os.environ, "MTURKLINK_HOME": os.fspath(world_home)}
    done = subprocess.run([sys.executable, "-m", "mturklink_helpers", "doctor", "--demo", "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True
    world.unregister_sandbox()  # undo step 3 "in notebook 03": the terminal sees it too
    done = subprocess.run([sys.executable, "-m", "mturklink_helpers", "doctor", "--demo", "--json"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and json.loads(done.stdout)["next_step"] == "3"


@pytest.fixture
def live_kit(tmp_path, monkeypatch) -> Kit:
    """Live mode, a made-up key, and this machine's network (none: AWS cannot be reached)."""
    monkeypatch.chdir(tmp_path)
    kit = Kit("live", home_dir=tmp_path / "home", load_saved_key=False)
    kit.use_key(MADE_UP)
    return kit


def test_live_without_network_the_doctor_could_not_check(live_kit):
    diagnosis = live_kit.diagnose()
    assert diagnosis.exit_code == 3 and not diagnosis.ok and not diagnosis.failed
    assert diagnosis.verdict.startswith("Could not check who the key belongs to")
    assert "EndpointConnectionError" in diagnosis["identity"].evidence
    assert live_kit.steps_done() == set()


@pytest.mark.parametrize("make, press", [
    (lambda kit: ConsoleChecklist(4, kit=kit), "check_button"),
    (lambda kit: ConsoleChecklist(2, kit=kit), "check_button"),
    (lambda kit: DoctorPanel(kit=kit), "run_button"),
    (lambda kit: TurkPrimeHandoff(kit=kit), "check_button"),
    (lambda kit: TestHitForm(kit=kit), "create_button"),
], ids=["checklist-4", "checklist-2", "doctor", "turkprime", "test-hit"])
def test_live_without_network_no_form_says_done(live_kit, make, press):
    form = make(live_kit)
    getattr(form, press).click()
    assert form.status_text.startswith("? Could not check"), form.status_text
    assert "✓" not in form.status_text
    assert progress.load_progress(live_kit.home) == {}


def test_live_without_network_a_loaded_key_is_not_confirmed(live_kit, tmp_path):
    from mturklink_helpers.credentials import write_credentials

    path = write_credentials(MADE_UP, tmp_path / "credentials.csv")
    form = LoadCredentialsForm(kit=live_kit)
    form.path.value = str(path)
    form.load_button.click()
    # The file was read, but step 4 is neither done nor missing: nothing answered.
    assert form.status_text.startswith("? Could not check: loaded access key"), form.status_text
    assert "could not check step 4" in form.status_text
    assert "not confirmed" in form.output.value and "No answer came back" in form.output.value
    assert progress.load_progress(live_kit.home) == {}
