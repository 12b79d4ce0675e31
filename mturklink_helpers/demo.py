"""The offline demo world: moto plays AWS (IAM, STS), the kit's simulator plays MTurk.

In real life steps 1–3 of the guide happen in a browser. Here they are *console actions*
(methods) of a :class:`DemoWorld`, so a learner can do them, skip one, or undo one and watch
the doctor name the missing step::

    world = start_demo()                 # nothing done yet: no AWS account
    world.create_aws_account()           # step 1
    world.link_requester_account()       # step 2
    world.register_sandbox()             # step 3
    key = world.console_create_iam_user()   # step 4 a–k the console way

``DemoWorld.ready()`` starts with steps 1–3 done. Only one world runs per process (moto is
process-wide); :func:`start_demo` and :func:`current_world` are idempotent, so notebook cells
can be re-run freely.

How the world is built:

* moto's IAM authentication is switched on while the world runs, so an unknown key gets
  ``InvalidClientTokenId`` and a wrong secret ``SignatureDoesNotMatch``, as on AWS;
* the simulator makes AWS's MTurk policies (``AmazonMechanicalTurkFullAccess``, ``…ReadOnly``)
  attachable in moto;
* the demo admin is an IAM user ``demo-admin`` with an allow-everything inline policy;
* moto has no account root user. :meth:`DemoWorld.root_key` makes one: an IAM user at path
  ``/demo-world/`` with an allow-everything policy whose moto ``User`` object answers
  ``arn:aws:iam::<account>:root`` (and ``UserId`` = the account id), which is exactly what
  STS ``GetCallerIdentity`` returns for a real root key. It shows up in ``ListUsers`` under
  that path; real AWS would not list it.
* waits (key propagation) run on the simulator's clock: :meth:`sleep` advances it, so nothing
  in demo mode makes a learner wait for real.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .credentials import AccessKey

if TYPE_CHECKING:
    import boto3

ACCOUNT_ID = "123456789012"  # moto's default account
ADMIN_USER = "demo-admin"
ROOT_USER = "account-root"
ROOT_PATH = "/demo-world/"
_BOOT_KEY = {"aws_access_key_id": "AKIAEXAMPLEDEMOSETUP", "aws_secret_access_key": "demo" * 10}

_RUNNING: DemoWorld | None = None


class DemoStepMissing(RuntimeError):
    """A console action needs an earlier step of the guide (one sentence, names the step)."""


class DemoWorld:
    """moto (IAM, STS) and the MTurk simulator, plus the console actions of steps 1–4."""

    def __init__(self, *, steps_done=(), seed: int = 0):
        self.account_id = ACCOUNT_ID  # moto answers unknown keys for this account
        self.seed = seed
        self._initial_steps = tuple(sorted(set(steps_done)))
        self._stack: contextlib.ExitStack | None = None
        self.sim = None
        self._admin: AccessKey | None = None
        self._admin_session = None
        self._setup_client = None
        self._root: AccessKey | None = None
        self.linked = False
        self.registered = False

    @classmethod
    def ready(cls, **kwargs) -> DemoWorld:
        """A world where steps 1–3 are done: AWS account, Requester link, sandbox."""
        return cls(steps_done=(1, 2, 3), **kwargs)

    # --- lifetime -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._stack is not None

    def start(self) -> DemoWorld:
        global _RUNNING
        if self.running:
            return self
        if _RUNNING is not None and _RUNNING is not self:
            raise RuntimeError("another demo world is running in this process: stop it first")
        from moto import mock_aws
        from moto.core.authorization import enable_iam_authentication

        from .simulator import mock_mturk

        stack = contextlib.ExitStack()
        try:
            stack.enter_context(mock_aws())
            self.sim = stack.enter_context(mock_mturk(seed=self.seed))
            stack.enter_context(enable_iam_authentication())
            self._stack = stack
            _RUNNING = self
            # The simulator's default world is linked and registered; a demo starts blank.
            self.sim.link_requester(account_id=self.account_id, linked=False)
            self.sim.register_sandbox(account_id=self.account_id, registered=False)
            for step, action in ((1, self.create_aws_account), (2, self.link_requester_account),
                                 (3, self.register_sandbox)):
                if step in self._initial_steps:
                    action()
        except BaseException:
            self._stack = None
            if _RUNNING is self:
                _RUNNING = None
            stack.close()
            raise
        return self

    def stop(self) -> None:
        global _RUNNING
        if self._stack is not None:
            stack, self._stack = self._stack, None
            stack.close()
        if _RUNNING is self:
            _RUNNING = None
        self.sim = None
        self._admin = self._root = None
        self._admin_session = self._setup_client = None
        self.linked = self.registered = False

    def __enter__(self) -> DemoWorld:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        done = [str(s) for s, ok in self.steps_done().items() if ok]
        return f"<DemoWorld {state}, account {self.account_id}, steps done: {', '.join(done) or 'none'}>"

    # --- time -----------------------------------------------------------------------------

    def sleep(self, seconds: float) -> None:
        """Let simulated time pass (what waiting means in demo mode)."""
        self._need_running()
        if seconds > 0:
            self.sim.clock.advance(seconds)

    def monotonic(self) -> float:
        self._need_running()
        return self.sim.clock.now().timestamp()

    # --- console actions: steps 1–3 ---------------------------------------------------------

    def steps_done(self) -> dict[int, bool]:
        return {1: self._admin is not None, 2: self.linked, 3: self.registered}

    def create_aws_account(self) -> boto3.Session:
        """Step 1: the AWS account now exists; returns the learner's admin session."""
        self._need_running()
        if self._admin is None:
            with self._setup_iam() as iam:
                iam.create_user(UserName=ADMIN_USER)
                # Inline, not AWS's AdministratorAccess: loading all of AWS's managed
                # policies into moto is slow; the simulator adds only the MTurk ones.
                iam.put_user_policy(UserName=ADMIN_USER, PolicyName="AdministratorAccess",
                                    PolicyDocument=json.dumps(_ALLOW_ALL))
                created = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
            self._admin = AccessKey(created["AccessKeyId"], created["SecretAccessKey"],
                                    user_name=ADMIN_USER, source="demo world")
        return self.admin_session()

    def close_aws_account(self) -> None:
        """Undo step 1: every IAM user and key of the account is gone, links too."""
        self._need_running()
        self.unregister_sandbox()
        self.unlink_requester_account()
        with self._setup_iam() as iam:
            for user in iam.list_users()["Users"]:
                name = user["UserName"]
                for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                    iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
                for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
                    iam.detach_user_policy(UserName=name, PolicyArn=p["PolicyArn"])
                for p in iam.list_user_policies(UserName=name)["PolicyNames"]:
                    iam.delete_user_policy(UserName=name, PolicyName=p)
                iam.delete_user(UserName=name)
        self._admin = self._root = self._admin_session = None

    def link_requester_account(self) -> None:
        """Step 2: link the AWS account to the MTurk Requester account (production side)."""
        self._need_step(1, "link the Requester account")
        self.sim.link_requester(account_id=self.account_id, linked=True)
        self.linked = True

    def unlink_requester_account(self) -> None:
        self._need_running()
        self.sim.link_requester(account_id=self.account_id, linked=False)
        self.linked = False

    def register_sandbox(self) -> None:
        """Step 3: register for the Requester Sandbox (linking the sandbox side)."""
        self._need_step(1, "register for the Requester Sandbox")
        self.sim.register_sandbox(account_id=self.account_id, registered=True)
        self.registered = True

    def unregister_sandbox(self) -> None:
        self._need_running()
        self.sim.register_sandbox(account_id=self.account_id, registered=False)
        self.registered = False

    # --- identities ---------------------------------------------------------------------

    def admin_session(self) -> boto3.Session:
        """The learner's admin credentials (an IAM user allowed to do anything)."""
        self._need_step(1, "sign in as an administrator")
        if self._admin_session is None:
            self._admin_session = self._admin.session()
        return self._admin_session

    def admin_key(self) -> AccessKey:
        self._need_step(1, "sign in as an administrator")
        return self._admin

    def save_admin_profile(self, path: str | os.PathLike, name: str = "admin") -> Path:
        """Write the admin key as profile ``name`` to a credentials file (mode 0600)."""
        from .credentials import save_profile

        return save_profile(self.admin_key(), name, path)

    def root_key(self) -> AccessKey:
        """An access key of the account's root user (STS answers ``…:root`` for it)."""
        self._need_step(1, "make a root access key")
        if self._root is None:
            from moto.iam.models import User, iam_backends

            with self._setup_iam() as iam:
                iam.create_user(UserName=ROOT_USER, Path=ROOT_PATH)
                iam.put_user_policy(UserName=ROOT_USER, PolicyName="root-can-do-anything",
                                    PolicyDocument=json.dumps(_ALLOW_ALL))
                created = iam.create_access_key(UserName=ROOT_USER)["AccessKey"]
            user = iam_backends[self.account_id]["aws"].users[ROOT_USER]
            user.__class__ = type("AccountRoot", (User,), {"arn": property(_root_arn)})
            user.id = self.account_id  # GetCallerIdentity's UserId for root is the account id
            self._root = AccessKey(created["AccessKeyId"], created["SecretAccessKey"],
                                   source="demo world (root user)")
        return self._root

    # --- step 4 the console way -----------------------------------------------------------

    def console_create_iam_user(
        self,
        user_name: str = "mturk-requester",
        policy: str | None = "AmazonMechanicalTurkFullAccess",
        download: str | os.PathLike | None = None,
        replace_keys: bool = False,
    ) -> AccessKey:
        """Step 4 a–k in the IAM console: a user, ``policy`` (None: skip f–h), a key.

        With ``download`` the key is written like the console's credentials.csv (0600).
        ``replace_keys`` deletes the user's earlier keys first, so a demo can start over as
        often as it likes (IAM allows two keys per user, as the console says).
        """
        self._need_step(1, "create an IAM user")
        from .credentials import write_credentials

        with self._setup_iam() as iam:
            with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
                iam.create_user(UserName=user_name)
            if policy:
                arn = policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}"
                iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
            if replace_keys:
                for old in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
                    iam.delete_access_key(UserName=user_name, AccessKeyId=old["AccessKeyId"])
            created = iam.create_access_key(UserName=user_name)["AccessKey"]
        key = AccessKey(created["AccessKeyId"], created["SecretAccessKey"],
                        user_name=user_name, source="credentials.csv")
        if download is not None:
            write_credentials(key, download)
        return key

    # --- helpers -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _setup_iam(self):
        """An IAM client for the world's own bookkeeping, outside IAM authentication."""
        import boto3
        from moto.core.authorization import disable_iam_authentication

        if self._setup_client is None:
            self._setup_client = boto3.client("iam", region_name="us-east-1", **_BOOT_KEY)
        with disable_iam_authentication():
            yield self._setup_client

    def _need_running(self) -> None:
        if not self.running:
            raise RuntimeError("the demo world is not running: call start() or start_demo()")

    def _need_step(self, step: int, action: str) -> None:
        self._need_running()
        if step == 1 and self._admin is None:
            raise DemoStepMissing(
                f"cannot {action}: there is no AWS account yet (guide step 1: create_aws_account())"
            )


_ALLOW_ALL = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _root_arn(user) -> str:
    return f"arn:aws:iam::{user.account_id}:root"


# --- one world per kernel ------------------------------------------------------------------


def running_world() -> DemoWorld | None:
    """The demo world running in this process, or None."""
    return _RUNNING if _RUNNING is not None and _RUNNING.running else None


def start_demo(*, ready: bool = False, seed: int = 0) -> DemoWorld:
    """Start the demo world, or return the one already running (safe to call again)."""
    world = running_world()
    if world is not None:
        return world
    world = DemoWorld.ready(seed=seed) if ready else DemoWorld(seed=seed)
    return world.start()


def current_world() -> DemoWorld:
    """The running demo world, started blank if there is none."""
    return start_demo()


def stop_demo() -> None:
    world = running_world()
    if world is not None:
        world.stop()
