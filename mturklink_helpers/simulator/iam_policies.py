"""Make AWS's managed MTurk policies attachable in moto's IAM while the simulator runs.

moto loads AWS managed policies only with MOTO_IAM_LOAD_MANAGED_POLICIES=true (all ~1,300
of them, slow). The guide attaches ``AmazonMechanicalTurkFullAccess`` (and the kit checks
``AmazonMechanicalTurkReadOnly``), so the simulator adds just these, taken from moto's own
copy of AWS's policy data; and ``IAMFullAccess``, for the IAM administrator key a program
needs on the server, which authenticates every IAM request from the first
(``/_admin/requester-key`` with ``{"policy": "IAMFullAccess"}``).
"""

from __future__ import annotations

import functools
import json
import threading

NAMES = ("AmazonMechanicalTurkFullAccess", "AmazonMechanicalTurkReadOnly", "IAMFullAccess",
         # what AWS attaches to a user whose key it finds leaked (the kit's revoke-key lesson)
         "AWSCompromisedKeyQuarantineV2", "AWSCompromisedKeyQuarantineV3")
_lock = threading.Lock()
_users = 0
_original = None


@functools.cache
def _policy_data() -> dict[str, dict]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)
    return {name: data[name] for name in NAMES}


def _mturk_policies(backend) -> list:
    from moto.iam.models import AWSManagedPolicy

    return [
        AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
        for name, data in _policy_data().items()
    ]


def add_to(backend) -> None:
    have = {p.arn for p in backend.aws_managed_policies}
    for policy in _mturk_policies(backend):
        if policy.arn not in have:
            backend.aws_managed_policies.append(policy)
            backend.managed_policies.setdefault(policy.arn, policy)


def install() -> None:
    """Patch moto's IAMBackend (new and existing backends) to know the MTurk policies."""
    global _users, _original
    from moto.iam.models import IAMBackend, iam_backends

    with _lock:
        _users += 1
        if _original is None:
            _original = IAMBackend._init_aws_policies

            def _init_aws_policies(self):
                policies = _original(self)
                have = {p.arn for p in policies}
                return policies + [p for p in _mturk_policies(self) if p.arn not in have]

            IAMBackend._init_aws_policies = _init_aws_policies
        for _, accounts in list(iam_backends.items()):
            for backend in list(accounts.values()):
                add_to(backend)


def uninstall() -> None:
    global _users, _original
    from moto.iam.models import IAMBackend

    with _lock:
        _users = max(_users - 1, 0)
        if _users == 0 and _original is not None:
            IAMBackend._init_aws_policies = _original
            _original = None
