"""Reports to the instructors' room view (room.py) and the room's own state (room_service.py),
without a hub: what a kernel sends, only on a hub and only while the learner allows it, and
what the room makes of it. tests/hub runs the same through a real JupyterHub."""

from __future__ import annotations

import http.server
import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from mturklink_helpers import room
from mturklink_helpers.failures import FAILURES
from mturklink_helpers.problems import make_problem


class Catcher(http.server.ThreadingHTTPServer):
    """Stands where a room view would be, and keeps what reaches it."""

    def __init__(self):
        self.received: list[tuple[dict, dict]] = []
        catcher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                catcher.received.append((dict(self.headers), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/services/mturklink-room/"


@pytest.fixture
def catcher():
    server = Catcher()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def on_hub(monkeypatch, catcher):
    """The environment a learner's kernel has on the workshop hub (deploy/jupyterhub)."""
    monkeypatch.setenv(room.TOKEN_ENV, "hub-token-of-this-learner")
    monkeypatch.setenv(room.URL_ENV, catcher.url)
    return catcher


def sent(catcher) -> list[dict]:
    assert room.flush(), "reports still on their way"
    return [body for _headers, body in catcher.received]


@pytest.mark.parametrize("missing", [room.TOKEN_ENV, room.URL_ENV])
def test_off_a_hub_nothing_is_sent_and_nothing_changes(kit, world, monkeypatch, catcher, missing):
    monkeypatch.setenv(room.TOKEN_ENV, "a-token")
    monkeypatch.setenv(room.URL_ENV, catcher.url)
    monkeypatch.delenv(missing)
    settings = kit.home / "settings.json"
    before = settings.read_bytes() if settings.exists() else None
    kit.record(1, 2, 3)
    kit.use_key(world.console_create_iam_user())
    kit.diagnose()
    assert sent(catcher) == []
    assert not any(t.name == "mturklink-room" for t in threading.enumerate())
    assert (settings.read_bytes() if settings.exists() else None) == before


def test_on_a_hub_progress_and_the_doctors_words_are_sent_with_the_hubs_token(kit, world, on_hub):
    key = kit.use_key(world.console_create_iam_user())
    kit.record(1, 2, 3)
    world.unregister_sandbox()
    kit.diagnose()
    reports = sent(on_hub)
    assert reports[-1]["verdict"] == "step 3 missing: sandbox not registered"
    assert reports[-1]["verdict_step"] == 3
    assert reports[-1]["checks"]["sandbox"] == "failed"
    assert reports[-1]["steps_done"] == [1, 2, 3] and reports[-1]["current_step"] == 4
    headers = on_hub.received[-1][0]
    assert headers["Authorization"] == "token hub-token-of-this-learner"
    for body in reports:
        assert set(body) <= set(room.FIELDS)
        text = json.dumps(body)
        for secret in (key.access_key_id, key.reveal_secret(), "123456789012", "arn:"):
            assert secret not in text


def test_a_learner_who_turned_it_off_sends_nothing(kit, on_hub):
    room.set_enabled(kit, False)
    kit.record(1)
    assert sent(on_hub) == []
    room.set_enabled(kit, True)
    kit.record(2)
    assert sent(on_hub)[-1]["steps_done"] == [1, 2]


def test_a_room_that_does_not_answer_costs_one_line_on_the_log_never_an_error(kit, monkeypatch, capfd):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once the socket is closed
    monkeypatch.setenv(room.TOKEN_ENV, "a-token")
    monkeypatch.setenv(room.URL_ENV, f"http://127.0.0.1:{closed}/services/mturklink-room/")
    kit.record(1)
    assert room.flush()
    kit.record(2)
    assert room.flush()
    err = capfd.readouterr().err
    assert err.count("mturklink: progress report to the workshop's room view not sent") == 1, err
    assert kit.steps_done() == {1, 2}


@pytest.mark.parametrize("problem, words", [
    ("sandbox", "step 3 missing: sandbox not registered"),
    ("not-linked", "step 2 missing: AWS account not linked to MTurk"),
    ("root-key", "step 4 missing: the root user's key"),
    ("unknown-key", "step 4 i–k missing: access key unknown to AWS"),
    ("read-only", "step 4 f–h missing: cannot create HITs (weaker policy)"),
    ("admin-access", "works, but: key can do more than needed"),
    ("none", "all checks passed"),
])
def test_the_doctors_verdict_in_a_few_words(kit, problem, words):
    key = make_problem(kit, problem)
    diagnosis = kit.diagnose(key)
    assert room.verdict_words(diagnosis) == words
    made = room.build(kit, diagnosis)
    assert made["verdict"] == words  # not withheld: it looks like no key or account
    text = json.dumps(made)
    assert key.access_key_id not in text and "123456789012" not in text  # the world's account


def test_every_failure_has_a_headline_without_placeholders_keys_or_accounts():
    for f in FAILURES:
        assert f.headline and "{" not in f.headline and len(f.headline) <= 45, f.id
        assert not room.looks_secret(f.headline)


def test_clean_keeps_only_what_may_be_sent_and_refuses_other_shapes():
    cleaned = room.clean({"mode": "demo", "steps_done": [2, 1, 2], "current_step": 3,
                          "name": "someone-else", "key": "AKIAABCDEFGHIJKLMNOP",
                          "verdict": "step 4 missing: AKIAABCDEFGHIJKLMNOP is unknown"})
    assert cleaned == {"mode": "demo", "steps_done": [1, 2], "current_step": 3,
                       "verdict": room.WITHHELD}
    for words in ("account 123456789012", "arn:aws:iam::123456789012:user/x",
                  "secret " + "a1B2/c3D4+" * 4):
        assert room.clean({"verdict": words})["verdict"] == room.WITHHELD
    for bad in ({"steps_done": [7]}, {"current_step": "3"}, {"checks": {"sandbox": "great"}},
                {"mode": "prod"}, {"verdict": "x" * 500}, {"at": "yesterday"}, [1, 2]):
        with pytest.raises(ValueError):
            room.clean(bad)


# --- the room's state (room_service.Room) -----------------------------------------------------

room_service = pytest.importorskip("mturklink_helpers.room_service",
                                   reason="the room view needs the hub extra: pip install -e '.[hub]'")


def test_the_room_survives_a_restart_in_a_private_file_written_whole(tmp_path):
    path = tmp_path / "room.json"
    first = room_service.Room(path)
    first.receive("ana", room.clean({"mode": "demo", "steps_done": [1, 2], "current_step": 3,
                                     "verdict": "step 3 missing: sandbox not registered",
                                     "verdict_step": 3}), now=100.0)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["room.json"]  # no temporary file left
    again = room_service.Room(path)
    view = again.view([], now=160.0)
    ana = view["learners"][0]
    assert (ana["name"], ana["state"], ana["stuck_step"], ana["seconds_ago"]) == ("ana", "stuck", 3, 60)
    path.write_text("{ not json")
    assert room_service.Room(path).learners == {}


def test_progress_after_a_failed_verdict_is_no_longer_stuck(tmp_path):
    r = room_service.Room(tmp_path / "room.json")
    r.receive("ben", {"steps_done": [1, 2], "current_step": 3,
                      "verdict": "step 3 missing: sandbox not registered", "verdict_step": 3}, now=1)
    r.receive("ben", {"steps_done": [1, 2, 3], "current_step": 4}, now=2)
    ben = r.view([], now=3)["learners"][0]
    assert ben["state"] == "working" and ben["step_label"] == "4. IAM user + access key"


def test_summary_line_of_a_room_of_thirty(tmp_path):
    r = room_service.Room(tmp_path / "room.json")
    for n in range(12):
        r.receive(f"s3-{n}", {"steps_done": [1, 2], "current_step": 3, "verdict_step": 3,
                              "verdict": "step 3 missing: sandbox not registered"}, now=1)
    for n in range(3):
        r.receive(f"s4-{n}", {"steps_done": [1, 2, 3], "current_step": 4, "verdict_step": 4,
                              "verdict": "step 4 f–h missing: no MTurk policy on the IAM user"}, now=1)
    for n in range(10):
        r.receive(f"done-{n}", {"steps_done": [1, 2, 3, 4, 5, 6], "current_step": None,
                                "verdict": "all checks passed"}, now=1)
    for n in range(3):
        r.receive(f"busy-{n}", {"steps_done": [1], "current_step": 2}, now=1)
    view = r.view(["late-1", "late-2", "s3-0"], now=5)
    assert view["summary"] == ("12 of 30 stuck at step 3 · 3 of 30 stuck at step 4 · "
                               "10 of 30 finished · 3 of 30 working · 2 of 30 not reporting yet")
    assert [row["state"] for row in view["learners"][:15]] == ["stuck"] * 15
    assert [row["state"] for row in view["learners"][-12:]] == ["waiting"] * 2 + ["finished"] * 10


# --- the learner's choice (notebook 00's form) ------------------------------------------------


def test_off_a_hub_the_form_says_nothing_is_sent_and_offers_no_box(kit, monkeypatch):
    from mturklink_helpers.widgets import RoomReports

    monkeypatch.delenv(room.TOKEN_ENV, raising=False)
    form = RoomReports(kit=kit)
    assert form.status_text == "ℹ Note: this is not a workshop hub: nothing is sent anywhere."
    assert form.layout.display == "none"  # the whole form: a learner alone has nothing to choose
    assert "Never a key" not in form.title.value  # what a hub is sent: nothing to explain here


def test_on_a_hub_the_box_is_ticked_and_unticking_it_stops_the_reports(kit, on_hub):
    from mturklink_helpers.kit import load_settings
    from mturklink_helpers.widgets import RoomReports

    form = RoomReports(kit=kit)
    assert "Never a key, a secret or an account number" in form.title.value
    assert form.send.value is True and form.status_text.startswith("✓ Done: your progress goes")
    form.send.value = False
    assert load_settings(kit.home)[room.SETTING] is False
    assert form.status_text.startswith("✓ Done: nothing is sent")
    kit.record(1)
    assert sent(on_hub) == []
    form.send.value = True  # and ticked again, the room sees where the learner is at once
    assert sent(on_hub)[-1]["steps_done"] == [1]


def test_the_page_is_shipped_with_the_package():
    page = Path(room_service.__file__).with_name("room_page.html").read_text()
    assert 'fetch("api/room"' in page and "<script src" not in page  # no external script
