"""Step 4: create the IAM user from an admin profile, or load the downloaded credentials.csv."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as widgets

from ..credentials import load_credentials
from .base import Form


def _typed_path(text: str) -> Path:
    """A path as typed, ~ expanded; "~someone" with no such user stays as typed (Python
    raises RuntimeError there), so the learner hears "there is no such file"."""
    path = Path(text.strip())
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def _shown(path: Path) -> str:
    """A path as a learner reads it: from the lessons' folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _key_summary(kit, key) -> str:
    rows = [("Access Key ID", key.masked_id), ("Secret Access Key", "**** (never shown)"),
            ("IAM user", key.user_name or "(not in the file)"), ("Read from", key.source)]
    arn, why = kit.identity(key)
    rows.insert(3, ("AWS account", arn.split(":")[4] if arn else f"not confirmed: {why}"))
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>"
                   for a, b in rows)
    warnings = "".join(f"<p>⚠ {html.escape(w)}</p>" for w in key.warnings)
    return f"<table>{body}</table>{warnings}"


class LoadCredentialsForm(Form):
    """Upload credentials.csv (or give its path); show the masked key; keep no secret in widgets."""

    def __init__(self, *, kit=None):
        super().__init__(
            "Load your key file",
            "Choose the <code>credentials.csv</code> (or <code>…_accessKeys.csv</code>) you "
            "downloaded in step 4 j–k, or type where it is saved. The next notebooks find the "
            "key again.", kit=kit,
        )
        self.upload = widgets.FileUpload(accept=".csv,.txt", multiple=False,
                                         description="Choose file")
        from ..kit import DEMO_DOWNLOAD

        # In demo mode, where the Demo button above "downloads" the key file: the learner
        # presses Load key and needs to type nothing.
        self.path = widgets.Text(
            value=str(DEMO_DOWNLOAD) if self.kit.is_demo else "",
            placeholder="or a path, e.g. ~/Downloads/credentials.csv",
            description="Path", layout=widgets.Layout(width="60%"))
        self.add_inputs(self.upload, self.path)
        self.load_button = self.add_action("Load key", self.load)
        # A chosen file's bytes (the secret) sit in the widget until loaded, and JupyterLab
        # saves widget state, bytes included, into the notebook: load at once, which drops them.
        self.upload.observe(self._on_choose, names="value")
        self._loaded_name = None  # the upload's value once its bytes are dropped (a name only)
        self._dropping = False

    def _chosen(self) -> dict | None:
        """The file the learner has just chosen (not the name left of one already loaded)."""
        value = self.upload.value
        return value[0] if value and value is not self._loaded_name else None

    def _on_choose(self, change) -> None:
        if not self._dropping and self._chosen() is not None:
            self.run(self.load_button, self.load)

    def load(self) -> None:
        chosen, name = self._chosen(), None
        try:
            if chosen is not None:
                key = load_credentials(bytes(chosen["content"]))
                name = chosen.get("name") or "the uploaded file"
                key = type(key)(key.access_key_id, key.reveal_secret(), key.user_name, name,
                                [w.replace("the key file", name) for w in key.warnings])
        finally:
            if chosen is not None:  # a path load leaves the name of a file chosen before
                self._drop_bytes(name)
        if chosen is not None:
            kept = self.kit.keep_chosen_key(key, name)
            note = (f"<p>A copy, readable by you only, is kept as <code>{html.escape(_shown(kept))}"
                    "</code>: the next notebooks find the key there.</p>")
        else:
            if not self.path.value.strip():
                self.fail("Choose the key file first (the button “Choose file”), or type its path.")
                return
            path = _typed_path(self.path.value)
            if self.kit.is_demo and not path.exists():
                self.fail(f"There is no key file at {self.path.value.strip()} yet: press the Demo "
                          "button above first (it makes the IAM user and its key file, guide "
                          "step 4 j–k).")
                return
            key = self.kit.use_key(load_credentials(path), path)
            note = ""
        self._loaded(key, _key_summary(self.kit, key) + note)

    def _loaded(self, key, body: str) -> None:
        """A key loaded is step 4's proof: check the step at once (the doctor's checks, as
        "Check this step" runs them), so the progress shows it without another press."""
        verdict = self.kit.check_step(4)
        self.show_verdict(verdict, f"loaded access key {key.masked_id} from {key.source}"
                                   f"{'; ' if verdict.done else ', but '}", body)

    def _drop_bytes(self, loaded_name: str | None) -> None:
        """The file's bytes hold the secret: drop them from the widget. A file that loaded
        stays chosen by its name alone (empty content), so the button's counter reads
        "Choose file (1)" for the file that was loaded, not "(0)"; anything else: (0)."""
        if loaded_name is None:
            self._loaded_name = None
            self.upload.value = ()
            return
        self._dropping = True  # our own change, not a new choice
        try:
            self.upload.value = ({"name": loaded_name, "type": "", "size": 0,
                                  "content": memoryview(b""), "last_modified": datetime.now(UTC)},)
        finally:
            self._dropping = False
        self._loaded_name = self.upload.value


CREATE = "Create IAM user"  # the button's label (it reads "…" while the form works)


class CreateIamUserForm(Form):
    """Step 4 the programmatic way: an admin profile creates the user, policy and key."""

    def __init__(self, *, kit=None):
        super().__init__(
            "Create the IAM user for MTurk",
            "Creates (or reuses) the IAM user, attaches <b>AmazonMechanicalTurkFullAccess</b>, "
            "makes an access key and waits until MTurk accepts it.", kit=kit,
        )
        demo = self.kit.is_demo
        self.admin_profile = widgets.Text(
            value="" if demo else "default", description="Admin profile",
            placeholder="demo admin" if demo else "an AWS CLI profile that may manage IAM")
        self.user_name = widgets.Text(value="mturk-requester", description="User name")
        self.save_to = widgets.Text(value="secrets/credentials.csv", description="Save key to",
                                    layout=widgets.Layout(width="60%"))
        self.new_key = widgets.Checkbox(value=False, description="make a new key even if the user has one")
        self.add_inputs(self.admin_profile, self.user_name, self.save_to, self.new_key)
        self.create_button = self.add_action(CREATE, self.create)

    def create(self) -> None:
        from ..iam import provision_iam_user
        from ..problems import catch_up

        if self.kit.is_demo:
            catch_up(self.kit, 3)
        save_to = self.save_to.value.strip()
        path = _typed_path(save_to) if save_to else None
        result = provision_iam_user(
            self.kit.admin(self.admin_profile.value.strip()),
            self.user_name.value.strip() or "mturk-requester",
            new_key=True if self.new_key.value else None, credentials_path=path,
            progress=lambda p: self.show_progress(p.fraction, p.message),
            wait=self.kit.wait(), endpoints=self.kit.endpoints,
        )
        if result.key is not None:
            self.kit.use_key(result.key, result.credentials_path)
        if result.ready:
            self.kit.record(4)
        # Sentences, not a <pre>: in a narrow output a <pre> broke words ("onl / y once").
        lines = result.summary(ask_new=f"tick “{self.new_key.description}” above and press "
                                       f"“{CREATE}” again").splitlines()
        self.succeed("the IAM user is ready." if result.key or result.ready else "see below.",
                     "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
