"""The learner's progress checklist: which steps of the guide the kit has verified.

Kept in a small JSON file in the learner's home (``$MTURKLINK_HOME`` or ``~/.mturklink``),
one list per mode, so demo progress never passes for real progress. It holds step numbers
and times only, never a key.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from .credentials import write_private_file

STEPS = {
    1: "Create an AWS account",
    2: "Link your AWS account to your MTurk Requester account",
    3: "Register for the Requester Sandbox",
    4: "Create an IAM user with AmazonMechanicalTurkFullAccess and its access key",
    5: "Link CloudResearch (TurkPrime) to MTurk",
    6: "Run a test HIT in the sandbox",
}


def progress_path() -> Path:
    home = os.environ.get("MTURKLINK_HOME") or Path.home() / ".mturklink"
    return Path(home) / "progress.json"


def load_progress() -> dict[str, dict[str, str]]:
    """{mode: {step: ISO time verified}}; an unreadable file counts as no progress."""
    try:
        data = json.loads(progress_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def steps_done(mode: str) -> set[int]:
    return {int(step) for step in load_progress().get(mode, {}) if str(step).isdigit()}


def mark_done(step: int, mode: str) -> None:
    if step not in STEPS:
        raise ValueError(f"there is no step {step} in the guide (steps are 1–{max(STEPS)})")
    data = load_progress()
    data.setdefault(mode, {})[str(step)] = datetime.now(UTC).isoformat(timespec="seconds")
    write_private_file(progress_path(), json.dumps(data, indent=2, sort_keys=True), overwrite=True)


def reset_progress(mode: str | None = None) -> None:
    data = load_progress()
    if mode is None:
        data = {}
    else:
        data.pop(mode, None)
    write_private_file(progress_path(), json.dumps(data, indent=2), overwrite=True)
