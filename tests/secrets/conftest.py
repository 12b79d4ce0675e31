"""The secrets audit's tools: secrets the tests know in advance, a scanner that finds them
in any form (plain, URL-encoded, JSON-escaped, base64, UTF-16, or a long enough piece), and
demo worlds whose every key has a known secret.

Every access key moto's IAM makes gets a *known* secret: ``known_secret(seed, n)`` is the
same 38-character stem (with a ``/`` and a ``+`` in it, as real secrets have) followed by two
characters that count the keys. The stem is derived from a per-run seed, so it never appears
in a file by chance, and a file that holds only the seed does not hold the secret. The demo
world, provisioning and the root key all make their keys through moto, so one small patch
of moto's ``AccessKey`` covers them all (our own code is not touched).

The keys of a learner's demo world are made in the world's own process (world_server), so
the patch goes there: a ``sitecustomize`` on the world's ``PYTHONPATH``, active only when
``MTURKLINK_AUDIT_SEED`` is set, installs it as soon as moto's IAM is imported, and lists
each key id it made in ``MTURKLINK_AUDIT_KEYS`` (ids are not secrets). In this directory
the shared fixtures (tests/conftest.py) run on such a world: ``world_home`` and
``session_world`` are overridden below.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from mturklink_helpers import world as worlds

# A leaked piece of 16 characters of a known stem is a finding; as a secret ends with only two
# more characters, any 18 characters in a row of a secret hold such a piece.
WINDOW = 16

# Runs both here and, through SITECUSTOMIZE below, inside the audit's demo worlds.
KNOWN_SECRETS_CODE = '''
import base64 as _b64
import hashlib as _hashlib
import itertools as _itertools
import os as _os

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def known_stem(seed):
    """38 characters: letters and digits from the seed, with a / and a + inside."""
    digest = _b64.b64encode(_hashlib.sha256(("stem:" + seed).encode()).digest() * 2).decode()
    letters = [c for c in digest if c.isalnum()][:36]
    return "".join(letters[:11]) + "/" + "".join(letters[11:25]) + "+" + "".join(letters[25:36])


def known_secret(seed, n):
    return known_stem(seed) + _ALNUM[n // 62 % 62] + _ALNUM[n % 62]


def install_known_secrets(seed):
    """From now on every access key moto's IAM makes has known_secret(seed, 0), (seed, 1), …"""
    from moto.iam import models

    if getattr(models.AccessKey, "_audit_seed", None) == seed:
        return
    original = getattr(models.AccessKey, "_audit_original_init", models.AccessKey.__init__)
    counter = _itertools.count()

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.secret_access_key = known_secret(seed, next(counter))
        made = _os.environ.get("MTURKLINK_AUDIT_KEYS")
        if made:  # a key id is no secret: which keys the audit made, for its figures
            with open(made, "a", encoding="utf-8") as f:
                f.write(self.access_key_id + "\\n")

    models.AccessKey._audit_original_init = original
    models.AccessKey._audit_seed = seed
    models.AccessKey._audit_is_known = staticmethod(lambda s: s.startswith(known_stem(seed)))
    models.AccessKey.__init__ = __init__


def uninstall_known_secrets():
    from moto.iam import models

    original = models.AccessKey.__dict__.get("_audit_original_init")
    if original is not None:
        models.AccessKey.__init__ = original
        for name in ("_audit_original_init", "_audit_seed", "_audit_is_known"):
            delattr(models.AccessKey, name)
'''

_namespace: dict = {}
exec(KNOWN_SECRETS_CODE, _namespace)  # our own code, shared with the worlds and the probe
known_stem = _namespace["known_stem"]
known_secret = _namespace["known_secret"]
install_known_secrets = _namespace["install_known_secrets"]
uninstall_known_secrets = _namespace["uninstall_known_secrets"]


SITECUSTOMIZE = f"""\
# Written by tests/secrets: in a process started with MTURKLINK_AUDIT_SEED (the audit's demo
# worlds), moto's IAM hands out secrets the audit knows, from the moment it is imported.
import os as _os

if _os.environ.get("MTURKLINK_AUDIT_SEED"):
    def _mturklink_audit():
        import importlib.abc
        import importlib.machinery
        import sys

        code = {KNOWN_SECRETS_CODE!r}
        tools = {{}}
        exec(code, tools)
        seed = _os.environ["MTURKLINK_AUDIT_SEED"]

        class Finder(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name != "moto.iam.models":
                    return None
                spec = importlib.machinery.PathFinder.find_spec(name, path)
                if spec is None or spec.loader is None:
                    return spec
                run = spec.loader.exec_module

                def exec_module(module):
                    run(module)
                    tools["install_known_secrets"](seed)

                spec.loader.exec_module = exec_module
                return spec

        sys.meta_path.insert(0, Finder())

    _mturklink_audit()
    del _mturklink_audit
"""


def start_audit_world(home: Path, seed: str, site: Path, keys_log: Path | None = None):
    """A demo world for ``home`` (which must have none yet) whose keys have known secrets."""
    assert worlds.status(home) is None, f"a world already runs for {home}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH"))
                                                if p))
        mp.setenv("MTURKLINK_AUDIT_SEED", seed)
        if keys_log is not None:
            mp.setenv("MTURKLINK_AUDIT_KEYS", str(keys_log))
        world = worlds.connect(home)
    assert world.started_now
    return world


class SecretScanner:
    """Finds any piece of WINDOW or more characters of the given secrets, in any usual encoding."""

    def __init__(self, known: Iterable[str]):
        self.needles: dict[bytes, str] = {}
        for secret in known:
            for start in range(len(secret) - WINDOW + 1):
                self._add_piece(secret[start:start + WINDOW], f"chars {start}–{start + WINDOW}")
            self._add_base64(secret)

    def _add_piece(self, piece: str, where: str) -> None:
        forms = {
            "plain": piece,
            "URL-encoded": quote(piece, safe=""),
            "URL-encoded, lower-case hex": quote(piece, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),
            "URL-encoded, / kept": quote(piece, safe="/"),
            "JSON \\/ escape": piece.replace("/", "\\/"),
            "JSON \\u escapes": piece.replace("/", "\\u002f").replace("+", "\\u002b"),
            "JSON \\u escapes, upper-case": piece.replace("/", "\\u002F").replace("+", "\\u002B"),
            "HTML entities": piece.replace("/", "&#x2F;").replace("+", "&#43;"),
        }
        for form, text in forms.items():
            self.needles.setdefault(text.encode(), f"{form}, {where}")
        self.needles.setdefault(piece.encode("utf-16-le"), f"UTF-16, {where}")

    def _add_base64(self, secret: str) -> None:
        # Inside a longer base64 text the secret starts at one of three byte alignments;
        # only whole 3-byte groups encode the same wherever the secret sits.
        data = secret.encode()
        for shift in range(3):
            groups = (len(data) - shift) // 3
            for encode, name in ((base64.b64encode, "base64"), (base64.urlsafe_b64encode, "base64url")):
                encoded = encode(data[shift:shift + 3 * groups])
                for start in range(0, len(encoded) - WINDOW + 1, 4):
                    self.needles.setdefault(encoded[start:start + WINDOW], f"{name} (shift {shift})")

    def find(self, data: bytes | str) -> list[str]:
        """What was found, as "form, where" descriptions (empty: nothing)."""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        return sorted({what for needle, what in self.needles.items() if needle in data})

    def find_in_json(self, obj) -> list[str]:
        """Walk decoded JSON: every string, and base64 buffers decoded."""
        found: set[str] = set()
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if item.get("encoding") == "base64" and isinstance(item.get("data"), str):
                    try:
                        found.update(f"{w} (decoded buffer)" for w in self.find(base64.b64decode(item["data"])))
                    except ValueError:
                        pass
                stack.extend(item.values())
                stack.extend(str(k) for k in item)
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                found.update(self.find(item))
        return sorted(found)

    def scan_file(self, path: Path) -> list[str]:
        data = path.read_bytes()
        found = set(self.find(data))
        if path.suffix in (".ipynb", ".json"):
            try:
                found.update(self.find_in_json(json.loads(data)))
            except ValueError:
                pass
        return sorted(found)


@pytest.fixture(scope="session")
def audit_seed() -> str:
    """A fresh seed per test session: the secrets are new each run."""
    return os.urandom(16).hex()


@pytest.fixture(scope="session")
def audit_site(tmp_path_factory) -> Path:
    """A folder with the audit's sitecustomize.py, for a world's PYTHONPATH."""
    site = tmp_path_factory.mktemp("audit-site")
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return site


@pytest.fixture(scope="session")
def world_home(tmp_path_factory) -> Path:
    """This directory's world (overrides tests/conftest.py's): keys with known secrets."""
    home = tmp_path_factory.mktemp("audit-world-home")
    yield home
    worlds.stop(home)


@pytest.fixture(scope="session")
def session_world(world_home, audit_seed, audit_site):
    return start_audit_world(world_home, audit_seed + "-reprs", audit_site,
                             world_home.parent / "audit-world-keys.txt")


@pytest.fixture(scope="session")
def secret_tools():
    """This module's tools for the test modules (they cannot import a conftest by name:
    tests/simulator's conftest is also called ``conftest``)."""
    return SimpleNamespace(
        known_stem=known_stem, known_secret=known_secret, install=install_known_secrets,
        uninstall=uninstall_known_secrets,
        Scanner=SecretScanner, WINDOW=WINDOW, start_world=start_audit_world,
        code=KNOWN_SECRETS_CODE,
    )
