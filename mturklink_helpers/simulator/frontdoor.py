"""The server's front door for what moto answers (IAM, STS): as AWS, from the first request.

- moto authenticates only after its first ``INITIAL_NO_AUTH_ACTION_COUNT`` requests (a
  setting that defaults to infinity: never). :func:`enforcing` makes moto's
  ``moto.core.authorization`` see 0 while the current thread answers for a SimulatorApp,
  so the server checks every key from its first request, while moto's in-process
  ``mock_aws()`` in the same process (tests) keeps its own setting.
- moto accepts an *inactive* access key (its key lookup never reads the status):
  :func:`refuse_inactive_key` makes such a request look like one with an unknown key, so
  IAM and STS refuse it exactly as they refuse an unknown key.
"""

from __future__ import annotations

import contextlib
import re
import threading

_local = threading.local()
_lock = threading.Lock()
_installed = False
UNKNOWN_KEY_ID = "AKIAMTURKLINKEXAMPLE"  # never made by moto (its ids are random)
_CREDENTIAL = re.compile(r"(Credential=)([^/,\s]*)")


class _SettingsView:
    """moto.settings as moto.core.authorization reads it: INITIAL_NO_AUTH_ACTION_COUNT is 0
    in a thread that is enforcing, the real setting everywhere else."""

    def __init__(self, settings):
        object.__setattr__(self, "_settings", settings)

    @property
    def INITIAL_NO_AUTH_ACTION_COUNT(self):  # noqa: N802 - moto's name
        if getattr(_local, "enforce", False):
            return 0
        return self._settings.INITIAL_NO_AUTH_ACTION_COUNT

    def __getattr__(self, name):
        return getattr(self._settings, name)

    def __setattr__(self, name, value):  # moto's set_initial_no_auth_action_count
        setattr(self._settings, name, value)


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        from moto import settings
        from moto.core import authorization

        if not isinstance(authorization.settings, _SettingsView):
            authorization.settings = _SettingsView(settings)
        _installed = True


@contextlib.contextmanager
def enforcing(on: bool = True):
    """moto authenticates every request this thread makes inside the block."""
    install()
    before = getattr(_local, "enforce", False)
    _local.enforce = on
    try:
        yield
    finally:
        _local.enforce = before


def refuse_inactive_key(environ) -> None:
    """An inactive key (or one of a user being deleted) is answered like an unknown key."""
    authorization = environ.get("HTTP_AUTHORIZATION") or ""
    found = _CREDENTIAL.search(authorization)
    if not found:
        return
    key_id = found.group(2)
    if not _inactive(key_id):
        return
    environ["HTTP_AUTHORIZATION"] = _CREDENTIAL.sub(
        lambda m: m.group(1) + UNKNOWN_KEY_ID, authorization, count=1)


def _inactive(key_id: str) -> bool:
    from moto.iam.models import iam_backends

    for _account, accounts in list(iam_backends.items()):
        for backend in list(accounts.values()):
            key = backend.access_keys.get(key_id)
            if key is not None and getattr(key, "user_name", None):  # not a role's temp key
                return key.status != "Active" or backend.users.get(key.user_name) is None
    return False
