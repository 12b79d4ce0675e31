"""Reports to the instructors' room view, from a learner's kernel on a workshop JupyterHub.

The room view (:mod:`.room_service`, a JupyterHub service at ``/services/mturklink-room/``)
shows the hub's admins each learner's step and the doctor's last verdict. A kernel reports
to it only on such a hub, where the hub gave it a token (``$JUPYTERHUB_API_TOKEN``) and
deploy/jupyterhub's config the room's address (``$MTURKLINK_ROOM_URL``), and only while the
learner has not turned it off (``"room_reports": false`` in settings.json; notebook 00's
checkbox). Anywhere else nothing is sent and nothing changes.

What a report holds, and nothing else (:data:`FIELDS`): the mode, the step numbers done, the
current step, the doctor's verdict in a few words ("step 3 missing: sandbox not registered",
built from failures.py's headlines, which hold no placeholders), its checks' statuses, and
times. Never a key id, a secret, an account id or an ARN: :func:`looks_secret` is checked on
every word before sending, and again by the room on receipt (:func:`clean`). The room learns
who sent it from the token (it asks the hub), never from the report.

Kit.record, Kit.unrecord and Kit.diagnose call :func:`report`. It never blocks the learner:
reports go out from a background thread with a short timeout, newer ones merged into any
still waiting; a failure is one line on the kernel's log, never an exception.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .doctor import Diagnosis
    from .kit import Kit

SERVICE = "mturklink-room"
URL_ENV = "MTURKLINK_ROOM_URL"
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
SETTING = "room_reports"  # settings.json: False when the learner turned reports off
TIMEOUT = 3.0  # seconds for one report; the learner never waits for it
STEPS = range(1, 7)  # the guide's steps (steps.py): 6 is the sandbox test HIT
STATUSES = ("ok", "failed", "warning", "could not check", "skipped")
MAX_WORDS = 120
FIELDS = ("mode", "steps_done", "current_step", "verdict", "verdict_step", "checks", "at")
WITHHELD = "(withheld: it looked like a key or an account id)"

# Shapes that must never leave the kernel: access key ids (AKIA/ASIA + 16), account ids and
# other runs of 12 digits, ARNs, and anything shaped like a 40-character secret.
_SECRET_SHAPES = re.compile(
    r"(A[KS]IA[A-Z0-9]{12,})|(?<!\d)\d{12}(?!\d)|arn:aws|"
    r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")


def on_hub(environ=None) -> bool:
    """Is this process a learner's, on a hub with a room view? (Its token and the room's
    address are both in the environment.)"""
    environ = os.environ if environ is None else environ
    return bool(environ.get(TOKEN_ENV) and environ.get(URL_ENV))


def enabled(kit: Kit) -> bool:
    """Will this learner's kit report? On a hub, unless they turned it off."""
    from .kit import load_settings

    return on_hub() and load_settings(kit.home).get(SETTING, True) is not False


def set_enabled(kit: Kit, on: bool) -> None:
    """The learner's choice, kept in settings.json for every notebook."""
    kit._save(**{SETTING: bool(on)})


def looks_secret(text: str) -> bool:
    return bool(_SECRET_SHAPES.search(text))


def current_step(done) -> int | None:
    """The first step of the guide not done yet (None: all done)."""
    return next((n for n in STEPS if n not in set(done)), None)


def verdict_words(diagnosis: Diagnosis) -> str:
    """The doctor's verdict in a few words, from failures.py's headlines: "step 3 missing:
    sandbox not registered", "could not check: sandbox access", "all checks passed"."""
    first = diagnosis.first_failure
    if first is not None:
        return f"{f'step {first.step} missing' if first.step else 'problem'}: {first.headline}"
    if diagnosis.unknown:
        return f"could not check: {diagnosis.unknown[0].headline}"
    warned = [c for c in diagnosis.checks if c.status.value == "warning"]
    return f"works, but: {warned[0].headline}" if warned else "all checks passed"


def build(kit: Kit, diagnosis: Diagnosis | None = None) -> dict:
    """What a report holds: the kit's progress, and the doctor's verdict when given."""
    from .steps import number_of

    done = sorted(kit.steps_done())
    report = {"mode": kit.mode, "steps_done": done, "current_step": current_step(done),
              "at": _now()}
    if diagnosis is not None:
        first = diagnosis.first_failure
        report.update(verdict=verdict_words(diagnosis),
                      verdict_step=number_of(first.step) if first else None,
                      checks={c.name: c.status.value for c in diagnosis.checks})
    return clean(report)


def clean(report: dict) -> dict:
    """The report with only :data:`FIELDS`, each of the right shape (ValueError if not), and
    any words that look like a key, a secret or an account withheld. Both ends call it."""
    if not isinstance(report, dict):
        raise ValueError("a report is a JSON object")
    out = {}
    if "mode" in report:
        out["mode"] = _one_of(report["mode"], ("demo", "live"), "mode")
    if "steps_done" in report:
        done = report["steps_done"]
        if not isinstance(done, list) or not all(_step(n) for n in done):
            raise ValueError("steps_done is a list of the guide's step numbers (1-6)")
        out["steps_done"] = sorted(set(done))
    for name in ("current_step", "verdict_step"):
        if name in report:
            if report[name] is not None and not _step(report[name]):
                raise ValueError(f"{name} is a step number (1-6) or null")
            out[name] = report[name]
    if "verdict" in report:
        words = report["verdict"]
        if not isinstance(words, str) or len(words) > MAX_WORDS:
            raise ValueError(f"verdict is a few words (at most {MAX_WORDS} characters)")
        out["verdict"] = WITHHELD if looks_secret(words) else words
    if "checks" in report:
        checks = report["checks"]
        if (not isinstance(checks, dict) or len(checks) > 20
                or not all(isinstance(k, str) and re.fullmatch(r"[a-z_]{1,30}", k) for k in checks)):
            raise ValueError("checks maps the doctor's check names to their statuses")
        out["checks"] = {k: _one_of(v, STATUSES, f"checks.{k}") for k, v in checks.items()}
    if "at" in report:
        try:
            out["at"] = datetime.fromisoformat(str(report["at"])).isoformat(timespec="seconds")
        except ValueError:
            raise ValueError("at is an ISO time") from None
    return out


def _step(n) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n in STEPS


def _one_of(value, allowed, name):
    if value not in allowed:
        raise ValueError(f"{name} is one of {', '.join(allowed)}")
    return value


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- sending ----------------------------------------------------------------------------------

_lock = threading.Lock()
_pending: dict | None = None
_sender: threading.Thread | None = None
_failing = False  # a failure was noted: say nothing more until a report gets through


def report(kit: Kit, diagnosis: Diagnosis | None = None) -> None:
    """Send the kit's progress (and ``diagnosis``'s verdict) to the room, if reporting is on.
    Returns at once; never raises."""
    global _pending, _sender
    try:
        if not enabled(kit):
            return
        made = build(kit, diagnosis)
    except Exception as exc:  # noqa: BLE001 - a report must never break a form
        _note(f"not sent ({type(exc).__name__})")
        return
    with _lock:
        _pending = {**(_pending or {}), **made}  # a newer report, and any verdict still waiting
        if _sender is None:
            _sender = threading.Thread(target=_send_pending, name="mturklink-room", daemon=True)
            _sender.start()


def flush(timeout: float = TIMEOUT * 2) -> bool:
    """Wait (at most ``timeout`` seconds) for reports on their way; True when none is left."""
    sender = _sender
    if sender is not None:
        sender.join(timeout)
    return _sender is None


def _send_pending() -> None:
    global _pending, _sender
    while True:
        with _lock:
            made, _pending = _pending, None
            if made is None:
                _sender = None
                return
        _post(made)


def _post(made: dict) -> None:
    global _failing
    import urllib.error
    import urllib.request

    url = os.environ.get(URL_ENV, "").rstrip("/") + "/api/report"
    request = urllib.request.Request(
        url, data=json.dumps(made).encode(), method="POST",
        headers={"Authorization": f"token {os.environ.get(TOKEN_ENV, '')}",
                 "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the room is local
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            answer.read()
        _failing = False
    except urllib.error.HTTPError as exc:
        _note(f"the room view answered HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        _note(f"the room view did not answer ({type(exc).__name__})")


def _note(why: str) -> None:
    """One line on the kernel's log (not in the notebook), once until reports work again."""
    global _failing
    if not _failing:
        _failing = True
        print(f"mturklink: progress report to the workshop's room view not sent: {why}. "
              "Your work is not affected.", file=sys.__stderr__, flush=True)


def _flush_at_exit() -> None:
    flush(TIMEOUT)


atexit.register(_flush_at_exit)  # a closing kernel sends what is still waiting, briefly
