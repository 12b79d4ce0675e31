"""The workshop hub's own parts, used by jupyterhub_config.py beside it: sign-in with the
workshop password, one Unix user per learner, the lessons in each new home.

Why Unix users: a learner's JupyterLab, kernels and demo world then run as that learner, and
their home folder (mode 0700) and key files (0600) are closed to every other learner by the
operating system, not by the kit's good manners.
"""

from __future__ import annotations

import asyncio
import grp
import os
import pwd
import re
import secrets
import subprocess
import sys
from pathlib import Path

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from traitlets import Unicode

# Unix user names: lower-case letters, digits and dashes, starting with a letter (useradd's
# rules, kept simple enough to say aloud).
NAME = r"^[a-z][a-z0-9-]{0,30}$"
LOGIN_HINT = ("Sign in with a name of your choice (lower-case letters, digits and dashes, e.g. "
              "maria-lopez) and the workshop password. Use the same name each time: it is your "
              "folder.")
# A generated password: no 0/o, 1/l/i, so it can be read off a board.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def kept_password(path: Path, *, groups: int = 3) -> str:
    """The password kept in ``path`` (0600), made now if there is none: ``groups`` groups of
    four characters (12 characters by default; 8 groups for JupyterHub's 32-character admin
    password)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    from mturklink_helpers.credentials import write_private_file

    password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(groups))
    try:
        write_private_file(path, password + "\n", overwrite=False)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    return password


class WorkshopAuthenticator(SharedPasswordAuthenticator):
    """JupyterHub's shared-password sign-in, with a Unix user for each name.

    A name is refused when it is a Unix account the workshop did not make (root, daemon, an
    instructor's own login…): the hub would otherwise start a server as that account.
    """

    homes = Unicode("/home", config=True, help="Where learners' home folders are made.")
    group = Unicode("mturklink-learners", config=True,
                    help="The Unix group of the accounts this hub made (their primary group).")

    def normalize_username(self, username: str) -> str:
        return re.sub(r"\s+", "-", super().normalize_username(username).strip())

    def validate_username(self, username: str) -> bool:
        return bool(re.match(NAME, username)) and super().validate_username(username)

    def check_allowed(self, username, authentication=None):
        if _account(username) is not None and not self._is_learner(username):
            self.log.warning("Refused %s: a Unix account this workshop did not make", username)
            return False
        return super().check_allowed(username, authentication)

    async def add_user(self, user):
        """On first sign-in (and for every known user when the hub starts): the account."""
        await asyncio.to_thread(self._ensure_account, user.name)
        return await _maybe_await(super().add_user(user))

    def _is_learner(self, name: str) -> bool:
        account = _account(name)
        try:
            return account is not None and account.pw_gid == grp.getgrnam(self.group).gr_gid
        except KeyError:
            return False

    def _ensure_account(self, name: str) -> None:
        if _account(name) is None:
            subprocess.run(["groupadd", "--force", self.group], check=True, capture_output=True)
            made = subprocess.run(
                ["useradd", "--create-home", "--home-dir", str(Path(self.homes) / name),
                 "--no-user-group", "--gid", self.group, "--shell", "/bin/bash",
                 "--comment", "mturklink workshop learner", name], capture_output=True, text=True)
            if made.returncode != 0 and _account(name) is None:  # (not: made meanwhile)
                raise RuntimeError(f"useradd {name} failed: {made.stderr.strip()}")
            self.log.info("Made Unix user %s for the workshop", name)
        if not self._is_learner(name):
            raise RuntimeError(f"{name} is a Unix account this workshop did not make")
        # Debian's useradd makes homes readable by all (UMASK 022): close it.
        os.chmod(_account(name).pw_dir, 0o700)


def lessons_copier(source: Path, folder: str):
    """A pre-spawn hook: the lessons (``source``'s NN_*.ipynb) into ``~/folder`` of a learner
    who has no such folder yet (a learner's own work is never overwritten). The copy runs as
    the learner, so nothing in their home is ever written by root."""
    code = ("import pathlib, shutil, sys\n"
            "source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
            "if not (target.exists() or target.is_symlink()):\n"
            "    target.mkdir()\n"
            "    for lesson in sorted(source.glob('[0-9][0-9]_*.ipynb')):\n"
            "        shutil.copyfile(lesson, target / lesson.name)\n")

    async def copy_lessons(spawner) -> None:
        account = pwd.getpwnam(spawner.user.name)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-c", code, str(source), str(Path(account.pw_dir) / folder),
            user=account.pw_uid, group=account.pw_gid, extra_groups=[], cwd=account.pw_dir,
            env={"HOME": account.pw_dir, "PATH": "/usr/bin:/bin"},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, error = await process.communicate()
        if process.returncode:
            spawner.log.error("Could not copy the lessons for %s: %s", spawner.user.name,
                              error.decode(errors="replace").strip())

    return copy_lessons


def _account(name: str):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


async def _maybe_await(value):
    return await value if asyncio.iscoroutine(value) else value
