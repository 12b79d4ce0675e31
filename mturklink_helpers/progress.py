"""The learner's progress checklist: which steps of the guide the kit has verified.

Kept in a small JSON file in the learner's kit folder (``$MTURKLINK_HOME`` or
``~/.mturklink``), one list per mode, so demo progress never passes for real progress. It
holds step numbers and times only, never a key. A step is written here only on evidence
(an answer that proves it), never because a check could not be made.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from .credentials import write_private_file
from .steps import step as _step


def _home(folder: str | os.PathLike | None) -> Path:
    if folder is not None:
        return Path(folder)
    return Path(os.environ.get("MTURKLINK_HOME") or Path.home() / ".mturklink")


def progress_path(folder: str | os.PathLike | None = None) -> Path:
    return _home(folder) / "progress.json"


def load_progress(folder=None) -> dict[str, dict[str, str]]:
    """{mode: {step: ISO time verified}}; an unreadable file counts as no progress."""
    try:
        data = json.loads(progress_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def steps_done(mode: str, folder=None) -> set[int]:
    return {int(s) for s in load_progress(folder).get(mode, {}) if str(s).isdigit()}


def _write(data: dict, folder) -> None:
    write_private_file(progress_path(folder), json.dumps(data, indent=2, sort_keys=True),
                       overwrite=True)


def mark_done(number: int, mode: str, folder=None) -> None:
    _step(number)  # a clear error for a step the guide does not have
    data = load_progress(folder)
    data.setdefault(mode, {})[str(number)] = datetime.now(UTC).isoformat(timespec="seconds")
    _write(data, folder)


def mark_undone(number: int, mode: str, folder=None) -> None:
    data = load_progress(folder)
    if data.get(mode, {}).pop(str(_step(number).number), None) is not None:
        _write(data, folder)


def reset_progress(mode: str | None = None, folder=None) -> None:
    data = load_progress(folder)
    if mode is None:
        data = {}
    else:
        data.pop(mode, None)
    _write(data, folder)


def summary(mode: str, done: set[int]) -> str:
    """The progress in one sentence: what is done, what is next (plain text)."""
    from .steps import STEPS

    finished = [str(s.number) for s in STEPS if s.number in done]
    left = [s for s in STEPS if s.number not in done]
    if not finished:
        so_far = "no step done yet"
    elif len(finished) == 1:
        so_far = f"step {finished[0]} done"
    else:
        so_far = f"steps {', '.join(finished[:-1])} and {finished[-1]} done"
    upcoming = f"next: step {left[0].number}, {left[0].short}." if left else "every step is done."
    return f"Your progress ({mode} mode): {so_far}; {upcoming}"
