"""What one notebook kernel knows: the mode, the MTurk environment and the loaded key.

Demo mode (the default, ``MTURKLINK_MODE=demo``) runs the offline demo world; live mode
talks to the learner's real accounts. The environment is the sandbox unless production is
chosen by name. The key lives in memory only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .credentials import AccessKey
from .endpoints import Environment, mturk_client

MODES = ("demo", "live")


def default_mode() -> str:
    mode = os.environ.get("MTURKLINK_MODE", "demo").strip().lower()
    return mode if mode in MODES else "demo"


@dataclass
class KitState:
    mode: str = field(default_factory=default_mode)
    environment: Environment = Environment.SANDBOX
    key: AccessKey | None = field(default=None, repr=True)  # AccessKey's repr masks the secret

    @property
    def is_demo(self) -> bool:
        return self.mode == "demo"

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: use 'demo' or 'live'")
        if mode != self.mode:
            self.key = None  # a demo key means nothing to real AWS, and the reverse
        self.mode = mode

    def world(self, through_step: int = 0):
        """The demo world with steps 1..through_step done (demo mode only).

        For through_step >= 4 it also makes the step-4 IAM user and loads its key, so a
        notebook opened on its own starts where the previous ones left off.
        """
        if not self.is_demo:
            raise RuntimeError("the demo world exists only in demo mode")
        from .demo import start_demo

        world = start_demo()
        done = world.steps_done()
        for step, action in ((1, world.create_aws_account), (2, world.link_requester_account),
                             (3, world.register_sandbox)):
            if step <= through_step and not done[step]:
                action()
        if through_step >= 4 and self.key is None:
            self.key = world.console_create_iam_user()
        return world

    def mturk(self, environment: Environment | str | None = None):
        """An MTurk client for the loaded key (sandbox unless told otherwise)."""
        if self.key is None:
            raise RuntimeError(
                "no access key is loaded yet: load credentials.csv first (notebook 04, guide step 4)"
            )
        return mturk_client(self.key, environment or self.environment)


state = KitState()


# Problems a learner (or a test) can put into the demo world to watch the doctor find them.
DEMO_PROBLEMS = {
    "none": "Nothing: everything is set up right",
    "not-linked": "Step 2 skipped: the AWS account is not linked to the Requester account",
    "sandbox": "Step 3 skipped: not registered for the Requester Sandbox",
    "no-policy": "Step 4 f–h skipped: the IAM user has no MTurk policy",
    "read-only": "Step 4 g: the wrong policy (AmazonMechanicalTurkReadOnly)",
    "wrong-secret": "Step 4 k: the secret was copied wrong",
    "root-key": "Step 4 skipped: the root user's key instead of an IAM user's",
}


def break_demo_world(problem: str) -> None:
    """Put one of DEMO_PROBLEMS into the running demo world and load the matching key."""
    if problem not in DEMO_PROBLEMS:
        raise ValueError(f"unknown demo problem {problem!r}: choose one of {', '.join(DEMO_PROBLEMS)}")
    world = state.world(through_step=4)
    world.link_requester_account()
    world.register_sandbox()
    if problem == "not-linked":
        world.unlink_requester_account()
        world.unregister_sandbox()
    elif problem == "sandbox":
        world.unregister_sandbox()
    elif problem == "no-policy":
        state.key = world.console_create_iam_user("no-policy-user", policy=None, replace_keys=True)
    elif problem == "read-only":
        state.key = world.console_create_iam_user("read-only-user", "AmazonMechanicalTurkReadOnly",
                                                 replace_keys=True)
    elif problem == "wrong-secret":
        good = world.console_create_iam_user("typo-user", replace_keys=True)
        secret = good.reveal_secret()
        state.key = AccessKey(good.access_key_id, secret[:-1] + ("A" if secret[-1] != "A" else "B"),
                              good.user_name, "credentials.csv (mistyped)")
    elif problem == "root-key":
        state.key = world.root_key()
    if problem in ("none", "not-linked", "sandbox"):
        state.key = world.console_create_iam_user(replace_keys=True)
