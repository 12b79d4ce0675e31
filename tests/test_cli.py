"""The command line, run in-process against the learner's demo world (``--demo``) and against
a simulator server started by hand (``--endpoint-url``)."""

from __future__ import annotations

import json
import stat

import pytest

from mturklink_helpers.cli import main
from mturklink_helpers.credentials import load_credentials, save_profile


@pytest.fixture
def aws_files(tmp_path, monkeypatch):
    """Point boto3 and the kit at a private ~/.aws for this test."""
    credentials = tmp_path / "aws" / "credentials"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    return credentials


@pytest.fixture
def world(world, kit, aws_files):
    """The session's world with steps 1–3 done; the CLI finds it through MTURKLINK_HOME."""
    return world


def test_help_explains_commands_and_exit_codes(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "doctor" in text and "create-iam-user" in text and "exit codes" in text
    assert main(["doctor", "--help"]) == 0
    assert "never printed" in capsys.readouterr().out


def test_unknown_option_and_no_command_are_bad_input(capsys):
    assert main(["doctor", "--no-such-option"]) == 2
    assert main([]) == 2


def test_doctor_all_good_exits_0(world, tmp_path, capsys):
    path = tmp_path / "credentials.csv"
    key = world.console_create_iam_user(download=path)
    assert main(["doctor", "--demo", "--credentials", str(path)]) == 0
    out = capsys.readouterr().out
    assert "All checks passed" in out and key.masked_id in out
    assert key.reveal_secret() not in out


def test_doctor_json_names_the_missing_step_and_exits_1(world, aws_files, capsys):
    world.unregister_sandbox()
    save_profile(world.console_create_iam_user(), "mturk", aws_files)
    assert main(["doctor", "--demo", "--profile", "mturk", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["next_step"] == "3" and data["exit_code"] == 1
    assert {c["name"]: c["status"] for c in data["checks"]}["sandbox"] == "failed"


def test_doctor_missing_file_or_profile_exits_2(world, aws_files, tmp_path, capsys):
    save_profile(world.console_create_iam_user(), "mturk", aws_files)
    assert main(["doctor", "--credentials", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and err.count("\n") == 1
    assert main(["doctor", "--profile", "nobody"]) == 2
    assert "no profile [nobody]" in capsys.readouterr().err


def test_doctor_not_a_key_file_exits_2(world, tmp_path, capsys):
    path = tmp_path / "credentials.csv"
    path.write_text("<html><body>Sign in</body></html>")
    assert main(["doctor", "--demo", "--credentials", str(path)]) == 2
    assert "web page" in capsys.readouterr().err


def test_create_iam_user_saves_key_0600_and_reruns_safely(world, tmp_path, capsys):
    out = tmp_path / "credentials.csv"
    assert main(["create-iam-user", "--demo", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "IAM user mturk-requester" in captured.out and "waiting" not in captured.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = load_credentials(out)
    assert key.reveal_secret() not in captured.out + captured.err
    # The same command again: the user is reused, no second key, the file untouched.
    assert main(["create-iam-user", "--demo", "--out", str(out),
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["created_user"] is False and data["access_key_id"] is None
    assert load_credentials(out) == key
    # Asking for a new key into the same file would overwrite the old secret: refused first.
    assert main(["create-iam-user", "--demo", "--out", str(out),
                 "--new-key"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert load_credentials(out) == key


def test_create_iam_user_two_key_limit_exits_1_and_rotate_fixes_it(world, tmp_path, capsys):
    args = ["create-iam-user", "--demo", "--new-key", "--no-wait"]
    assert main(args + ["--out", str(tmp_path / "a.csv")]) == 0
    assert main(args + ["--out", str(tmp_path / "b.csv")]) == 0
    capsys.readouterr()
    assert main(args + ["--out", str(tmp_path / "c.csv")]) == 1
    err = capsys.readouterr().err
    assert "already has 2 access keys" in err and "--rotate" in err
    old = load_credentials(tmp_path / "a.csv").masked_id
    assert main(args + ["--out", str(tmp_path / "c.csv"), "--rotate", old]) == 0
    assert f"deleted access key {old}" in capsys.readouterr().out


def test_create_iam_user_with_unknown_admin_profile_exits_2(aws_files, tmp_path, capsys):
    assert main(["create-iam-user", "--admin-profile", "nobody",
                 "--out", str(tmp_path / "c.csv")]) == 2
    assert "nobody" in capsys.readouterr().err


def test_create_iam_user_needs_an_admin_profile_unless_demo(aws_files, tmp_path, capsys):
    assert main(["create-iam-user", "--out", str(tmp_path / "c.csv")]) == 2
    assert "--admin-profile" in capsys.readouterr().err


# --- against the simulator's server, as an instructor would run it ----------------------------


@pytest.fixture
def server(aws_files):
    """`python -m mturklink_helpers.simulator serve` on a free port; yields its root URL."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "mturklink_helpers.simulator", "serve", "--port", str(port),
         "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        # The socket is listening before the server prints its first line.
        assert process.stdout.readline().startswith("MTurk sandbox:")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def admin_post(url: str, action: str, body: dict) -> dict:
    import urllib.request

    request = urllib.request.Request(f"{url}/_admin/{action}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_cli_doctor_against_a_simulator_server_started_by_hand(server, aws_files, tmp_path,
                                                              capsys):
    import os
    import subprocess
    import sys

    from mturklink_helpers.credentials import AccessKey, write_credentials

    # The server authenticates every key from the first request: ask its console for one,
    # as an instructor preparing a demo would.
    made = admin_post(server, "requester-key", {})
    out = write_credentials(AccessKey(made["AccessKeyId"], made["SecretAccessKey"],
                                      made["UserName"]), tmp_path / "credentials.csv")

    # The doctor as a separate process: exactly what an instructor types.
    done = subprocess.run(
        [sys.executable, "-m", "mturklink_helpers", "doctor", "--credentials", str(out),
         "--endpoint-url", server], capture_output=True, text=True, timeout=60,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All checks passed" in done.stdout
    assert load_credentials(out).reveal_secret() not in done.stdout

    admin_post(server, "register-sandbox", {"registered": False})
    assert main(["doctor", "--credentials", str(out), "--json", "--endpoint-url",
                 server + "/sandbox"]) == 1
    assert json.loads(capsys.readouterr().out)["next_step"] == "3"
