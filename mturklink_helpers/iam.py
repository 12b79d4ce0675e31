"""Step 4 of the guide from code: an IAM user with MTurk access and a working access key.

:func:`provision_iam_user` does what the console wizard does (guide step 4 a–k) with any
admin boto3 session (a profile, environment variables, SSO, or the demo world's admin):

* create the IAM user, or reuse it when it exists (re-running never makes a second user);
* attach ``AmazonMechanicalTurkFullAccess`` unless it is attached (and say so when a weaker
  MTurk policy such as ``AmazonMechanicalTurkReadOnly`` is attached instead);
* create an access key when the user has none, or when asked (``new_key=True``), stopping
  before AWS refuses a third key: a user can hold two keys, and which one to delete is the
  caller's choice (``rotate=``);
* save the key (``credentials.csv`` with mode 0600, a ``mturk`` profile) *before* waiting,
  because the secret is handed out only once;
* wait, with backoff, until the key works: first STS knows it, then MTurk's sandbox answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .clients import Endpoints, as_session, client
from .credentials import AccessKey, check_key, mask_key_id
from .errors import Kind, classify, error_codes
from .retry import Wait

if TYPE_CHECKING:
    import boto3

DEFAULT_USER = "mturk-requester"
FULL_ACCESS = "AmazonMechanicalTurkFullAccess"
MAX_KEYS_PER_USER = 2  # IAM's quota AccessKeysPerUser
AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"


class IamSetupError(RuntimeError):
    """Provisioning stopped; the message is one sentence saying why and what to do.

    ``bad_input`` is True when the caller's input was wrong (a file that exists, a key to
    rotate that is not the user's, admin credentials that cannot manage IAM); ``unanswered``
    when AWS gave no answer (or was busy), so nothing is known about the setup.
    """

    def __init__(self, message: str, *, bad_input: bool = False, unanswered: bool = False):
        super().__init__(message)
        self.bad_input = bad_input
        self.unanswered = unanswered


class KeyLimitError(IamSetupError):
    """The user already holds two access keys; ``keys`` lists them (ids masked)."""

    def __init__(self, message: str, keys: list[KeyInfo]):
        super().__init__(message)
        self.keys = keys


@dataclass(frozen=True)
class KeyInfo:
    """An existing access key of the user, as IAM describes it (never a secret)."""

    access_key_id: str
    status: str
    created: datetime | None
    last_used: datetime | None = None
    last_used_service: str | None = None

    @property
    def masked_id(self) -> str:
        return mask_key_id(self.access_key_id)

    def describe(self) -> str:
        created = self.created.strftime("%Y-%m-%d") if self.created else "unknown date"
        if self.last_used:
            used = f"last used {self.last_used.strftime('%Y-%m-%d')}"
            if self.last_used_service:
                used += f" ({self.last_used_service})"
        else:
            used = "never used"
        return f"{self.masked_id} ({self.status.lower()}, created {created}, {used})"

    def __repr__(self) -> str:
        return f"KeyInfo({self.describe()})"


@dataclass(frozen=True)
class Progress:
    """What provisioning is doing now, for a status line or a progress bar.

    ``stage`` is one of "identity", "user", "policy", "key", "save", "wait", "done".
    During "wait", ``elapsed`` and ``limit`` (seconds) give the bar's position and
    ``message`` says why we wait.
    """

    stage: str
    message: str
    elapsed: float = 0.0
    limit: float = 0.0
    attempt: int = 0

    @property
    def fraction(self) -> float | None:
        if self.stage == "done":
            return 1.0
        if self.stage != "wait" or not self.limit:
            return None
        return min(self.elapsed / self.limit, 1.0)


@dataclass
class ProvisionResult:
    """What :func:`provision_iam_user` did. Its repr never shows a secret."""

    user_name: str
    user_arn: str
    account_id: str
    policy_arn: str
    created_user: bool = False
    attached_policy: bool = False
    key: AccessKey | None = None
    existing_keys: list[KeyInfo] = field(default_factory=list)
    deleted_key: str | None = None  # masked id of a key deleted by rotation
    ready: bool | None = None  # None: no new key, or not asked to wait
    unanswered: bool = False  # the wait ended because AWS did not answer: nothing is known
    waited: float = 0.0
    credentials_path: str | None = None
    profile: str | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self, ask_new: str = "run it again with --new-key") -> str:
        """One line per thing done. ``ask_new``: how to ask for a new key, in the words of
        where this is shown (the command line's flag; the notebook's checkbox)."""
        lines = [
            f"IAM user {self.user_name} in account {self.account_id}"
            + (" (created)" if self.created_user else " (already existed)"),
            f"policy {self.policy_arn.rsplit('/', 1)[-1]}"
            + (" attached" if self.attached_policy else " already attached"),
        ]
        if self.key is not None:
            lines.append(f"new access key {self.key.masked_id} (secret saved, never shown)")
            if self.ready:
                lines.append(f"the key works (after {self.waited:.0f} s)")
            elif self.ready is False and self.unanswered:
                lines.append("could not check whether the key works (no answer): run the doctor "
                             "in a few minutes")
            elif self.ready is False:
                lines.append("the key does not work yet: run the doctor in a few minutes")
        else:
            lines.append(f"no new access key was made: if you lost the secret, {ask_new}")
        if self.deleted_key:
            lines.append(f"deleted access key {self.deleted_key}")
        if self.credentials_path:
            lines.append(f"key saved to {self.credentials_path} (readable by you only)")
        if self.profile:
            lines.append(f"key saved as AWS profile [{self.profile}]")
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "user_name": self.user_name,
            "user_arn": self.user_arn,
            "account_id": self.account_id,
            "policy_arn": self.policy_arn,
            "created_user": self.created_user,
            "attached_policy": self.attached_policy,
            "access_key_id": self.key.masked_id if self.key else None,
            "existing_keys": [k.masked_id for k in self.existing_keys],
            "deleted_key": self.deleted_key,
            "ready": self.ready,
            "could_not_check": self.unanswered,
            "waited_seconds": round(self.waited, 1),
            "credentials_path": self.credentials_path,
            "profile": self.profile,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def policy_arn(policy: str) -> str:
    """``AmazonMechanicalTurkFullAccess`` → its AWS-managed policy ARN; ARNs pass through."""
    return policy if policy.startswith("arn:") else AWS_POLICY_PREFIX + policy


def _fail(action: str, exc: BaseException) -> IamSetupError:
    meaning = classify(exc)
    if not meaning.answered:
        return IamSetupError(
            f"AWS was busy or did not answer while trying to {action} ({meaning.code}): run it "
            "again, it picks up where it stopped (guide step 4)", unanswered=True,
        )
    if meaning.kind in (Kind.DENIED, Kind.DENIED_EXPLICIT, Kind.DENIED_ORGANISATION):
        return IamSetupError(
            f"the admin credentials may not {action} ({meaning.code}): use an administrator's "
            "profile or sign in as the account's root user (guide step 4 a)", bad_input=True,
        )
    if meaning.kind in (Kind.UNKNOWN_KEY, Kind.WRONG_SECRET):
        return IamSetupError(
            f"AWS does not recognise the admin credentials ({meaning.code}) while trying to "
            f"{action}: check the admin profile's access key id and secret", bad_input=True,
        )
    if meaning.setup_problem:
        return IamSetupError(f"AWS refused to {action}: {meaning.advice}", bad_input=True)
    return IamSetupError(f"AWS refused to {action} ({meaning.code}): try again, or do guide step 4 "
                         "by hand")


def list_keys(iam, user_name: str) -> list[KeyInfo]:
    """The user's access keys with created and last-used dates (oldest first)."""
    keys = []
    for meta in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
        last_used = service = None
        try:
            used = iam.get_access_key_last_used(AccessKeyId=meta["AccessKeyId"])
            last = used.get("AccessKeyLastUsed", {})
            last_used = last.get("LastUsedDate")
            service = last.get("ServiceName") if last.get("ServiceName") not in (None, "N/A") else None
        except Exception:  # noqa: BLE001 - last-used is a nicety; never fail for it
            pass
        keys.append(KeyInfo(meta["AccessKeyId"], meta.get("Status", "Active"), meta.get("CreateDate"),
                            last_used, service))
    return sorted(keys, key=lambda k: k.created or datetime.min)


def _match_key(keys: list[KeyInfo], wanted: str) -> KeyInfo:
    """The key named by its full id or its masked form (AKIA…WXYZ)."""
    wanted = wanted.strip().replace("...", "…")
    matches = [k for k in keys if wanted in (k.access_key_id, k.masked_id)]
    if len(matches) != 1:
        listed = ", ".join(k.masked_id for k in keys) or "none"
        raise IamSetupError(
            f"the key to rotate, {mask_key_id(wanted) if len(wanted) > 12 else wanted}, is not one "
            f"of this user's keys ({listed}): name one of those", bad_input=True,
        )
    return matches[0]


def _limit_message(user_name: str, keys: list[KeyInfo]) -> str:
    listed = "; ".join(k.describe() for k in keys)
    return (
        f"the IAM user {user_name} already has {len(keys)} access keys, the most IAM allows "
        f"({listed}); nothing was changed. To rotate, name the key to delete: "
        f"rotate=\"{keys[0].masked_id}\" (or --rotate {keys[0].masked_id} on the command line); "
        "the kit deletes a key only when you name it"
    )


def provision_iam_user(
    admin: boto3.Session | str,
    user_name: str = DEFAULT_USER,
    policy: str = FULL_ACCESS,
    *,
    new_key: bool | None = None,
    rotate: str | None = None,
    wait: bool | Wait = True,
    progress: Callable[[Progress], object] | None = None,
    credentials_path: str | os.PathLike | None = None,
    overwrite: bool = False,
    profile: str | None = None,
    profile_path: str | os.PathLike | None = None,
    endpoints: Endpoints | str | None = None,
) -> ProvisionResult:
    """Create or reuse ``user_name``, give it ``policy``, make a key and wait until it works.

    ``admin`` is a boto3 Session (or a profile name) allowed to manage IAM. ``new_key``:
    None makes a key only when the user has none; True always (two-key limit permitting);
    False never. ``rotate`` names a key (full or masked id) to delete for the new one.
    ``credentials_path`` and ``profile`` save the new key (mode 0600) before the wait.
    ``wait``: False to skip waiting for the key to work, or a :class:`~.retry.Wait` (how
    long, on which clock). ``endpoints``: where AWS is (None: AWS; a world's URL).
    Raises :class:`IamSetupError` (or :class:`KeyLimitError`) with one clear sentence.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    report = progress or (lambda _p: None)
    admin = as_session(admin)
    iam = client(admin, "iam", endpoints)
    sts = client(admin, "sts", endpoints)
    arn = policy_arn(policy)

    report(Progress("identity", "checking who the admin credentials belong to"))
    try:
        who = sts.get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise _fail("say who they are (sts:GetCallerIdentity)", exc) from None
    account_id = who["Account"]
    warnings: list[str] = []
    if who["Arn"].endswith(":root"):
        warnings.append(
            "you are using the AWS account's root user as the admin: it works, but keep root "
            "keys for emergencies; an administrator IAM user or SSO profile is safer"
        )

    try:
        # --- the user (4 a–e) -------------------------------------------------------
        created_user = False
        try:
            user = iam.get_user(UserName=user_name)["User"]
        except ClientError as exc:
            if classify(exc).kind is not Kind.NOT_FOUND:
                raise
            report(Progress("user", f"creating the IAM user {user_name}"))
            try:
                user = iam.create_user(UserName=user_name)["User"]
            except ClientError as exc:
                # botocore retried after a lost answer and met the user its first try made.
                if classify(exc).kind is not Kind.ALREADY_EXISTS:
                    raise
                user = iam.get_user(UserName=user_name)["User"]
            created_user = True
        else:
            report(Progress("user", f"the IAM user {user_name} exists: reusing it"))
        result = ProvisionResult(user_name, user["Arn"], account_id, arn,
                                 created_user=created_user, warnings=warnings)

        # --- the policy (4 f–h) -----------------------------------------------------
        attached = [
            p["PolicyArn"]
            for page in iam.get_paginator("list_attached_user_policies").paginate(UserName=user_name)
            for p in page["AttachedPolicies"]
        ]
        if arn not in attached:
            weaker = [a.rsplit("/", 1)[-1] for a in attached if "MechanicalTurk" in a]
            if weaker:
                result.notes.append(
                    f"{', '.join(weaker)} was attached instead of {arn.rsplit('/', 1)[-1]}, which "
                    "cannot create HITs; attached the full policy too (detach the other if you like)"
                )
            report(Progress("policy", f"attaching {arn.rsplit('/', 1)[-1]}"))
            iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
            result.attached_policy = True
        else:
            report(Progress("policy", f"{arn.rsplit('/', 1)[-1]} is already attached"))

        # --- the key (4 i–k) --------------------------------------------------------
        keys = list_keys(iam, user_name)
        result.existing_keys = keys
        to_delete = _match_key(keys, rotate) if rotate else None
        make_key = new_key if new_key is not None else (not keys or to_delete is not None)
        if to_delete is not None and new_key is False:
            raise IamSetupError(
                "rotate= deletes a key to make room for a new one; drop new_key=False",
                bad_input=True,
            )
        if make_key and credentials_path is not None and not overwrite \
                and os.path.exists(credentials_path):
            # Checked before the key is made: finding this afterwards would strand its secret.
            raise IamSetupError(
                f"{os.fspath(credentials_path)} already exists: choose another file name or allow "
                "overwriting (no key was made)", bad_input=True,
            )
        if not make_key:
            if keys:
                result.notes.append(
                    f"the user already has {len(keys)} access key(s) "
                    f"({', '.join(k.masked_id for k in keys)}); no new key was made, because "
                    "AWS shows a secret only once"
                )
            report(Progress("done", "nothing left to do"))
            return result
        if len(keys) >= MAX_KEYS_PER_USER and to_delete is None:
            raise KeyLimitError(_limit_message(user_name, keys), keys)

        if to_delete is not None and len(keys) >= MAX_KEYS_PER_USER:
            report(Progress("key", f"deleting access key {to_delete.masked_id} (you named it)"))
            _delete_key(iam, user_name, to_delete.access_key_id)
            result.deleted_key = to_delete.masked_id
        report(Progress("key", "creating an access key"))
        known = {k.access_key_id for k in keys}
        try:
            created = iam.create_access_key(UserName=user_name)["AccessKey"]
        except (ClientError, BotoCoreError) as exc:
            if _delete_lost_keys(iam, user_name, known, keep=None):
                raise IamSetupError(
                    f"AWS's answers to CreateAccessKey were lost ({error_codes(exc)[0]}); the keys "
                    "it made meanwhile were deleted, since nobody can see their secrets: run it "
                    "again (guide step 4 i–k)"
                ) from None
            raise
        key_id, secret = check_key(created["AccessKeyId"], created["SecretAccessKey"],
                                   source="CreateAccessKey")
        result.key = AccessKey(key_id, secret, user_name=user_name, source="CreateAccessKey")
        secret = created = None  # the AccessKey holds it now; nothing else should
    except (ClientError, BotoCoreError) as exc:
        raise _fail("set up the IAM user", exc) from None

    _save(result, credentials_path, overwrite, profile, profile_path, report)
    try:
        _delete_lost_keys(iam, user_name, known, keep=result.key.access_key_id)
    except (ClientError, BotoCoreError) as exc:
        result.warnings.append(
            f"could not check for a second new key that AWS may have made ({error_codes(exc)[0]}):"
            f" look at {user_name}'s access keys and delete any you do not have (guide step 4 i)"
        )
    if to_delete is not None and result.deleted_key is None:
        # There was room: the old key goes only now that the new one is safely saved.
        report(Progress("key", f"deleting access key {to_delete.masked_id} (you named it)"))
        try:
            _delete_key(iam, user_name, to_delete.access_key_id)
        except (ClientError, BotoCoreError) as exc:
            raise _fail(f"delete access key {to_delete.masked_id}", exc) from None
        result.deleted_key = to_delete.masked_id

    if wait:
        result.ready, result.waited, result.unanswered = wait_for_key(
            result.key, wait=wait if isinstance(wait, Wait) else None, progress=report,
            endpoints=endpoints,
            policy_just_attached=result.attached_policy, notes=result.notes,
        )
    report(Progress("done", "the IAM user is ready" if result.ready is not False
                    else "the key is saved but does not work yet"))
    return result


def _delete_key(iam, user_name: str, key_id: str) -> None:
    """DeleteAccessKey; a key already gone (an earlier try's answer was lost) is fine."""
    from botocore.exceptions import ClientError

    try:
        iam.delete_access_key(UserName=user_name, AccessKeyId=key_id)
    except ClientError as exc:
        if classify(exc).kind is not Kind.NOT_FOUND:
            raise


def _delete_lost_keys(iam, user_name: str, known: set[str], keep: str | None) -> int:
    """Delete keys this run made but never received: when CreateAccessKey's answer is lost,
    botocore tries again, and AWS may hold a key whose secret nobody will ever see. Such a
    key only uses up one of the user's two, so it goes. Returns how many went."""
    lost = [m["AccessKeyId"] for m in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
            if m["AccessKeyId"] not in known and m["AccessKeyId"] != keep]
    for key_id in lost:
        _delete_key(iam, user_name, key_id)
    return len(lost)


def _save(result, credentials_path, overwrite, profile, profile_path, report) -> None:
    from .credentials import save_profile, write_credentials

    if credentials_path is not None:
        report(Progress("save", f"saving the key to {os.fspath(credentials_path)}"))
        result.credentials_path = os.fspath(write_credentials(result.key, credentials_path,
                                                              overwrite=overwrite))
    if profile:
        report(Progress("save", f"saving the key as AWS profile [{profile}]"))
        save_profile(result.key, profile, profile_path)
        result.profile = profile


def wait_for_key(
    key: AccessKey,
    *,
    wait: Wait | None = None,
    progress: Callable[[Progress], object] | None = None,
    endpoints: Endpoints | str | None = None,
    policy_just_attached: bool = False,
    notes: list[str] | None = None,
) -> tuple[bool, float, bool]:
    """Wait until ``key`` works: STS knows it, then MTurk's sandbox answers a balance call.

    Returns (ready, seconds waited, whether it stopped for want of an answer). A sandbox that answers "not linked" still proves the
    key works (MTurk checked it first); that problem is noted for the doctor (step 3).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    wait = wait or Wait()
    report = progress or (lambda _p: None)
    session = key.session()
    sts = client(session, "sts", endpoints)
    mturk = client(session, "mturk", endpoints, "sandbox")
    state: dict = {"sts_ok": False, "unanswered": None}

    def attempt() -> tuple[bool, str]:
        state["unanswered"] = None
        try:
            if not state["sts_ok"]:
                sts.get_caller_identity()
                state["sts_ok"] = True
            mturk.get_account_balance()
            return True, ""
        except (ClientError, BotoCoreError) as exc:
            meaning = classify(exc)
            who = "MTurk" if state["sts_ok"] else "AWS"
            if not meaning.answered:  # busy, or no answer at all: that says nothing about the key
                state["unanswered"] = f"{who} was busy or did not answer ({meaning.code})"
                return None, state["unanswered"]  # botocore has already tried again
            if meaning.kind is Kind.UNKNOWN_KEY:
                return False, f"{who} does not know the new key yet (new keys take up to a minute)"
            if meaning.kind is Kind.DENIED and policy_just_attached:
                return False, "the policy was attached moments ago and is not in force yet"
            if meaning.by_mturk and notes is not None:
                notes.append(
                    f"the key works, but the sandbox answered {meaning.turk_code or meaning.code}: "
                    "run the doctor (guide steps 2 and 3)"
                )
                return True, ""
            if notes is not None:
                notes.append(f"the sandbox answered {meaning.code} while checking the new key: "
                             "run the doctor")
            return True, ""

    def on_wait(tries, elapsed, reason, _delay):
        report(Progress("wait", f"waiting ({elapsed:.0f} s so far, at most {wait.max_wait:.0f} s): "
                        f"{reason}", elapsed, wait.max_wait, tries))

    done, _tries, elapsed = wait.run(attempt, on_wait)
    if not done and state["unanswered"] and notes is not None:
        notes.append(f"{state['unanswered']} while checking the new key: the key is saved; "
                     "run the doctor in a few minutes")
    return done, elapsed, bool(state["unanswered"]) and not done
