"""Setup problems a learner (or a test) can put into their demo world to watch the doctor
find them. Each is made with the world's console actions, as a person would make it on the
real websites, and loads the key that shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .credentials import AccessKey

if TYPE_CHECKING:
    from .kit import Kit

DEMO_PROBLEMS = {
    "none": "Nothing: everything is set up right",
    "not-linked": "Step 2 skipped: the AWS account is not linked to the Requester account",
    "sandbox": "Step 3 skipped: not registered for the Requester Sandbox",
    "no-policy": "Step 4 f–h skipped: the IAM user has no MTurk policy",
    "read-only": "Step 4 g: the wrong policy (AmazonMechanicalTurkReadOnly)",
    "cannot-create": "Step 4 g: a custom policy that reads and approves but cannot create HITs",
    "deny-create": "Step 4 f–h: a Deny on mechanicalturk:CreateHIT* beside FullAccess",
    "deny-all": "Step 4 f–h: a Deny on mechanicalturk:* beside FullAccess",
    "mfa-required": "Step 4 f–h: a policy that allows MTurk only with MFA",
    "admin-access": "Step 4 g: AdministratorAccess instead of the MTurk policy (works, too much)",
    "wrong-secret": "Step 4 k: the secret was copied wrong",
    "unknown-key": "Step 4 k: an access key id AWS does not know (mistyped or made up)",
    "inactive-key": "Step 4 i: the key was made inactive in the IAM console",
    "temporary-key": "Step 4: temporary credentials (an ASIA… key) instead of an IAM user's",
    "root-key": "Step 4 skipped: the root user's key instead of an IAM user's",
    "no-funds": "Production without a prepaid balance (fine in the sandbox)",
}

_FULL = "AmazonMechanicalTurkFullAccess"
# Inline policies that make the problems above, as a person would write them in the console.
_POLICIES = {
    "cannot-create": {"Effect": "Allow", "Resource": "*", "Action": [
        "mechanicalturk:Get*", "mechanicalturk:List*", "mechanicalturk:Update*",
        "mechanicalturk:Approve*"]},
    "deny-create": {"Effect": "Deny", "Action": "mechanicalturk:CreateHIT*", "Resource": "*"},
    "deny-all": {"Effect": "Deny", "Action": "mechanicalturk:*", "Resource": "*"},
    "mfa-required": {"Effect": "Deny", "Action": "mechanicalturk:*", "Resource": "*",
                     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    "admin-access": {"Effect": "Allow", "Action": "*", "Resource": "*"},
}


def catch_up(kit: Kit, through_step: int) -> None:
    """Demo mode: a notebook opened on its own starts where the earlier ones would have left
    off. In a world with no AWS account yet, steps 1..through_step (up to 3) are done; from
    step 4 on, a key is made and loaded if none is. A learner who made the account has made
    their own choices since: a step they left out or undid stays so."""
    from .steps import STEPS

    world = kit.world
    if not world.steps_done()[1]:
        for step in STEPS:
            if step.number <= min(through_step, 3):
                getattr(world, step.demo.do)()
    if through_step >= 4 and kit.key is None:
        path = kit.demo_download()
        path.unlink(missing_ok=True)  # a new download replaces the old one
        kit.use_key(world.console_create_iam_user(download=path, replace_keys=True), path)


def make_problem(kit: Kit, problem: str) -> AccessKey:
    """Put ``problem`` (a key of DEMO_PROBLEMS) into the kit's world and load its key."""
    if problem not in DEMO_PROBLEMS:
        raise ValueError(f"unknown demo problem {problem!r}: choose one of {', '.join(DEMO_PROBLEMS)}")
    if not kit.is_demo:
        raise RuntimeError("demo problems exist in demo mode only: your real accounts are never "
                           "broken on purpose")
    catch_up(kit, 3)
    world = kit.world
    world.link_requester_account()
    world.register_sandbox()
    key = None
    if problem == "not-linked":
        world.unlink_requester_account()
        world.unregister_sandbox()
    elif problem == "sandbox":
        world.unregister_sandbox()
    elif problem == "no-policy":
        key = world.console_create_iam_user("no-policy-user", policy=None, replace_keys=True)
    elif problem == "read-only":
        key = world.console_create_iam_user("read-only-user", "AmazonMechanicalTurkReadOnly",
                                            replace_keys=True)
    elif problem == "wrong-secret":
        good = world.console_create_iam_user("typo-user", replace_keys=True)
        secret = good.reveal_secret()
        key = AccessKey(good.access_key_id, secret[:-1] + ("A" if secret[-1] != "A" else "B"),
                        good.user_name, "credentials.csv (mistyped)")
    elif problem == "root-key":
        key = world.root_key()
    elif problem in _POLICIES:
        key = _user_with_policy(kit, problem)
    elif problem in ("unknown-key", "temporary-key"):
        # A made-up key: AWS never issued it. The temporary one is refused on its shape
        # (ASIA…) before any call; moto's GetSessionToken would hand out AWS's example id.
        key = _made_up_key("AKIA" if problem == "unknown-key" else "ASIA")
    elif problem == "inactive-key":
        key = world.console_create_iam_user("inactive-user", replace_keys=True)
        _iam(kit).update_access_key(UserName="inactive-user", AccessKeyId=key.access_key_id,
                                    Status="Inactive")
    elif problem == "no-funds":
        world.set_balance("0.00")
    if key is None:
        # The learner's own key (from notebook 04), never replaced: their credentials.csv
        # keeps working whatever they try here.
        key = kit.saved_key()
        if key is None:
            kit.key = None
            catch_up(kit, 4)
            key = kit.key
    # Not saved as the learner's key file: a problem is for this notebook only.
    kit.key = key
    return key


def _iam(kit: Kit):
    """The world administrator's IAM client (the learner signed in to the console)."""
    return kit.aws("iam", kit.world.admin_key())


def _user_with_policy(kit: Kit, problem: str) -> AccessKey:
    """An IAM user made for ``problem``: AmazonMechanicalTurkFullAccess (unless the problem is
    a policy instead of it) plus the problem's inline policy, and a fresh key."""
    import json

    user = f"{problem}-user"
    instead = problem in ("cannot-create", "admin-access")
    key = kit.world.console_create_iam_user(user, policy=None if instead else _FULL,
                                            replace_keys=True)
    document = {"Version": "2012-10-17", "Statement": [_POLICIES[problem]]}
    _iam(kit).put_user_policy(UserName=user, PolicyName=problem,
                              PolicyDocument=json.dumps(document))
    return key


def _made_up_key(prefix: str) -> AccessKey:
    import secrets
    import string

    alphabet = string.ascii_uppercase + "234567"
    return AccessKey(prefix + "".join(secrets.choice(alphabet) for _ in range(16)),
                     "".join(secrets.choice(string.ascii_letters + string.digits)
                             for _ in range(40)), source="credentials.csv (made up)")

