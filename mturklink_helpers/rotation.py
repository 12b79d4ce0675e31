"""An access key's life cycle: rotate it (two keys, then one), or revoke it (a leaked key).

**Rotation** (:func:`rotate_key`, ``python -m mturklink_helpers rotate-key``), step by step:

1. ``started``: the old key's user is found (``GetAccessKeyLastUsed`` names it) and the plan
   saved: which key is old, which keys existed, where the new file goes;
2. ``created``: IAM's second key is made and written at once to the new ``credentials.csv``
   (0600, atomic, never over an existing file unless asked);
3. ``proven``: the new key works on both MTurk endpoints (sandbox and production, a free
   ``GetAccountBalance``); the kit's notebooks now load it;
4. the learner is shown what to paste into CloudResearch, and the run stops there until
   they confirm CloudResearch holds the new key;
5. ``confirmed``: the old key's last use is noted (``GetAccessKeyLastUsed``: AWS's own
   timestamp, so no clock of this computer is compared with AWS's);
6. ``deactivated``: the old key is made inactive (reversible in the IAM console);
7. ``done``: ``GetAccessKeyLastUsed`` is asked again; only if AWS has seen no use of the
   old key since the confirmation is it deleted. A later use means something still holds it
   (a script, a second CloudResearch account, a profile in ``~/.aws/credentials``): the key
   stays inactive, is not deleted, and the run says when AWS saw it used (:class:`KeyInUse`).

Each step is recorded in ``$MTURKLINK_HOME/rotation-<mode>.json`` (0600; key ids, file
paths and step names, never a secret: the new secret lives only in the new file) before the
next begins, so a run stopped anywhere (a closed laptop, a lost answer) is finished by
running it again: a key made by a run that never saved it is deleted before another is
made (no third key, no key nobody holds), a file written but not recorded is recognised.

**Revocation** (:func:`revoke_key`, ``python -m mturklink_helpers revoke-key``): a leaked
key is made inactive at once, then :class:`Revocation` says what comes next, including
what AWS's quarantine policy (``AWSCompromisedKeyQuarantineV2``/``V3``) means when AWS
found the leak first. See docs/keys.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .clients import client
from .credentials import (
    AccessKey,
    load_credentials_if_there,
    mask_key_id,
)
from .errors import Kind, classify
from .iam import (
    MAX_KEYS_PER_USER,
    IamSetupError,
    KeyInfo,
    KeyLimitError,
    Progress,
    _delete_key,
    _delete_lost_keys,
    _fail,
    list_keys,
    wait_for_key,
)

if TYPE_CHECKING:
    from .kit import Kit

FORMAT = 1
STEPS = ("started", "created", "proven", "confirmed", "deactivated", "done")
DEFAULT_NEW_FILE = "credentials-new.csv"
QUARANTINE_PREFIX = "AWSCompromisedKeyQuarantine"
CREATE_ROUNDS = 3  # CreateAccessKey tries when answers are lost (each deletes what it lost)

CLOUDRESEARCH_STEPS = (
    "Sign in to CloudResearch (TurkPrime), open Account → Link Mechanical Turk (guide step 5).",
    "Access Key ID: the new one, {new} (copy it whole from {path}).",
    "Secret Access Key: copy it from {path} (the kit never shows it).",
    "Save, and check that CloudResearch says the account is linked.",
)


class KeyInUse(IamSetupError):
    """The old key was used after the learner confirmed CloudResearch has the new one: it
    stays inactive and is not deleted. ``last_used`` is AWS's timestamp of that use."""

    def __init__(self, message: str, last_used: datetime | None, service: str | None):
        super().__init__(message)
        self.last_used = last_used
        self.service = service


# --- the saved plan ------------------------------------------------------------------------


def state_path(kit: Kit) -> Path:
    return kit.home / f"rotation-{kit.mode}.json"


def _load_state(kit: Kit) -> dict | None:
    try:
        data = json.loads(state_path(kit).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("step") not in STEPS:
        return None
    return data


def _save_state(kit: Kit, state: dict) -> None:
    from .credentials import write_private_file

    state["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    kit.home.mkdir(parents=True, exist_ok=True)
    write_private_file(state_path(kit), json.dumps(state, indent=1, sort_keys=True) + "\n",
                       overwrite=True)


def _at_least(state: dict, step: str) -> bool:
    return STEPS.index(state["step"]) >= STEPS.index(step)


# --- what a run did ------------------------------------------------------------------------


@dataclass
class Rotation:
    """Where a rotation stands. Never holds a secret (its repr shows masked ids only)."""

    step: str
    user_name: str
    old_key: str  # masked ids
    new_key: str | None = None
    new_path: str | None = None
    old_path: str | None = None
    needs_confirmation: bool = False
    done: bool = False
    cloudresearch: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"<Rotation of {self.old_key} → {self.new_key or 'no new key yet'}: "
                f"{'done' if self.done else self.step}>")

    @property
    def exit_code(self) -> int:
        return 0 if self.done else 1

    def summary(self) -> str:
        lines = [f"Rotating access key {self.old_key} of IAM user {self.user_name}."]
        if self.new_key:
            lines.append(f"New access key {self.new_key}, saved to {self.new_path} (readable by "
                         "you only; the secret is never shown); it works on both MTurk endpoints."
                         if _passed(self.step, "proven") else
                         f"New access key {self.new_key}, saved to {self.new_path}.")
        lines += [f"note: {n}" for n in self.notes]
        if self.needs_confirmation:
            lines.append("Put the new key into CloudResearch now:")
            lines += [f"  {i}. {s}" for i, s in enumerate(self.cloudresearch, 1)]
            lines.append("Then run this again with --confirm-cloudresearch (in the notebook: "
                         "“CloudResearch has the new key”): only then is the old key deactivated, "
                         "checked for use, and deleted.")
        if self.done:
            lines.append(f"Done: the old key {self.old_key} is deleted; CloudResearch and your "
                         f"notebooks use {self.new_key} ({self.new_path}).")
            if self.old_path:
                lines.append(f"The old file {self.old_path} now holds a deleted key: delete it.")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"step": self.step, "done": self.done, "user_name": self.user_name,
                "old_key": self.old_key, "new_key": self.new_key, "new_path": self.new_path,
                "old_path": self.old_path, "needs_confirmation": self.needs_confirmation,
                "cloudresearch": list(self.cloudresearch), "notes": list(self.notes),
                "warnings": list(self.warnings)}


def _passed(step: str, wanted: str) -> bool:
    return STEPS.index(step) >= STEPS.index(wanted)


# --- small IAM helpers (strict: an unanswered call stops the run) --------------------------


def _owner(iam, key_id: str) -> tuple[str, datetime | None, str | None]:
    """(user name, last used, service) of an access key of this account (GetAccessKeyLastUsed).
    Raises IamSetupError when the key is not this account's (or was deleted)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = iam.get_access_key_last_used(AccessKeyId=key_id)
    except ClientError as exc:
        if classify(exc).kind in (Kind.NOT_FOUND, Kind.INVALID_PARAMETER):
            raise _not_ours(key_id) from None
        raise _fail(f"look up access key {mask_key_id(key_id)}", exc) from None
    except BotoCoreError as exc:
        raise _fail(f"look up access key {mask_key_id(key_id)}", exc) from None
    user = answer.get("UserName")
    if not user:
        raise _not_ours(key_id)
    last = answer.get("AccessKeyLastUsed") or {}
    service = last.get("ServiceName")
    return user, last.get("LastUsedDate"), None if service in (None, "N/A") else service


def _not_ours(key_id: str) -> IamSetupError:
    return IamSetupError(
        f"access key {mask_key_id(key_id)} is not a key of this AWS account (it was deleted, or "
        "the admin credentials belong to another account): check the key file and the admin "
        "profile (guide step 4)", bad_input=True)


def _last_used(iam, key_id: str) -> tuple[datetime | None, str | None]:
    """AWS's (last use, service) of the key; an unanswered call raises (never a guess)."""
    return _owner(iam, key_id)[1:]


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _call(action: str, fn, *args, **kwargs):
    """One IAM call; any AWS error becomes one sentence naming the step (IamSetupError)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(*args, **kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise _fail(action, exc) from None


def _ids(keys: list[KeyInfo]) -> list[str]:
    return [k.access_key_id for k in keys]


# --- rotation ------------------------------------------------------------------------------


def _key_id_of(key: AccessKey | str) -> str:
    return key.access_key_id if isinstance(key, AccessKey) else str(key).strip()


def _old_key_id(old: AccessKey | str) -> str:
    key_id = old.access_key_id if isinstance(old, AccessKey) else str(old).strip()
    if not (key_id.isascii() and key_id.isalnum() and 16 <= len(key_id) <= 128):
        raise IamSetupError("the key to rotate is not an access key id (AKIA… and 16 letters "
                            "or digits): give its key file, credentials.csv (guide step 4 j–k)",
                            bad_input=True)
    return key_id


def rotate_key(
    kit: Kit,
    old: AccessKey | str | None = None,
    *,
    admin=None,
    old_path: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
    confirm: bool = False,
    max_wait: float = 120.0,
    progress: Callable[[Progress], object] | None = None,
) -> Rotation:
    """Rotate ``old`` (an AccessKey or its id; default: the kit's loaded key), or finish the
    rotation a stopped run began. ``admin``: credentials allowed to manage IAM (default
    ``kit.admin()``: the demo world's administrator, or boto3's default chain live).
    ``out``: the new key file (default ``credentials-new.csv`` beside the old file).
    ``confirm``: the learner says CloudResearch holds the new key; without it the run stops
    after showing what to paste. Raises :class:`~.iam.IamSetupError` (``bad_input``,
    ``unanswered``), :class:`~.iam.KeyLimitError` or :class:`KeyInUse`, each one sentence.
    """
    report = progress or (lambda _p: None)
    from .clients import as_session

    admin_session = as_session(admin if admin is not None else kit.admin())
    iam = client(admin_session, "iam", kit.endpoints)
    state = _load_state(kit)
    stale = None
    if state is not None and state["step"] != "done" and _stale(iam, state):
        # a plan whose keys are all gone (the demo world was reset, the user deleted)
        stale = (f"an unfinished rotation of {mask_key_id(state['old_key_id'])} was forgotten: "
                 "its keys no longer exist")
        state = None
    if state is not None and state["step"] != "done" and (
            old is None or _key_id_of(old) == state.get("new_key_id")):
        # "Run it again": with no key named, or named by the new key the kit now loads (the
        # notebooks switch to it once it is proven), carry on with the unfinished rotation.
        old, old_path = state["old_key_id"], old_path or state.get("old_path")
    if old is None:
        if kit.key is None:
            raise IamSetupError("no key to rotate: load its credentials.csv first (notebook 04) "
                                "or name it (--credentials FILE)", bad_input=True)
        old = kit.key
        if old_path is None:
            old_path = _loaded_path(kit)
    old_id = _old_key_id(old)
    if state is not None and state["old_key_id"] != old_id:
        if state["step"] != "done":
            raise IamSetupError(
                f"the rotation of {mask_key_id(state['old_key_id'])} is not finished (last step "
                f"done: {state['step']}): run rotate-key again with that key "
                f"({state.get('old_path') or 'its key file'}) to finish it first", bad_input=True)
        state = None  # a finished rotation of another key: this is a new one
    if state is not None and state["step"] == "done":
        result = _result(state)
        result.notes.append(f"this rotation finished at {state.get('finished', '?')}: nothing "
                            "left to do")
        return result
    if state is None:
        state = _plan(kit, iam, old_id, old_path, out, overwrite, report)
    else:
        report(Progress("resume", f"finishing the rotation stopped after step “{state['step']}”"))
        if out is not None and os.fspath(Path(out).expanduser().absolute()) != state["new_path"]:
            raise IamSetupError(
                f"this rotation saves the new key to {state['new_path']}, chosen when it began; "
                "run it again without --out (or with that path) to finish it", bad_input=True)
    # A confirmation counts only once the learner has been shown the new key: given before
    # (say --confirm-cloudresearch on the very first run), CloudResearch cannot have it.
    early_confirm = confirm and not _at_least(state, "proven")
    confirm = confirm and not early_confirm
    result = _result(state)
    notes = result.notes
    if stale:
        notes.append(stale)
    if early_confirm:
        notes.append("the confirmation was not counted: CloudResearch cannot have a key you had "
                     "not seen yet. Put the new key into CloudResearch, then confirm")

    keys = _call("list the user's access keys", list_keys, iam, state["user_name"])
    ids = _ids(keys)
    if state["old_key_id"] not in ids:
        if state.get("new_key_id") in ids:  # deleted: by us (the answer was lost), or by hand
            return _finish(kit, state, result, "the old key was already deleted")
        raise IamSetupError(
            f"the key to rotate, {mask_key_id(old_id)}, no longer exists (deleted by hand?), "
            "and no new key was made: nothing to rotate; make a key with create-iam-user "
            "(guide step 4 i–k)", bad_input=True)
    if state.get("new_key_id") and state["new_key_id"] not in ids:
        notes.append(f"the new key {mask_key_id(state['new_key_id'])} was deleted outside the "
                     "kit: making another")
        state.update(step="started", dead_key_id=state.pop("new_key_id"))
        _save_state(kit, state)

    if state["step"] == "started":
        _create(kit, iam, state, keys, overwrite, notes, report)
    new_key = load_credentials_if_there(state["new_path"])
    if state["step"] == "created" and (new_key is None
                                       or new_key.access_key_id != state["new_key_id"]):
        # The new file was moved or changed: nobody holds the new key's secret any more.
        report(Progress("key", "the new key's file is gone: deleting that key, making another"))
        _call("delete the unreachable new key", _delete_key, iam, state["user_name"],
              state["new_key_id"])
        notes.append(f"{state['new_path']} no longer held the new key "
                     f"{mask_key_id(state['new_key_id'])}: that key was deleted and another made")
        state.update(step="started", known_keys=[state["old_key_id"]])
        state.pop("new_key_id", None)
        _save_state(kit, state)
        keys = _call("list the user's access keys", list_keys, iam, state["user_name"])
        _create(kit, iam, state, keys, True, notes, report)
        new_key = load_credentials_if_there(state["new_path"])
    if new_key is None or new_key.access_key_id != state["new_key_id"]:
        # Past "proven" the new key is in the notebooks (and maybe CloudResearch): never
        # deleted for a moved file; its secret is simply not needed any more.
        new_key = None
        result.warnings.append(f"{state['new_path']} no longer holds the new key "
                               f"{mask_key_id(state['new_key_id'])}: keep the copy you moved")
    result.new_key = mask_key_id(state["new_key_id"])
    result.new_path = state["new_path"]

    if state["step"] == "created":
        _prove(kit, new_key, max_wait, notes, report)
        if _loads_old(kit, state):
            kit.use_key(new_key, state["new_path"])  # every notebook now loads the new key
        state["step"] = "proven"
        _save_state(kit, state)
    result.step = state["step"]
    result.cloudresearch = [s.format(new=result.new_key, path=state["new_path"])
                            for s in CLOUDRESEARCH_STEPS]

    if state["step"] == "proven":
        if not confirm:
            result.needs_confirmation = True
            report(Progress("cloudresearch", "waiting for you: put the new key into CloudResearch"))
            return result
        _confirm(iam, state)
        _save_state(kit, state)
    elif confirm and state.get("in_use"):
        # The learner found what still used the old key and confirms again: count from now.
        _confirm(iam, state)
        state.pop("in_use", None)
        _save_state(kit, state)

    if state["step"] == "confirmed":
        report(Progress("deactivate", f"deactivating the old key {mask_key_id(old_id)}"))
        _call(f"deactivate access key {mask_key_id(old_id)}", iam.update_access_key,
              UserName=state["user_name"], AccessKeyId=state["old_key_id"], Status="Inactive")
        state["step"] = "deactivated"
        _save_state(kit, state)

    report(Progress("check", "asking AWS whether anything used the old key since you confirmed"))
    used, service = _call(f"ask when access key {mask_key_id(old_id)} was last used",
                          _last_used, iam, state["old_key_id"])
    baseline = _parse(state.get("baseline"))
    if used is not None and (baseline is None or used > baseline):
        state["in_use"] = _iso(used)
        _save_state(kit, state)
        when = _iso(used)
        raise KeyInUse(
            f"AWS saw the old key {mask_key_id(old_id)} used at {when}"
            + (f" ({service})" if service else "")
            + ", after you confirmed that CloudResearch has the new key: something still uses "
            "it (CloudResearch not yet saved, a script, a profile in ~/.aws/credentials). It is "
            "deactivated, not deleted, so that thing now fails; find it and give it the new key, "
            "then run rotate-key again with --confirm-cloudresearch to delete the old key (or "
            "make it active again in the IAM console if you need it back)", used, service)
    report(Progress("delete", f"deleting the old key {mask_key_id(old_id)}"))
    _call(f"delete access key {mask_key_id(old_id)}", _delete_key, iam, state["user_name"],
          state["old_key_id"])
    return _finish(kit, state, result, None)


def _stale(iam, state: dict) -> bool:
    """Whether none of a plan's keys exists any more (an unanswered check raises)."""
    for key_id in (state["old_key_id"], state.get("new_key_id")):
        if not key_id:
            continue
        try:
            _owner(iam, key_id)
            return False
        except IamSetupError as exc:
            if not exc.bad_input:
                raise
    return True


def _loads_old(kit: Kit, state: dict) -> bool:
    """Whether the kit's notebooks use the old key (or none): then they move to the new one."""
    return kit.key is None or kit.key.access_key_id == state["old_key_id"]


def _loaded_path(kit: Kit) -> str | None:
    from .kit import load_settings

    return load_settings(kit.home).get(f"key_file_{kit.mode}")


def _plan(kit, iam, old_id, old_path, out, overwrite, report) -> dict:
    report(Progress("identity", f"finding the IAM user of access key {mask_key_id(old_id)}"))
    user, _used, _service = _owner(iam, old_id)
    keys = _call("list the user's access keys", list_keys, iam, user)
    others = [k for k in keys if k.access_key_id != old_id]
    if len(keys) >= MAX_KEYS_PER_USER and others:
        listed = "; ".join(k.describe() for k in others)
        raise KeyLimitError(
            f"the IAM user {user} already has {len(keys)} access keys, the most IAM allows, and "
            f"rotation needs room for a new one. The other key is {listed}. If you hold its file, "
            "rotate that one instead; if nobody does, revoke and delete it first (python -m "
            f"mturklink_helpers revoke-key --key-id {others[0].masked_id} --delete); nothing was "
            "changed", keys)
    base = Path(old_path).expanduser().resolve().parent if old_path else Path.cwd()
    new_path = Path(out).expanduser() if out is not None else base / DEFAULT_NEW_FILE
    new_path = new_path.absolute()
    if old_path and new_path == Path(old_path).expanduser().absolute() and not overwrite:
        raise IamSetupError(f"{new_path} is the old key's file: choose another file for the new "
                            "key, or allow overwriting it (no key was made)", bad_input=True)
    if new_path.exists() and not overwrite:
        raise IamSetupError(f"{new_path} already exists: choose another file for the new key, or "
                            "allow overwriting (no key was made)", bad_input=True)
    state = {"format": FORMAT, "step": "started", "mode": kit.mode, "where": str(kit.endpoints),
             "user_name": user, "old_key_id": old_id, "known_keys": _ids(keys),
             "old_path": os.fspath(Path(old_path).expanduser().absolute()) if old_path else None,
             "new_path": os.fspath(new_path), "overwrite": bool(overwrite),
             "started": datetime.now(UTC).isoformat(timespec="seconds")}
    _save_state(kit, state)
    return state


def _create(kit, iam, state, keys, overwrite, notes, report) -> None:
    """Step 2: the second key, written at once; whatever an earlier run lost is deleted."""
    from botocore.exceptions import BotoCoreError, ClientError

    from .credentials import check_key, write_credentials

    user, path = state["user_name"], state["new_path"]
    known = set(state["known_keys"])
    ids = _ids(keys)
    saved = load_credentials_if_there(path)
    if saved is not None and saved.access_key_id in ids and saved.access_key_id not in known:
        # An earlier run wrote the file and stopped before recording it: adopt that key.
        state.update(step="created", new_key_id=saved.access_key_id)
        _save_state(kit, state)
        _call("delete keys nobody holds", _delete_lost_keys, iam, user, known,
              saved.access_key_id)
        return
    may_replace = overwrite or state.get("overwrite") or (
        saved is not None and saved.access_key_id == state.get("dead_key_id"))
    if os.path.exists(path) and not may_replace:
        raise IamSetupError(f"{path} already exists and holds no key of this rotation: move it "
                            "away, or allow overwriting (no key was made)", bad_input=True)
    lost = _call("delete keys an earlier run made but never saved", _delete_lost_keys, iam, user,
                 known, None)
    if lost:
        notes.append(f"deleted {lost} key(s) an interrupted run had made but never saved")
    for attempt in range(CREATE_ROUNDS):
        report(Progress("key", "creating the new access key"))
        try:
            made = iam.create_access_key(UserName=user)["AccessKey"]
            break
        except (ClientError, BotoCoreError) as exc:
            meaning = classify(exc)
            # A lost answer: botocore tried again and AWS may hold a key nobody will see
            # (with two keys the retry then meets LimitExceeded). Delete it, try once more.
            gone = _call("delete keys whose answer was lost", _delete_lost_keys, iam, user, known,
                         None)
            if gone:
                notes.append(f"deleted {gone} key(s) whose CreateAccessKey answer was lost")
            if attempt == CREATE_ROUNDS - 1 or (meaning.answered and meaning.kind is not Kind.LIMIT):
                raise _fail("create the new access key", exc) from None
    key_id, secret = check_key(made["AccessKeyId"], made["SecretAccessKey"],
                               source="CreateAccessKey")
    key = AccessKey(key_id, secret, user_name=user, source="CreateAccessKey")
    secret = made = None
    report(Progress("save", f"saving the new key to {path}"))
    try:
        write_credentials(key, path, overwrite=bool(may_replace))
    except OSError as exc:
        # Nobody will ever see this key's secret: it goes at once.
        _call("delete the key that could not be saved", _delete_key, iam, user, key_id)
        raise IamSetupError(f"could not write {path} ({exc.strerror or exc}); the new key was "
                            "deleted: choose a folder you can write to (no key was kept)",
                            bad_input=True) from None
    state.update(step="created", new_key_id=key_id)
    state.pop("dead_key_id", None)
    _save_state(kit, state)


def _prove(kit, key: AccessKey, max_wait: float, notes: list[str], report) -> None:
    """Step 3: the new key works on the sandbox (STS, then MTurk) and on production."""
    from botocore.exceptions import BotoCoreError, ClientError

    wait = kit.wait(max_wait=max_wait)
    ready, _waited, unanswered = wait_for_key(key, wait=wait, progress=report,
                                              endpoints=kit.endpoints, notes=notes)
    if ready:
        production = client(key, "mturk", kit.endpoints, "production")
        seen: dict = {}

        def attempt():
            try:
                production.get_account_balance()
                return True, ""
            except (ClientError, BotoCoreError) as exc:
                meaning = classify(exc)
                seen["meaning"] = meaning
                if not meaning.answered:
                    return None, meaning.code
                if meaning.kind is Kind.UNKNOWN_KEY:
                    return False, "production's MTurk does not know the new key yet"
                if meaning.by_mturk or meaning.kind in (Kind.DENIED, Kind.DENIED_EXPLICIT):
                    notes.append(f"production answered {meaning.turk_code or meaning.code} for the "
                                 "new key as for any key of this user: run the doctor (notebook 07)")
                    return True, ""
                return None, meaning.code

        report(Progress("wait", "checking the new key on MTurk's production endpoint"))
        ready, _tries, _elapsed = wait.run(attempt)
        meaning = seen.get("meaning")
        unanswered = not ready and meaning is not None and not meaning.answered
    if not ready:
        why = ("AWS did not answer while proving the new key" if unanswered
               else "the new key does not work on MTurk yet")
        raise IamSetupError(
            f"{why}; it is saved and the old key is untouched: run rotate-key again in a few "
            "minutes, it carries on from here (guide step 5)", unanswered=bool(unanswered))


def _confirm(iam, state: dict) -> None:
    """Step 5: the learner confirmed; note AWS's last-use time of the old key as the mark."""
    used, _service = _call("ask when the old key was last used", _last_used, iam,
                           state["old_key_id"])
    state.update(step="confirmed" if state["step"] == "proven" else state["step"],
                 baseline=_iso(used), confirmed=datetime.now(UTC).isoformat(timespec="seconds"))


def _finish(kit, state, result, note) -> Rotation:
    state.update(step="done", finished=datetime.now(UTC).isoformat(timespec="seconds"))
    state.pop("in_use", None)
    _save_state(kit, state)
    done = _result(state)
    done.notes = result.notes + ([note] if note else [])
    new_key = load_credentials_if_there(state.get("new_path"))
    if new_key is not None and kit.key != new_key and _loads_old(kit, state):
        kit.use_key(new_key, state["new_path"])
    return done


def _result(state: dict) -> Rotation:
    new_id = state.get("new_key_id")
    return Rotation(state["step"], state["user_name"], mask_key_id(state["old_key_id"]),
                    mask_key_id(new_id) if new_id else None,
                    state.get("new_path") if new_id else None, state.get("old_path"),
                    done=state["step"] == "done")


def rotation_status(kit: Kit) -> Rotation | None:
    """The saved rotation of this mode (finished or not), or None."""
    state = _load_state(kit)
    return _result(state) if state else None


# --- revocation ----------------------------------------------------------------------------


@dataclass
class Revocation:
    """What :func:`revoke_key` did, and what comes next. Never holds a secret."""

    key: str  # masked id
    user_name: str
    was_active: bool
    deleted: bool
    last_used: datetime | None
    last_used_service: str | None
    quarantine: list[str]
    other_keys: list[KeyInfo]
    next_steps: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"<Revocation of {self.key} ({'deleted' if self.deleted else 'inactive'}), "
                f"user {self.user_name}>")

    def summary(self) -> str:
        state = "deleted" if self.deleted else "deactivated (not deleted)"
        lines = [f"Access key {self.key} of IAM user {self.user_name} is {state}"
                 + ("" if self.was_active or self.deleted else " (it was inactive already)")
                 + ": nobody can use it any more, on MTurk or anywhere in AWS."]
        if self.last_used:
            lines.append(f"AWS last saw it used at {_iso(self.last_used)}"
                         + (f" ({self.last_used_service})" if self.last_used_service else "")
                         + ": if that was not you or CloudResearch, someone else had it.")
        else:
            lines.append("AWS has no record of it being used.")
        lines.append("What to do next:")
        lines += [f"  {i}. {s}" for i, s in enumerate(self.next_steps, 1)]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"key": self.key, "user_name": self.user_name, "was_active": self.was_active,
                "deleted": self.deleted, "last_used": _iso(self.last_used),
                "last_used_service": self.last_used_service, "quarantine": list(self.quarantine),
                "other_keys": [k.masked_id for k in self.other_keys],
                "next_steps": list(self.next_steps)}


def revoke_key(kit: Kit, key: AccessKey | str, *, admin=None, delete: bool = False,
               key_path: str | os.PathLike | None = None) -> Revocation:
    """Deactivate ``key`` (an AccessKey or its id) at once; with ``delete``, delete it too.

    Returns a :class:`Revocation` whose ``next_steps`` walk the learner through a new key,
    CloudResearch, and AWS's quarantine policy if AWS found the leak first."""
    from .clients import as_session

    iam = client(as_session(admin if admin is not None else kit.admin()), "iam", kit.endpoints)
    key_id = _resolve_masked(iam, key) if _is_masked(key) else _old_key_id(key)
    user, used, service = _owner(iam, key_id)
    before = {k.access_key_id: k for k in _call("list the user's access keys", list_keys, iam, user)}
    was_active = before.get(key_id) is None or before[key_id].status == "Active"
    # First, at once: nothing that holds the key can use it after this call.
    _call(f"deactivate access key {mask_key_id(key_id)}", iam.update_access_key, UserName=user,
          AccessKeyId=key_id, Status="Inactive")
    if delete:
        _call(f"delete access key {mask_key_id(key_id)}", _delete_key, iam, user, key_id)
    attached = _call("list the user's policies", iam.list_attached_user_policies, UserName=user)
    quarantine = [p["PolicyName"] for p in attached["AttachedPolicies"]
                  if p["PolicyName"].startswith(QUARANTINE_PREFIX)]
    others = [k for k in _call("list the user's access keys", list_keys, iam, user)
              if k.access_key_id != key_id]
    result = Revocation(mask_key_id(key_id), user, was_active, delete, used, service, quarantine,
                        others)
    result.next_steps = _next_steps(kit, result, key_path)
    return result


def _is_masked(key) -> bool:
    return isinstance(key, str) and ("…" in key or "..." in key)


def _resolve_masked(iam, masked: str) -> str:
    """The full id of the one key of this account shown as ``AKIA…WXYZ`` (as the kit shows ids)."""
    wanted = masked.strip().replace("...", "…")
    found = []
    for page in _call("list the account's users", lambda: list(
            iam.get_paginator("list_users").paginate())):
        for user in page["Users"]:
            listed = _call("list a user's access keys", iam.list_access_keys,
                           UserName=user["UserName"])
            found += [m["AccessKeyId"] for m in listed["AccessKeyMetadata"]
                      if mask_key_id(m["AccessKeyId"]) == wanted]
    if len(found) != 1:
        raise IamSetupError(f"{'no' if not found else 'more than one'} access key of this account "
                            f"looks like {wanted[:12]}: give the whole Access Key ID, or the key's "
                            "file (--credentials)", bad_input=True)
    return found[0]


def _next_steps(kit: Kit, r: Revocation, key_path) -> list[str]:
    demo = " --demo" if kit.is_demo else ""
    path = f" --credentials {key_path}" if key_path else f" --key-id {r.key}"
    steps = []
    active = [k for k in r.other_keys if k.status == "Active"]
    if not r.deleted:
        steps.append(
            "Make a new key and hand it to CloudResearch: `python -m mturklink_helpers rotate-key"
            f"{demo}{path}` (or the rotation form in notebook 04) makes it, proves it, shows what to "
            "paste into CloudResearch (Account → Link Mechanical Turk), and deletes the leaked key "
            "once you confirm. Until then CloudResearch cannot post HITs.")
    elif active:
        steps.append(f"The user still has key {active[0].masked_id}: if that one is safe, make sure "
                     "CloudResearch holds it; if not, revoke it too.")
    else:
        steps.append("Make a new key (`python -m mturklink_helpers create-iam-user"
                     f"{demo} --new-key`, or notebook 04) and paste it into CloudResearch (Account → "
                     "Link Mechanical Turk). Until then CloudResearch cannot post HITs.")
    if r.quarantine:
        steps.append(
            f"AWS found the leak first: it attached {', '.join(r.quarantine)} to {r.user_name} "
            "(and e-mailed the account's owner, usually with a support case). That policy denies "
            "the actions attackers want (starting EC2 instances, creating users and access keys, "
            "changing policies…) to every key of this user, but not MTurk's: a leaked key keeps "
            "working on MTurk until it is deactivated, which is done now. Leave the policy "
            "attached until the leaked key is deleted and you have checked what it did; then an "
            "administrator detaches it and answers AWS's case.")
    else:
        steps.append(
            "If AWS finds the leak first, it attaches a quarantine policy "
            "(AWSCompromisedKeyQuarantineV2 or V3) to the user and e-mails the account's owner: it "
            "blocks EC2, IAM and other risky actions, but not MTurk, so deactivating the key "
            "yourself, as now, is what stops it.")
    if kit.is_demo:
        steps.append("In real life, next check what the key did: the Billing console (unexpected "
                     "charges in any region), CloudTrail's event history, and on MTurk your HITs "
                     "and prepaid balance. In the demo world there is nothing to find.")
    else:
        steps.append("Check what the key did: the Billing console (unexpected charges in any "
                     "region), CloudTrail's event history, and on MTurk your HITs and prepaid "
                     "balance (requester.mturk.com).")
    steps.append("Find where it leaked (a notebook output, a public repository, an e-mail) and "
                 "remove it there too: a deactivated key is harmless, but the same mistake can leak "
                 "the next one.")
    return steps


def demo_aws_finds_leak(kit: Kit, key: AccessKey | str) -> str:
    """Demo only: play AWS finding ``key`` leaked, attaching its quarantine policy to the
    key's user, as AWS does. Returns the policy's name."""
    if not kit.is_demo:
        raise IamSetupError("only the demo world can pretend to be AWS finding a leak",
                            bad_input=True)
    iam = client(kit.admin(), "iam", kit.endpoints)
    user, _used, _service = _owner(iam, _old_key_id(key))
    name = QUARANTINE_PREFIX + "V3"
    _call("attach the quarantine policy", iam.attach_user_policy, UserName=user,
          PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    return name
