"""A key's life cycle in the notebooks: rotate it, or revoke a leaked one (mturklink_helpers.rotation)."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..credentials import load_credentials
from .base import Form
from .keys import _typed_path


def _loaded_file(kit) -> str:
    from ..kit import load_settings

    return load_settings(kit.home).get(f"key_file_{kit.mode}", "") if kit.key else ""


def _lines_html(text: str) -> str:
    return f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"


class _KeyForm(Form):
    """The inputs both forms share: the key's file, and (live) an administrator's profile."""

    def _key_inputs(self, label: str) -> None:
        demo = self.kit.is_demo
        self.admin_profile = widgets.Text(
            value="" if demo else "default", description="Admin profile",
            placeholder="demo admin" if demo else "an AWS CLI profile that may manage IAM",
            disabled=demo)
        self.key_file = widgets.Text(value=_loaded_file(self.kit), description=label,
                                     placeholder="e.g. secrets/credentials.csv",
                                     layout=widgets.Layout(width="60%"))
        self.add_inputs(self.admin_profile, self.key_file)

    def _admin(self):
        return self.kit.admin(self.admin_profile.value.strip() or None)

    def _key_and_path(self):
        typed = self.key_file.value.strip()
        if typed:
            path = _typed_path(typed)
            return load_credentials(path), path
        if self.kit.key is None:
            raise ValueError("Type the key file's path first (or load it in the form above).")
        return self.kit.key, None


class RotateKeyForm(_KeyForm):
    """Rotate the loaded key: a new one, proven, saved, handed to CloudResearch, then the old
    one deactivated, checked for use and deleted. Safe to press again after any stop."""

    def __init__(self, *, kit=None):
        super().__init__(
            "Rotate your access key",
            "Makes the user's second key, proves it on both MTurk sites, saves it to a new file "
            "and shows what to paste into CloudResearch. The old key is deactivated, checked "
            "for use and deleted only after you press “CloudResearch has the new key”. "
            "Stopped anywhere, press the first button again: it carries on.", kit=kit)
        self._key_inputs("Old key file")
        self.save_to = widgets.Text(value="", description="New key file",
                                    placeholder="default: credentials-new.csv beside the old one",
                                    layout=widgets.Layout(width="60%"))
        self.overwrite = widgets.Checkbox(value=False,
                                          description="allow replacing an existing file")
        self.add_inputs(self.save_to, self.overwrite)
        self.start_button = self.add_action("Make and check the new key", self.start)
        self.confirm_button = self.add_action("CloudResearch has the new key", self.confirm,
                                              style="warning")

    def _rotate(self, confirm: bool):
        from ..rotation import rotate_key

        old, path = self._key_and_path()
        out = self.save_to.value.strip()
        return rotate_key(self.kit, old, admin=self._admin(), old_path=path,
                          out=_typed_path(out) if out else None, overwrite=self.overwrite.value,
                          confirm=confirm,
                          progress=lambda p: self.show_progress(p.fraction, p.message))

    def _show(self, result) -> None:
        if result.done:
            self.kit.record(4, 5)
            self.succeed(f"rotated: {result.new_key} replaces {result.old_key}, which is deleted.",
                         _lines_html(result.summary()))
        elif result.needs_confirmation:
            self.set_status("info", f"the new key {result.new_key} works and is saved. Put it into "
                            "CloudResearch, then press “CloudResearch has the new key”.")
            self.output.value = _lines_html(result.summary())
        else:
            self.set_status("info", result.summary().splitlines()[-1])
            self.output.value = _lines_html(result.summary())

    def start(self) -> None:
        self._show(self._rotate(confirm=False))

    def confirm(self) -> None:
        self._show(self._rotate(confirm=True))


class RevokeKeyForm(_KeyForm):
    """A leaked key: deactivate it at once, then the next steps (a new key, CloudResearch,
    AWS's quarantine policy)."""

    def __init__(self, *, kit=None):
        super().__init__(
            "A leaked key? Revoke it",
            "Deactivates the key at once (nobody can use it after this, on MTurk or anywhere in "
            "AWS), then says what to do next.", kit=kit)
        self._key_inputs("Key file")
        self.key_id = widgets.Text(value="", description="or Key ID",
                                   placeholder="AKIA… (when you have no file)")
        self.delete = widgets.Checkbox(value=False, description="delete it too (cannot be undone)")
        self.add_inputs(self.key_id, self.delete)
        self.revoke_button = self.add_action("Deactivate this key now", self.revoke,
                                             style="danger")
        self.leak_button = None
        if self.kit.is_demo:
            self.leak_button = self.add_action("Demo: AWS finds the key leaked", self.aws_finds,
                                               style="")

    def _target(self):
        typed = self.key_id.value.strip()
        if typed:
            return typed, None
        return self._key_and_path()

    def revoke(self) -> None:
        from ..rotation import revoke_key

        key, path = self._target()
        result = revoke_key(self.kit, key, admin=self._admin(), delete=self.delete.value,
                            key_path=path)
        steps = "".join(f"<li>{html.escape(s)}</li>" for s in result.next_steps)
        head = html.escape(result.summary().split("What to do next:")[0].strip())
        self.succeed(f"access key {result.key} is {'deleted' if result.deleted else 'deactivated'}.",
                     f"<p>{head}</p><p><b>What to do next</b></p><ol>{steps}</ol>")

    def aws_finds(self) -> None:
        from ..rotation import demo_aws_finds_leak

        key, _path = self._target()
        name = demo_aws_finds_leak(self.kit, key)
        self.set_status("info", f"in the demo, AWS found the key leaked and attached {name} to its "
                        "user (and, in real life, e-mails you). Now press “Deactivate this key now”.")
