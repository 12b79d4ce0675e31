"""The forms as a learner types into them, driven as Python objects on one demo world (the
session's world process, tests/conftest.py), all given one demo-mode ``Kit``.

Whatever goes into a text field, a path, a reward or a worker count, or comes in as an
uploaded file (ipywidgets 8 FileUpload value), the status line then says ✓ or one clean ✗
sentence (no traceback in it; a traceback only inside the folded "Details" block), the button
can be pressed again, and no widget's state (``get_state()`` of every widget there is)
holds a secret: the demo key's, or one planted in an uploaded file.
"""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest
from fuzz_keyfiles import KeyFile, random_file
from fuzz_requests import any_text
from hypothesis import event, example, given, note
from hypothesis import strategies as st
from ipywidgets.widgets.widget import _instances

from mturklink_helpers.endpoints import Environment
from mturklink_helpers.kit import Kit
from mturklink_helpers.problems import catch_up
from mturklink_helpers.widgets import (
    CreateIamUserForm,
    LoadCredentialsForm,
    ModeChooser,
    TestHitForm,
)

# What a learner does, and how often (the expensive ones, which build boto3 clients and call
# the demo world, less often: 4,000 examples have to fit in about half a minute).
ACTIONS = (["upload"] * 450 + ["path"] * 280 + ["mode"] * 80 + ["cost"] * 100 + ["review"] * 60
           + ["hit"] * 12 + ["simulate"] * 13 + ["answers"] * 3 + ["iam"] * 2)
FILE_ACTIONS = ("upload", "path")
TEXT_ACTIONS = ("path", "cost", "hit", "review", "iam")
SAFE_NAME = string.ascii_letters + string.digits + "-_ ."


class WidgetStates:
    """``get_state()`` of every widget, kept up to date cheaply: a widget is read again only
    after one of its traits changed (every change goes through traitlets), and new widgets
    as they appear. ``full()`` reads them all, to check the bookkeeping."""

    def __init__(self):
        self.seen: set[str] = set()
        self.dirty: set[str] = set()

    def changed(self) -> list[dict]:
        for model_id, widget in list(_instances.items()):
            if model_id not in self.seen:
                self.seen.add(model_id)
                self.dirty.add(model_id)
                widget.observe(lambda _change, m=model_id: self.dirty.add(m))
        dirty, self.dirty = self.dirty, set()
        return [_instances[m].get_state() for m in dirty if m in _instances]

    @staticmethod
    def full() -> list[dict]:
        return [w.get_state() for w in list(_instances.values())]


def text_of(value) -> str:
    """A widget state as text, file contents (memoryview buffers) included."""
    if isinstance(value, dict):
        return " ".join(f"{k} {text_of(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " ".join(text_of(v) for v in value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("latin-1")
    return str(value)


class Forms:
    """One demo kit on the world, its key, the four forms and a folder to put files in."""

    def __init__(self, folder: Path, kit: Kit):
        self.folder, self.kit = folder, kit
        catch_up(kit, 4)  # steps 1-4 done, the IAM user's key loaded
        self.key = kit.key
        self.load, self.iam = LoadCredentialsForm(kit=kit), CreateIamUserForm(kit=kit)
        self.hit, self.mode = TestHitForm(kit=kit), ModeChooser(kit=kit)
        self.states = WidgetStates()
        self.examples = 0
        buttons = [self.load.load_button, self.iam.create_button, self.mode.apply_button,
                   self.hit.create_button, self.hit.answers_button, self.hit.simulate_button,
                   self.hit.approve_button, self.hit.reject_button]
        self.labels = {id(b): b.description for b in buttons}

    def restore(self) -> None:
        """What an example may have changed in the kit (mode, environment, key), back."""
        if self.kit.mode != "demo" or self.kit.environment is not Environment.SANDBOX:
            self.kit.set_mode("demo", Environment.SANDBOX)
        self.kit.key = self.key


@pytest.fixture(scope="module")
def forms(tmp_path_factory, session_world, world_home):
    """The forms on the session's world, reset once for this module (4,000 examples share
    it, as a learner's clicks share theirs)."""
    folder = tmp_path_factory.mktemp("fuzz-forms")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(folder / "home"))
        mp.setenv("MTURKLINK_HOME", str(world_home))
        mp.delenv("MTURKLINK_MODE", raising=False)
        mp.chdir(folder)
        session_world.admin("reset")
        for name in ("settings.json", "progress.json"):
            (world_home / name).unlink(missing_ok=True)
        yield Forms(folder, Kit("demo", Environment.SANDBOX, home_dir=world_home))


NO_FILE = KeyFile(b"", "")
file_names = st.one_of(st.sampled_from(["credentials.csv", "bob_accessKeys.csv", "rootkey.csv",
                                        "", "key.txt"]), any_text)
typed = st.one_of(any_text, st.sampled_from(["", " ", "0.01", "0.50", "1", "ten cents", "$1",
                                             "-0.01", "0.001", "1e3", "NaN", "9" * 30]))


@st.composite
def inputs(draw):
    """One thing a learner does: an action and everything typed or chosen for it."""
    rnd = draw(st.randoms(use_true_random=True))
    action = rnd.choice(ACTIONS)
    return {
        # The key-file target fuzzes the parser; here a file is mostly the way in to the form.
        "action": action, "file": random_file(rnd) if action in FILE_ACTIONS else NO_FILE,
        "name": draw(file_names) if action == "upload" else "",
        "text": draw(typed) if action in TEXT_ACTIONS else "",
        "number": draw(st.integers()) if action in ("cost", "hit") else 1,
        "flag": rnd.random() < 0.5,
        "path_kind": rnd.choice(["file", "file", "typed", "folder", "missing", "home", "nul"]),
        "file_name": "".join(rnd.choices(SAFE_NAME, k=rnd.randint(1, 12))).strip(" .") or "f",
        "choice": rnd.random(),
    }


# --- acting ------------------------------------------------------------------------------------


def upload(kit, x):
    item = {"name": x["name"], "type": "text/csv", "size": len(x["file"].data),
            "content": memoryview(x["file"].data), "last_modified": dt.datetime.now(dt.UTC)}
    kit.load.upload.value = (item,)  # choosing a file loads it at once
    return kit.load, kit.load.load_button


def path(kit, x):
    kind = x["path_kind"]
    if kind == "file":
        where = kit.folder / "files" / x["file_name"]
        where.parent.mkdir(exist_ok=True)
        where.write_bytes(x["file"].data)
        typed = str(where) if x["flag"] else f"files/{x['file_name']}"
    elif kind == "typed":
        typed = x["text"]
    elif kind == "folder":
        typed = str(kit.folder)
    elif kind == "missing":
        typed = f"~/Downloads/{x['file_name']}"
    elif kind == "home":
        typed = "~"
    else:
        typed = "files/a\x00b.csv"
    kit.load.path.value = typed
    kit.load.load_button.click()
    return kit.load, kit.load.load_button


def mode(kit, x):
    form = kit.mode
    form.mode.value = "live" if x["choice"] < 0.3 else "demo"
    form.environment.value = "production" if x["flag"] else "sandbox"
    form.understand.value = x["choice"] > 0.6
    form.apply_button.click()
    if form.environment.value == "production" and not form.understand.value:
        assert "Production was not chosen" in form.status_text
        assert kit.kit.environment is Environment.SANDBOX
    return form, form.apply_button


def cost(kit, x):
    """Typing a reward and a worker count: the cost estimate follows at once."""
    form = kit.hit
    form.reward.value = x["text"]
    form.assignments.value = max(-(2**31), min(2**31 - 1, x["number"]))  # what the box takes
    shown = form.cost.value
    assert "Traceback" not in shown and ("✗" in shown or "$" in shown), shown
    event("cost ✗" if "✗" in shown else "cost shown")
    return form, None  # nothing pressed


def hit(kit, x):
    form, _ = cost(kit, x)
    form.create_button.click()
    return form, form.create_button


def review(kit, x):
    form = kit.hit
    form.feedback.value = x["text"]
    options = [value for _label, value in form.assignment.options]
    form.assignment.value = options[int(x["choice"] * len(options))] if options else None
    button = form.approve_button if x["flag"] else form.reject_button
    button.click()
    return form, button


def simulate(kit, x):
    kit.hit.simulate_button.click()
    return kit.hit, kit.hit.simulate_button


def answers(kit, x):
    kit.hit.answers_button.click()
    return kit.hit, kit.hit.answers_button


def iam(kit, x):
    form = kit.iam
    form.user_name.value = x["text"] if x["choice"] < 0.7 else "mturk-requester"
    form.save_to.value = f"saved/{x['file_name']}.csv" if x["flag"] else ""
    form.new_key.value = x["choice"] > 0.8
    form.create_button.click()
    return form, form.create_button


ACT = {"upload": upload, "path": path, "mode": mode, "cost": cost, "hit": hit, "review": review,
       "simulate": simulate, "answers": answers, "iam": iam}


# --- checking ----------------------------------------------------------------------------------


def check_form(form, button, label: str, key_form: bool) -> None:
    assert not button.disabled and button.description == label, (button.description, label)
    status = form.status_text
    assert status.startswith(("✓ Done: ", "✗ Problem: ")), status
    sentence = status.split(": ", 1)[1]  # (HTML: a line break in it shows as a space)
    assert sentence.strip(), status
    for word in ("Traceback", 'File "', "Error(", "Exception("):
        assert word not in sentence, status
    if "Traceback" in form.output.value:
        assert form.output.value.startswith("<details><summary>"), form.output.value
    if key_form and status.startswith("✗") and not sentence.startswith("Choose the key file"):
        assert "step" in sentence, status  # which step of the guide fixes it
    event(f"{status[:1]} {type(form).__name__}")


def check_no_secret(kit, secrets: list[str]) -> None:
    kit.examples += 1
    states = WidgetStates.full() if kit.examples % 1000 == 0 else kit.states.changed()
    text = text_of(states)
    for secret in secrets:
        assert secret not in text, "a secret is in a widget's state"


def typed_path(kind: str, text: str = "") -> dict:
    """A path example (for regressions)."""
    return {"action": "path", "file": NO_FILE, "name": "", "text": text, "number": 1,
            "flag": False, "path_kind": kind, "file_name": "f", "choice": 0.0}


# Regressions: a NUL in a path (load_credentials raised ValueError, "embedded null byte"),
# "~someone" with no such user (Path.expanduser raised RuntimeError).
@example(typed_path("nul"))
@example(typed_path("typed", "~nobody-here/credentials.csv"))
@given(inputs())
def test_forms_answer_anything_typed_or_uploaded_with_one_clean_sentence(forms, x):
    note(repr(x))
    forms.restore()
    form, button = ACT[x["action"]](forms, x)
    event(x["action"])
    if button is not None:
        check_form(form, button, forms.labels[id(button)], key_form=x["action"] in FILE_ACTIONS)
    if x["action"] == "upload":
        # The file's bytes are dropped at once (a file that loaded keeps its name only).
        assert all(len(f["content"]) == 0 for f in forms.load.upload.value)
    secrets = [forms.key.reveal_secret()]
    if x["action"] == "upload" or (x["action"] == "path" and x["path_kind"] == "file"):
        secrets += [x["file"].secret] if x["file"].secret else []  # the file's own secret
    if forms.kit.key is not None:
        secrets.append(forms.kit.key.reveal_secret())
    check_no_secret(forms, secrets)
