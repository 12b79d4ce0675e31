"""The doctor: ordered checks of an access key, each failure named by the step that fixes it.

Other MTurk tools fold a bad key, an unlinked account, an unregistered sandbox and a missing
policy into one message. :func:`diagnose` tells them apart, in this order:

1. the key's shape: a key file, not an example or a temporary (ASIA) key;
2. this computer's AWS settings: a profile's region, the retired legacy host, a stale
   ``~/.aws/credentials`` profile (warnings);
3. who the key belongs to (STS ``GetCallerIdentity``): unknown or inactive key, wrong secret,
   root (fails step 4), a role's session, this computer's clock;
4. sandbox and 5. production ``GetAccountBalance`` (read-only, free): not linked (step 2) from
   sandbox not registered (step 3) from no policy, an explicit Deny or an organisation's
   (step 4 f–h or its administrators); production's balance;
6. permission to create HITs, as CloudResearch will: a ``CreateHIT`` MTurk must refuse after
   IAM allowed it (its Question is none), so nothing is created or spent;
7. no more than CloudResearch needs (a key that may manage IAM is flagged);
8. a key created moments ago: wait with backoff before calling it broken;
9. ready for CloudResearch (step 5), with what goes in each field of its form.

Each failure's words, step and fix come from :mod:`.failures`, which docs/doctor.md's table
is generated from. No answer, or one the kit does not understand, is never a verdict: the
check says *could not check* (exit code 3).

A :class:`Diagnosis` renders as text (``str``), an HTML table (``_repr_html_``, each failed
row linking to its notebook) and JSON (``to_json``). It never holds a secret.
"""

from __future__ import annotations

import contextlib
import enum
import html
import json
import os
import textwrap
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import steps
from .clients import Endpoints, client
from .credentials import AccessKey, CredentialsFileError, check_key
from .endpoints import Environment
from .errors import Kind, Meaning, classify
from .failures import failure
from .folded import for_helpers
from .retry import Wait

if TYPE_CHECKING:
    import boto3

# The lessons sit in one folder, so a failed row links to its lesson by name: JupyterLab opens
# it in a new tab (a relative link in an output), Voilà renders it (/voila/render/<name>).
NOTEBOOK_DIR = ""
COULD_NOT_CHECK = ("Nothing in your setup was found wrong, and nothing was marked done: run the "
                   "doctor again in a minute; if it keeps saying this, check your internet "
                   "connection (live mode) or restart the demo world (demo mode: "
                   "python -m mturklink_helpers demo stop).")


class Status(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    WARNING = "warning"
    UNKNOWN = "could not check"  # no answer, or one the kit does not understand
    SKIPPED = "skipped"

    @property
    def symbol(self) -> str:
        return {"ok": "✓", "failed": "✗", "warning": "!", "could not check": "?",
                "skipped": "–"}[self.value]


@dataclass
class Check:
    """One check's result: what was found, the evidence, the guide step and what to do."""

    name: str  # stable id: key_shape, identity, sandbox, production, create_hits, new_key, turkprime
    title: str
    status: Status
    summary: str
    evidence: str = ""  # AWS's own words (error code, TurkErrorCode, ARN); never a secret
    step: str | None = None  # "4 f–h": the step of the guide that fixes it
    fix: str = ""  # one sentence: what to do
    failure: str | None = None  # the failure's id in failures.py, when one was found

    @property
    def headline(self) -> str:
        """A few words for a table row (the room view): the failure's headline, else the
        check's title. Never its summary, which may hold a key id or an account."""
        if self.failure:
            return failure(self.failure).headline
        if self.status in (Status.FAILED, Status.WARNING):
            return f"problem with {_lower(self.title)}"
        return _lower(self.title)

    @property
    def notebook(self) -> str:
        """The notebook that walks through this check's step."""
        return steps.notebook_for(self.step)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "evidence": self.evidence,
            "step": self.step,
            "fix": self.fix,
            "notebook": self.notebook if self.status is Status.FAILED else None,
        }


@dataclass(frozen=True)
class FormField:
    """One field of CloudResearch's (TurkPrime's) "Link Mechanical Turk" form."""

    label: str
    value: str
    note: str
    literal: bool = False  # the value is typed as shown (a key id), not a description of it


@dataclass
class Diagnosis:
    """The doctor's answer: the checks in order, and the verdict."""

    key_id: str  # masked
    checks: list[Check]
    identity_arn: str | None = None
    account_id: str | None = None
    waited: float = 0.0
    turkprime_form: list[FormField] = field(default_factory=list)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.FAILED]

    @property
    def unknown(self) -> list[Check]:
        """Checks that could not be made (no answer, or an answer not understood)."""
        return [c for c in self.checks if c.status is Status.UNKNOWN]

    @property
    def ok(self) -> bool:
        """True when every check was made and nothing failed (warnings allowed)."""
        return not self.failed and not self.unknown

    @property
    def first_failure(self) -> Check | None:
        """The failed check whose step comes first in the guide: do that one next."""
        failed = self.failed
        return min(failed, key=lambda c: steps.order(c.step)) if failed else None

    @property
    def next_step(self) -> str | None:
        first = self.first_failure
        return first.step if first else None

    @property
    def exit_code(self) -> int:
        """0 all good, 1 a step is missing, 2 the input itself is bad (not a key),
        3 could not check (no answer: nothing is known to be wrong, nor right)."""
        if self["key_shape"].status is Status.FAILED:
            return 2
        if self.failed:
            return 1
        return 3 if self.unknown else 0

    @property
    def verdict(self) -> str:
        first = self.first_failure
        if first is None and self.unknown:
            what = ", ".join(_lower(c.title) for c in self.unknown)
            return f"Could not check {what}: {self.unknown[0].summary}. {COULD_NOT_CHECK}"
        if first is None:
            warned = [c for c in self.checks if c.status is Status.WARNING]
            if warned:
                return f"This key works, but {warned[0].summary}. {warned[0].fix}"
            return ("All checks passed: this key is ready for CloudResearch (TurkPrime), "
                    "guide step 5.")
        where = f"guide step {first.step}" if first.step else "not a step of the guide"
        return f"Next: {where} ({_lower(first.title)}). {first.fix}"

    # --- renderings --------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "next_step": self.next_step,
            "verdict": self.verdict,
            "key": self.key_id,
            "identity_arn": self.identity_arn,
            "account_id": self.account_id,
            "waited_seconds": round(self.waited, 1),
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "checks": [c.to_dict() for c in self.checks],
            "turkprime_form": [
                {"field": f.label, "value": f.value, "note": f.note} for f in self.turkprime_form
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self, width: int = 100) -> str:
        def wrap(label: str, text: str) -> list[str]:
            indent = "      " + " " * len(label)
            return textwrap.wrap(text, width, initial_indent="      " + label,
                                 subsequent_indent=indent, break_on_hyphens=False) or [""]

        who = f", {self.identity_arn}" if self.identity_arn else ""
        lines = [f"mturklink doctor: access key {self.key_id}{who}", ""]
        for number, c in enumerate(self.checks, 1):
            step = f"  [guide step {c.step}]" if c.step and c.status is not Status.OK else ""
            label = "UNKNOWN" if c.status is Status.UNKNOWN else c.status.value.upper()
            lines.append(f" {c.status.symbol} {label:<8}{number}. {c.title}{step}")
            lines += wrap("", c.summary)
            if c.evidence:
                lines += wrap("evidence: ", c.evidence)
            if c.fix and c.status in (Status.FAILED, Status.WARNING, Status.UNKNOWN):
                lines += wrap("do this:  ", c.fix)
        if self.turkprime_form and self.ok:
            lines += ["", "CloudResearch (TurkPrime) → Link Mechanical Turk form:"]
            label_width = max(len(f.label) for f in self.turkprime_form)
            for f in self.turkprime_form:
                lines.append(f"  {f.label:<{label_width}}  {f.value}  ({f.note})")
        lines += [""] + textwrap.wrap(self.verdict, width, break_on_hyphens=False)
        return "\n".join(lines)

    __str__ = to_text

    def to_html(self, notebook_dir: str = NOTEBOOK_DIR) -> str:
        colours = {"ok": "#1a7f37", "failed": "#cf222e", "warning": "#9a6700",
                   "could not check": "#175cd3", "skipped": "#6e7781"}
        e = html.escape
        # Six columns at most, so the table fits a notebook's width: the evidence goes under
        # what was found, and "what to do" is there only when something is to be done.
        todo = {c.name: steps.link_websites(e(c.fix)) for c in self.checks
                if c.fix and c.status in (Status.FAILED, Status.WARNING, Status.UNKNOWN)}
        rows = []
        for number, c in enumerate(self.checks, 1):
            step = e(c.step or "")
            if c.status is Status.FAILED:
                step = steps.lesson_link(c.step, notebook_dir)
            status = (f'<span style="color:{colours[c.status.value]};font-weight:bold;'
                      f'white-space:nowrap">{c.status.symbol} {c.status.value}</span>')
            found = steps.link_websites(e(c.summary))
            if c.evidence and c.status in (Status.OK, Status.SKIPPED):
                # All is well: plain words, AWS's own folded away for whoever helps.
                found += for_helpers(f"<code>{e(c.evidence)}</code>")
            elif c.evidence:
                found += f"<br><code>{e(c.evidence)}</code>"
            rows.append(f"<tr><td>{number}</td><td>{e(c.title)}</td><td>{status}</td>"
                        f"<td>{step}</td><td>{found}</td>"
                        + (f"<td>{todo.get(c.name, '')}</td>" if todo else "") + "</tr>")
        head = "".join(f'<th style="white-space:nowrap">{h}</th>' for h in
                       ("#", "check", "status", "guide step", "what we found",
                        *(("what to do",) if todo else ())))
        form = ""
        if self.turkprime_form and self.ok:
            form = ("<p><b>CloudResearch (TurkPrime) → Link Mechanical Turk</b></p>"
                    + self.form_html())
        return (
            f'<div class="mturklink-doctor"><p>Doctor for access key <code>{e(self.key_id)}</code>'
            f"{' (' + e(self.identity_arn) + ')' if self.identity_arn else ''}</p>"
            f"<table><tr>{head}</tr>{''.join(rows)}</table>{form}"
            f"<p><b>{steps.link_websites(e(self.verdict))}</b></p></div>"
        )

    def form_html(self) -> str:
        """CloudResearch's "Link Mechanical Turk" form as a table: field, what to enter, where
        it comes from. Only a value typed as shown is monospace (it may not wrap)."""
        e = html.escape
        gap = 'style="padding-right:2em"'  # what to enter, apart from where it comes from
        rows = "".join(
            f"<tr><th>{e(f.label)}</th><td {gap}>"
            f"{f'<code>{e(f.value)}</code>' if f.literal else e(f.value)}</td><td>{e(f.note)}</td></tr>"
            for f in self.turkprime_form)
        head = "".join(f'<th style="white-space:nowrap">{h}</th>'
                       for h in ("Field", "What to enter", "Where it comes from"))
        return f"<table><tr>{head}</tr>{rows}</table>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        states = ", ".join(f"{c.name}={c.status.value}" for c in self.checks)
        return f"<Diagnosis key={self.key_id} next_step={self.next_step!r} {states}>"


# --- the checks ---------------------------------------------------------------------------

def _skipped(name: str, title: str, why: str = "not checked: an earlier check failed") -> Check:
    return Check(name, title, Status.SKIPPED, why)


TITLES = {
    "key_shape": "Key shape",
    "config": "This computer's AWS settings",
    "identity": "Who the key belongs to",
    "sandbox": "Sandbox access",
    "production": "Production access",
    "create_hits": "Permission to create HITs",
    "least_privilege": "Only what CloudResearch needs",
    "new_key": "A key created moments ago",
    "turkprime": "Ready for CloudResearch (TurkPrime)",
}
# The probe for check 5: a CreateHIT that MTurk must refuse *after* IAM allowed it, because its
# Question is no question at all (ParameterValidationError, parameter Question). So nothing is
# ever created or spent, and an AccessDeniedException means IAM forbids CreateHIT.
PROBE_QUESTION = ("<mturklink-doctor-probe>not a question: MTurk refuses this CreateHIT, so "
                  "nothing is created</mturklink-doctor-probe>")
# Keys from documentation and placeholders people paste by mistake (AWS's own example first).
PLACEHOLDER_IDS = {"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"}
SKEW_LIMIT = 300  # seconds: AWS refuses requests signed more than 5 minutes off its clock


def _found(failure_id: str, evidence: str = "", *, check: str | None = None, **values) -> Check:
    """A check's result from the failure registry (failures.py): its words, step and fix."""
    f = failure(failure_id)
    name = check or f.check
    status = Status.WARNING if f.warning else Status.FAILED
    return Check(name, TITLES[name], status, f.summary.format(**values), evidence, f.step,
                 f.fix.format(**values), failure_id)


def _as_key(credentials) -> tuple[AccessKey | None, Check]:
    """Check 1: turn the input into an AccessKey and check its shape."""
    try:
        if isinstance(credentials, (str, os.PathLike)):
            from .credentials import load_credentials

            key = load_credentials(credentials)
        elif isinstance(credentials, AccessKey):
            key = credentials
        else:  # a boto3 Session (profile, environment, SSO…)
            creds = credentials.get_credentials()
            if creds is None:
                raise CredentialsFileError("no AWS credentials were found", source="the session",
                                           fix="load credentials.csv from guide step 4 j–k")
            frozen = creds.get_frozen_credentials()
            if frozen.token:
                return None, _found("temporary_key", "a session token is set")
            key = AccessKey(frozen.access_key, frozen.secret_key, source="boto3 session")
        check_key(key.access_key_id, key.reveal_secret(), source=key.source or "the key")
    except CredentialsFileError as exc:
        if "temporary" in str(exc):
            return None, _found("temporary_key", "CredentialsFileError")
        return None, _found("not_a_key_file", "CredentialsFileError", detail=str(exc),
                            fix=_capital(exc.fix) + ".")
    if key.access_key_id in PLACEHOLDER_IDS or "EXAMPLE" in key.reveal_secret():
        return None, _found("placeholder", key.masked_id, key=key.masked_id)
    return key, Check("key_shape", TITLES["key_shape"], Status.OK,
                      f"{key.masked_id}: a 20-character AKIA id and a 40-character secret")


def _lower(title: str) -> str:
    return title[:1].lower() + title[1:]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _could_not(name: str, meaning: Meaning, tried: str) -> Check:
    """A check that got no answer (or one the kit does not understand): never a verdict."""
    why = ("no answer came back" if meaning.kind is Kind.NO_ANSWER else
           "AWS was busy, even after several tries" if meaning.kind is Kind.BUSY else
           "the answer was one the kit does not understand")
    return Check(name, TITLES[name], Status.UNKNOWN, f"{tried}, and {why}",
                 evidence=meaning.evidence, fix=COULD_NOT_CHECK)


def _refused(meaning: Meaning, check: str) -> Check | None:
    """The failure an AWS refusal names, for any check (None: not a setup failure)."""
    kinds = {Kind.UNKNOWN_KEY: "unknown_key", Kind.WRONG_SECRET: "wrong_secret",
             Kind.CLOCK_SKEW: "clock_skew", Kind.DENIED: "no_policy",
             Kind.DENIED_EXPLICIT: "explicit_deny", Kind.DENIED_ORGANISATION: "organisation_deny",
             Kind.ACCOUNT_REFUSED: "account_refused"}
    if meaning.kind not in kinds:
        return None
    return _found(kinds[meaning.kind], meaning.evidence, check=check, key="this key",
                  skew="more than 5 minutes")


# --- check: this computer's AWS settings ------------------------------------------------------


def _config(key: AccessKey, profile: str | None) -> Check:
    """Profiles and config that make other tools (and CloudResearch's copy-paste) go wrong:
    a region other than us-east-1, the retired legacy host, a stale profile. Read-only; the
    kit itself always signs for us-east-1 and today's endpoints."""
    import configparser

    from .credentials import shared_credentials_path

    config_path = Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config")
    config = configparser.RawConfigParser()
    credentials = configparser.RawConfigParser()
    try:
        config.read(config_path, encoding="utf-8")
        credentials.read(shared_credentials_path(), encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return _skipped("config", TITLES["config"], "not checked: ~/.aws could not be read")
    names = [profile] if profile else [n for n in ("mturk", "default") if
                                        credentials.has_section(n) or _section(config, n)]
    for name in names:
        section = _section(config, name)
        if section is None:
            continue
        region = config.get(section, "region", fallback="us-east-1").strip()
        if region and region != "us-east-1":
            return _found("profile_region", f"[{section}] region = {region}", profile=name,
                          region=region)
        text = " ".join(config.get(section, k, fallback="") for k in config.options(section))
        if "mechanicalturk.amazonaws.com" in text or "mechanicalturk.sandbox.amazonaws.com" in text:
            return _found("legacy_host", f"[{section}] endpoint", profile=name,
                          other="mechanicalturk.amazonaws.com")
    if profile is None and credentials.has_section("mturk"):
        other = credentials.get("mturk", "aws_access_key_id", fallback="").strip()
        if other and other != key.access_key_id:
            from .credentials import mask_key_id

            return _found("stale_profile", "~/.aws/credentials [mturk]", profile="mturk",
                          other=mask_key_id(other), key=key.masked_id)
    return Check("config", TITLES["config"], Status.OK,
                 "no AWS profile or config on this computer disagrees with this key")


def _section(config, name: str) -> str | None:
    for section in (name, f"profile {name}"):
        if config.has_section(section):
            return section
    return None


# --- check: who the key belongs to ------------------------------------------------------------


def _identity(session, key: AccessKey, endpoints: Endpoints) -> tuple[dict | None, Check]:
    """Check 2: who does AWS say this key belongs to? (And is this computer's clock right?)"""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        who = client(session, "sts", endpoints).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        meaning = classify(exc)
        if meaning.kind is Kind.CLOCK_SKEW:
            skew = _skew(getattr(exc, "response", {}))
            return None, _found("clock_skew", meaning.evidence, skew=skew or "more than 5 minutes")
        if meaning.kind in (Kind.UNKNOWN_KEY, Kind.WRONG_SECRET):
            failure_id = "unknown_key" if meaning.kind is Kind.UNKNOWN_KEY else "wrong_secret"
            return None, _found(failure_id, meaning.evidence, key=key.masked_id)
        refusal = _refused(meaning, "identity")
        if refusal is not None:
            return None, refusal
        if meaning.setup_problem:
            return None, Check("identity", TITLES["identity"], Status.FAILED,
                               "AWS refused to say who the key is", evidence=meaning.evidence,
                               step=meaning.step, fix=meaning.advice)
        return None, _could_not("identity", meaning,
                                f"asked AWS (STS at {endpoints}) who the key belongs to")
    skew = _skew(who)
    if skew is not None:
        return None, _found("clock_skew", "the Date of STS's answer", skew=skew)
    arn = who["Arn"]
    if arn.endswith(":root"):
        return who, _found("root_key", arn, account=who["Account"])
    if ":assumed-role/" in arn or ":federated-user/" in arn:
        return None, _found("role_session", arn)
    user = arn.rpartition("/")[2]
    return who, Check("identity", TITLES["identity"], Status.OK,
                      f"an IAM user's key (user {user} of AWS account {who['Account']})", arn)


def _skew(response: dict) -> str | None:
    """How far this computer's clock is off AWS's (from an answer's Date), when over 5 min."""
    from email.utils import parsedate_to_datetime

    date = ((response or {}).get("ResponseMetadata") or {}).get("HTTPHeaders", {}).get("date")
    try:
        theirs = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None
    off = abs(theirs - time.time())
    return f"{off / 60:.0f} minutes" if off > SKEW_LIMIT else None


# --- checks: the two endpoints ----------------------------------------------------------------


@dataclass
class _Answer:
    """What one MTurk endpoint answered to GetAccountBalance."""

    balance: str | None = None
    meaning: Meaning | None = None

    @property
    def ok(self) -> bool:
        return self.meaning is None

    def is_(self, *kinds: Kind) -> bool:
        return self.meaning is not None and self.meaning.kind in kinds

    @property
    def evidence(self) -> str:
        return self.meaning.evidence if self.meaning else ""


def _balance(mturk) -> _Answer:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return _Answer(balance=mturk.get_account_balance()["AvailableBalance"])
    except (ClientError, BotoCoreError) as exc:
        return _Answer(meaning=classify(exc))


def _ask_both(session, environments, endpoints: Endpoints, wait: Wait, progress=None):
    """Checks 3, 4 and 6: balances on each endpoint, waiting while MTurk learns a new key."""
    clients = {env: client(session, "mturk", endpoints, env) for env in environments}
    answers: dict[Environment, _Answer] = {}

    def attempt():
        for env, mturk in clients.items():
            if env not in answers or answers[env].is_(Kind.UNKNOWN_KEY):
                answers[env] = _balance(mturk)
        waiting = any(a.is_(Kind.UNKNOWN_KEY) for a in answers.values())
        return not waiting, "MTurk does not know this new key yet"

    def on_wait(tries, elapsed, reason, _delay):
        if progress is not None:
            from .iam import Progress

            progress(Progress("wait", f"waiting ({elapsed:.0f} s so far, at most "
                              f"{wait.max_wait:.0f} s): {reason} (new keys take up to a "
                              "minute)", elapsed, wait.max_wait, tries))

    _done, tries, waited = wait.run(attempt, on_wait)
    return answers, clients, waited, tries


def _endpoint_check(env: Environment, answer: _Answer, other: _Answer | None, waited: float) -> Check:
    name = env.value
    if answer.ok:
        evidence = f"GetAccountBalance answered {answer.balance}"
        if env.is_sandbox:
            return Check(name, TITLES[name], Status.OK,
                         f"the sandbox lets this key in (play-money balance: {_dollars(answer.balance)})",
                         evidence)
        summary = (f"MTurk lets this key in (balance: {_dollars(answer.balance)}; only looked "
                   "at, nothing was spent)")
        if _money(answer.balance) == 0:
            funds = failure("no_funds")
            summary += f"; note: {funds.summary.format(other=answer.balance)}. {funds.fix}"
        return Check(name, TITLES[name], Status.OK, summary, evidence)
    meaning = answer.meaning
    if answer.is_(Kind.NOT_LINKED):
        other_ok = other is not None and other.ok
        if env.is_sandbox and other_ok:
            return _found("sandbox_not_registered", answer.evidence)
        if env.is_sandbox:
            return Check(name, TITLES[name], Status.FAILED,
                         "the sandbox says this AWS account is not linked to a Requester account",
                         evidence=answer.evidence, step="3",
                         fix=failure("sandbox_not_registered").fix, failure="sandbox_not_registered")
        found = _found("not_linked", answer.evidence)
        if other is not None and other.ok:
            found.summary = "the sandbox answers, but production says this AWS account is not linked"
        return found
    if answer.is_(Kind.UNKNOWN_KEY):
        return _found("new_key_unknown", answer.evidence, check=name, waited=f"{waited:.0f}")
    refusal = _refused(meaning, name)
    if refusal is not None:
        return refusal
    if meaning.setup_problem:
        return Check(name, TITLES[name], Status.FAILED, f"MTurk refused: {meaning.message or meaning.code}",
                     evidence=answer.evidence, step=meaning.step, fix=meaning.advice)
    return _could_not(name, meaning, f"asked the MTurk {env.value} for its balance")


def _dollars(text: str | None) -> str:
    """ "10000.00" as "$10,000.00" (AWS's own text when it is not a number)."""
    amount = _money(text)
    return f"${amount:,.2f}" if amount is not None else f"${text}"


def _money(text: str | None) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


# --- check: permission to create HITs ---------------------------------------------------------


def _create_permission(mturk, answers) -> Check:
    """Check 5: may this key create HITs, as CloudResearch will? Proven by a CreateHIT that
    MTurk refuses after IAM allowed it (its Question is none), on the free sandbox."""
    name = "create_hits"
    sandbox = answers.get(Environment.SANDBOX)
    if sandbox is None or not (sandbox.ok or sandbox.is_(Kind.NOT_LINKED)):
        return _skipped(name, TITLES[name], "not checked: the sandbox did not let this key in "
                                            "(see above)")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        made = mturk.create_hit(
            Title="mturklink doctor probe (MTurk refuses it: nothing is created)",
            Description="A request the kit's doctor sends to learn whether IAM allows CreateHIT.",
            Reward="0.01", MaxAssignments=1, LifetimeInSeconds=60,
            AssignmentDurationInSeconds=60, Question=PROBE_QUESTION)
    except (ClientError, BotoCoreError) as exc:
        meaning = classify(exc)
        if meaning.kind is Kind.DENIED:
            return _found("cannot_create_hits", meaning.evidence)
        if meaning.kind is Kind.DENIED_EXPLICIT:
            return _found("create_denied_explicit", meaning.evidence)
        if meaning.kind is Kind.ACCOUNT_REFUSED:
            return _found("account_refused", meaning.evidence, check=name)
        if meaning.by_mturk:
            # MTurk itself answered, after IAM allowed CreateHIT (AWS authorizes before a
            # service sees a request): the invalid Question, or "not linked" (step 3).
            what = ("answered 'not linked'" if meaning.kind is Kind.NOT_LINKED
                    else "refused the probe's (invalid) question")
            return Check(name, TITLES[name], Status.OK,
                         "AWS let this key create HITs (a test request: nothing was made or "
                         "spent)", evidence=f"CreateHIT allowed by IAM: MTurk {what} "
                                            f"({meaning.evidence})")
        refusal = _refused(meaning, name)
        if refusal is not None:
            return refusal
        return _could_not(name, meaning, "sent the sandbox a CreateHIT it must refuse")
    _retire_probe(mturk, made.get("HIT", {}).get("HITId"))
    return Check(name, TITLES[name], Status.WARNING,
                 "allowed, but MTurk accepted the probe's invalid question and made a HIT in the "
                 "sandbox (the doctor deleted it at once; nothing was paid)",
                 fix="Nothing to do in your setup; please tell the kit's maintainers.")


def _retire_probe(mturk, hit_id: str | None) -> None:
    """The probe was never meant to be accepted: expire and delete it (sandbox, free)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not hit_id:
        return
    with contextlib.suppress(ClientError, BotoCoreError):
        mturk.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1, tzinfo=UTC))
        mturk.delete_hit(HITId=hit_id)


# --- check: no more than CloudResearch needs --------------------------------------------------


def _least_privilege(session, endpoints: Endpoints, who) -> Check:
    """A key that can also manage IAM (AdministratorAccess) works, but is more than needed.
    Asked with a read-only, free call: iam:ListUsers, one item."""
    from botocore.exceptions import BotoCoreError, ClientError

    name = "least_privilege"
    if who is None or who["Arn"].endswith(":root"):
        return _skipped(name, TITLES[name], "not checked (see who the key belongs to)")
    try:
        client(session, "iam", endpoints).list_users(MaxItems=1)
    except (ClientError, BotoCoreError) as exc:
        meaning = classify(exc)
        if meaning.kind in (Kind.DENIED, Kind.DENIED_EXPLICIT, Kind.DENIED_ORGANISATION):
            return Check(name, TITLES[name], Status.OK,
                         "the key cannot manage IAM users, as it should not",
                         evidence=f"iam:ListUsers refused: {meaning.evidence}")
        return _skipped(name, TITLES[name], "not checked: IAM did not answer")
    return _found("more_than_needed", "iam:ListUsers answered")


# --- checks: a new key, and CloudResearch -----------------------------------------------------


def _new_key_check(answers, waited: float, tries: int) -> Check:
    name = "new_key"
    if any(a.is_(Kind.UNKNOWN_KEY) for a in answers.values()):
        return _found("new_key_unknown", "UnrecognizedClientException", waited=f"{waited:.0f}")
    if any(not a.ok and not a.meaning.answered for a in answers.values()):
        return _skipped(name, TITLES[name], "not checked: MTurk did not answer (see above)")
    if tries > 1:
        return Check(name, TITLES[name], Status.OK,
                     f"MTurk recognised the key after {waited:.0f} s of waiting (new keys take up "
                     "to a minute to reach MTurk)")
    return Check(name, TITLES[name], Status.OK, "MTurk recognised the key at once")


def _turkprime(key: AccessKey, who, checks: dict[str, Check]) -> tuple[Check, list[FormField]]:
    name = "turkprime"
    account = who["Account"] if who else "?"
    form = [
        FormField("Amazon Account Name", "your AWS sign-in e-mail",
                  f"the e-mail address of AWS account {account}"),
        FormField("Access Key ID", key.masked_id,
                  "paste the full Access key ID from credentials.csv", literal=True),
        FormField("Secret Access Key", "(never shown)",
                  "copy it from credentials.csv, downloaded in guide step 4 j–k"),
        FormField("Amazon Requester Name", "(leave empty)", "autofilled after your first HIT"),
        FormField("Amazon Requester ID", "(leave empty)", "autofilled after your first HIT"),
    ]
    needed = ["identity", "sandbox", "production", "create_hits"]
    blocking = [checks[n] for n in needed if n in checks and checks[n].status is not Status.OK]
    failed = [c for c in blocking if c.status is Status.FAILED]
    if failed:
        first = min(failed, key=lambda c: steps.order(c.step))
        where = f"guide step {first.step}" if first.step else _lower(first.title)
        return _found("not_ready", "", other=", ".join(_lower(c.title) for c in failed),
                      where=where), form
    if any(c.status is not Status.WARNING for c in blocking):
        # Nothing is known to be wrong, nor right: not a step-5 verdict either way.
        unknown = [c for c in blocking if c.status is not Status.WARNING]
        return Check(name, TITLES[name], Status.UNKNOWN, "could not check: "
                     + ", ".join(_lower(c.title) for c in unknown) + " could not be checked",
                     fix=COULD_NOT_CHECK), form
    return Check(name, TITLES[name], Status.OK,
                 "both endpoints answer, it is an IAM user's key, and it may create HITs: fill "
                 "in the form as below (guide step 5)", step="5"), form


def diagnose(
    credentials: AccessKey | boto3.Session | str | os.PathLike,
    *,
    environments=(Environment.SANDBOX, Environment.PRODUCTION),
    endpoints: Endpoints | str | None = None,
    wait: Wait | None = None,
    progress=None,
    profile: str | None = None,
) -> Diagnosis:
    """Run the checks in order on ``credentials`` and return a :class:`Diagnosis`.

    ``credentials``: an AccessKey, a boto3 Session, or the path of a key file.
    ``environments``: which MTurk endpoints to ask (production is read-only: a balance).
    ``endpoints``: where AWS is (None: AWS itself; a world's or simulator server's URL).
    ``wait``: how long to wait for a key MTurk does not know yet, on which clock (default
    90 s of real time; :meth:`Kit.diagnose` passes the demo world's clock).
    ``progress``: called with an :class:`mturklink_helpers.iam.Progress` while waiting.
    ``profile``: the AWS profile the key came from, if any (its region and endpoint are
    checked); otherwise the "mturk" profile is compared with the key.
    """
    wait = wait or Wait()
    endpoints = Endpoints.of(endpoints)
    environments = [Environment.parse(e) for e in environments]
    key, shape = _as_key(credentials)
    names = [n for n in TITLES if n != "key_shape"]
    masked = key.masked_id if key else "(none)"
    if key is None:
        return Diagnosis(masked, [shape] + [_skipped(n, TITLES[n]) for n in names])

    # One boto3 session for every client: each new session re-reads botocore's data files.
    session = key.session()
    config = _config(key, profile)
    who, identity = _identity(session, key, endpoints)
    if who is None:
        why = ("not checked: an earlier check could not be made"
               if identity.status is Status.UNKNOWN else "not checked: an earlier check failed")
        return Diagnosis(masked, [shape, config, identity]
                         + [_skipped(n, TITLES[n], why) for n in names[2:]])

    answers, clients, waited, tries = _ask_both(session, environments, endpoints, wait, progress)
    checks = {"key_shape": shape, "config": config, "identity": identity}
    for env in (Environment.SANDBOX, Environment.PRODUCTION):
        if env in answers:
            other = answers.get(Environment.PRODUCTION if env.is_sandbox else Environment.SANDBOX)
            checks[env.value] = _endpoint_check(env, answers[env], other, waited)
        else:
            checks[env.value] = _skipped(env.value, TITLES[env.value], "not checked (not asked for)")
    checks["create_hits"] = _create_permission(clients.get(Environment.SANDBOX), answers)
    checks["least_privilege"] = _least_privilege(session, endpoints, who)
    checks["new_key"] = _new_key_check(answers, waited, tries)
    checks["turkprime"], form = _turkprime(key, who, checks)
    return Diagnosis(masked, list(checks.values()), identity_arn=who["Arn"],
                     account_id=who["Account"], waited=waited, turkprime_form=form)


@dataclass(frozen=True)
class StepVerdict:
    """Is one step of the guide done? ``done`` True/False, or None: could not check."""

    number: int
    done: bool | None
    sentence: str


def step_verdict(diagnosis: Diagnosis, number: int) -> StepVerdict:
    """What ``diagnosis`` proves about guide step ``number``, from that step's own checks
    (steps.py) and nothing else: a later step's problem does not make this one missing."""
    wanted = steps.step(number).checks
    checks = [diagnosis[name] for name in wanted if name in {c.name for c in diagnosis.checks}]
    # This step's own checks, and any failure the doctor names this step for (a sandbox
    # refusing a key without a policy is step 4's failure, found by the sandbox check).
    failed = [c for c in diagnosis.checks if c.status is Status.FAILED
              and (c in checks or (steps.number_of(c.step) == number and c.name != "turkprime"))]
    if failed:
        first = failed[0]
        return StepVerdict(number, False, f"step {number} is not done: {first.summary}. {first.fix}")
    pending = not checks or any(c.status in (Status.SKIPPED, Status.UNKNOWN) for c in checks)
    if pending and diagnosis.unknown:  # no answer somewhere on the way to this step's checks
        unknown = diagnosis.unknown[0]
        return StepVerdict(number, None, f"could not check step {number}: {unknown.summary}. "
                                         f"{COULD_NOT_CHECK}")
    if pending:
        first = diagnosis.first_failure
        before = f" first: {first.fix}" if first else "."
        return StepVerdict(number, None, f"step {number} cannot be checked until the key works"
                                         f"{before}")
    return StepVerdict(number, True, f"step {number} is done (the doctor checked it).")
