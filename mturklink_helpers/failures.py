"""Every setup failure the doctor can name: what the learner sees, which check finds it, the
step of the guide that fixes it, and the fix. The doctor builds its verdicts from these
definitions, ``docs/doctor.md``'s table is generated from them (a test keeps it so), and
notebook 07 shows them (:class:`KnownFailures`).

The failure modes and what the real service answers come from
``shared/reference/mturk-evidence.md`` (section 3, "Failure modes when linking accounts").
Where no answer can tell two failures apart, the summary names both, most likely first.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .steps import DEVELOPER_PAGE, MTURK_SUPPORT, PREPAID_HITS, SANDBOX_DEVELOPER_PAGE

_UNKNOWN_KEY = (
    "AWS does not know the access key id {key}: most likely it was copied wrong; it may also "
    "have been deleted or made inactive, or its IAM user deleted (AWS answers the same for all "
    "of these)",
    "Copy the Access key ID from credentials.csv again; if it is right, look at the IAM user's "
    "Security credentials tab: make the key Active again or create a new access key (guide step "
    "4 i–k). A key made in the last minute may need a minute more.")
_EXPLICIT_DENY = (
    "a policy of the key's IAM user explicitly denies MTurk: most likely a Deny statement beside "
    "AmazonMechanicalTurkFullAccess; or a policy that demands MFA, which an access key never "
    "carries",
    "Remove the Deny statement (or the MFA condition) from the IAM user's policies: "
    "AmazonMechanicalTurkFullAccess is already there and a Deny always wins over it (guide step "
    "4 f–h).")
LINK_WAIT = ("If you linked it in the last few minutes, wait a few minutes and run the doctor "
             "again: a fresh link takes a while to work (learners have waited up to an hour).")


@dataclass(frozen=True)
class Failure:
    """One way a setup fails. ``summary`` and ``fix`` may name {key}, {account}, {profile},
    {region}, {other}, {skew}, {waited}, {seconds}; ``warning`` ones do not stop the key from
    working."""

    id: str
    check: str  # the doctor's check that finds it
    symptom: str  # what the learner (or the doctor) sees: the real answer, or its evidence
    summary: str  # the doctor's finding, one phrase
    step: str | None  # the step of the guide that fixes it (None: not a step of the guide)
    fix: str  # what to do, one or two sentences
    warning: bool = False  # the key works, but see this
    note: bool = False  # the check passes; the finding is added to what it says
    demo: tuple[str, ...] = ()  # the demo problems (problems.py) that make it in the world
    # A few words for a table row ("sandbox not registered"): the room view's verdicts. No
    # placeholders, so it never holds a key id or an account.
    headline: str = ""


FAILURES: tuple[Failure, ...] = (
    Failure("not_a_key_file", "key_shape",
            "the file is not a key file (a web page, wrong columns, a cut-off value)",
            "{detail}", "4 j–k", "{fix}",
            headline="not a key file"),
    Failure("placeholder", "key_shape",
            "an example or placeholder key (AWS's AKIAIOSFODNN7EXAMPLE, 'YOUR_ACCESS_KEY', …)",
            "{key} is an example key from documentation, not one AWS gave you", "4 j–k",
            "Use the Access key ID and Secret access key from your own credentials.csv (guide "
            "step 4 j–k).",
            headline="an example key, not a real one"),
    Failure("temporary_key", "key_shape",
            "an ASIA… key id or a session token: temporary credentials",
            "these are temporary credentials (an ASIA… key or a session token), which MTurk does "
            "not accept", "4",
            "Use an IAM user's long-term access key (AKIA…), made in guide step 4.",
            demo=("temporary-key",),
            headline="temporary credentials, not an IAM user's key"),
    Failure("profile_region", "config",
            "the AWS profile's region is not us-east-1; tools using it get 'Credential should "
            "be scoped to a valid region'",
            "profile [{profile}] has region {region}; MTurk lives in us-east-1 only", None,
            "Set region = us-east-1 for [{profile}] in ~/.aws/config (tools that read the "
            "profile sign for its region; the kit always uses us-east-1).", warning=True,
            headline="an AWS profile outside us-east-1"),
    Failure("legacy_host", "config",
            "an endpoint_url on mechanicalturk.amazonaws.com (retired in 2019: a 400 that is "
            "not JSON, or 'This Requester API is no longer supported')",
            "profile [{profile}] sends MTurk requests to the retired host {other}", None,
            "Remove that endpoint_url from ~/.aws/config: today's endpoints are "
            "mturk-requester(-sandbox).us-east-1.amazonaws.com.", warning=True,
            headline="a profile on the retired MTurk host"),
    Failure("stale_profile", "config",
            "~/.aws/credentials holds another key than the credentials.csv being checked",
            "profile [{profile}] in ~/.aws/credentials holds another key ({other}) than {key}",
            "4 j–k",
            "Tools that read the profile use the old key: save this key as the profile again "
            "(the kit's save_profile, or aws configure --profile {profile}), or delete it.",
            warning=True,
            headline="an old key in ~/.aws/credentials"),
    Failure("unknown_key", "identity",
            "UnrecognizedClientException / InvalidClientTokenId: 'The security token included in "
            "the request is invalid.'",
            _UNKNOWN_KEY[0], "4 i–k", _UNKNOWN_KEY[1],
            demo=("unknown-key",),
            headline="access key unknown to AWS"),
    Failure("inactive_key", "identity",
            "the same answer as an unknown key: an inactive key, or one of a deleted user",
            _UNKNOWN_KEY[0], "4 i–k", _UNKNOWN_KEY[1],
            demo=("inactive-key",),
            headline="access key unknown to AWS"),
    Failure("wrong_secret", "identity",
            "InvalidSignatureException / SignatureDoesNotMatch",
            "AWS knows {key}, but the secret access key does not match it", "4 j–k",
            "Copy the Secret access key from the same credentials.csv as the id (guide step "
            "4 j–k); if it is lost, create a new access key.", demo=("wrong-secret",),
            headline="secret does not match the key"),
    Failure("clock_skew", "identity",
            "'Signature expired' / 'Signature not yet current', or a Date header more than 5 "
            "minutes from this computer's clock",
            "this computer's clock is {skew} off AWS's; AWS refuses requests more than 5 minutes "
            "off", None,
            "Set this computer's date, time and time zone right (turn on automatic time), then "
            "run the doctor again.",
            headline="this computer's clock is off"),
    Failure("root_key", "identity",
            "STS GetCallerIdentity's Arn ends in ':root'",
            "this is the root user's key of AWS account {account}: it can do anything to the "
            "account, and the guide's step 4 exists so that CloudResearch never holds it", "4",
            "Create an IAM user with AmazonMechanicalTurkFullAccess and give CloudResearch its key "
            "(guide step 4); then deactivate this root key (IAM console, your security "
            "credentials).", demo=("root-key",),
            headline="the root user's key"),
    Failure("role_session", "identity",
            "an Arn with ':assumed-role/' or ':federated-user/'",
            "these are temporary credentials of a role or session", "4",
            "MTurk does not accept temporary credentials: use an IAM user's access key (guide "
            "step 4).",
            headline="a role's temporary credentials"),
    Failure("no_policy", "sandbox",
            "AccessDeniedException '… because no identity-based policy allows the "
            "mechanicalturk:GetAccountBalance action' on both endpoints",
            "the key's IAM user has no permission to use MTurk", "4 f–h",
            "Attach the AmazonMechanicalTurkFullAccess policy to the IAM user (guide step 4 f–h).",
            demo=("no-policy",),
            headline="no MTurk policy on the IAM user"),
    Failure("explicit_deny", "sandbox",
            "AccessDeniedException '… with an explicit deny in an identity-based policy'",
            _EXPLICIT_DENY[0], "4 f–h", _EXPLICIT_DENY[1], demo=("deny-all",),
            headline="a Deny policy blocks MTurk"),
    Failure("mfa_required", "sandbox",
            "the same answer as an explicit Deny: a policy that allows MTurk only with MFA",
            _EXPLICIT_DENY[0], "4 f–h", _EXPLICIT_DENY[1], demo=("mfa-required",),
            headline="a Deny policy blocks MTurk"),
    Failure("organisation_deny", "sandbox",
            "AccessDeniedException '… with an explicit deny in a service control policy'",
            "your AWS organisation forbids MTurk for this account (a service control policy)",
            None,
            "Ask whoever runs your AWS organisation to allow mechanicalturk:* for this account; "
            "nothing in the IAM user can override it.",
            headline="the AWS organisation forbids MTurk"),
    Failure("not_linked", "production",
            "RequestError AWS.AccountNotLinked from production (and the sandbox): 'Your AWS "
            "account must be linked to your Amazon Mechanical Turk Account'",
            "this AWS account is not linked to an MTurk Requester account", "2",
            f"Link your AWS account at {DEVELOPER_PAGE} ('Link your AWS Account', guide step 2). "
            + LINK_WAIT, demo=("not-linked",),
            headline="AWS account not linked to MTurk"),
    Failure("sandbox_not_registered", "sandbox",
            "RequestError AWS.AccountNotLinked from the sandbox while production answers",
            "production answers, but the sandbox says this AWS account is not registered there "
            "(the most common mix-up: the sandbox is linked separately)", "3",
            f"Register for the Requester Sandbox at {SANDBOX_DEVELOPER_PAGE}, signing in with the same "
            "AWS account (guide step 3). " + LINK_WAIT, demo=("sandbox",),
            headline="sandbox not registered"),
    Failure("account_refused", "sandbox",
            "RequestError 'This user is not authorized to perform the requested operation.'",
            "MTurk refuses this Requester account itself, whatever the key", None,
            f"Contact MTurk support ({MTURK_SUPPORT}): nothing in your AWS setup causes this.",
            headline="MTurk refuses the Requester account"),
    Failure("new_key_unknown", "new_key",
            "STS knows the key, MTurk answers UnrecognizedClientException for longer than "
            "--max-wait",
            "AWS knows the key, but MTurk still did not after {waited} s", "4 i–k",
            "New keys can take a few minutes: run the doctor again later; if it still fails, "
            "create a new access key (guide step 4 i–k).",
            headline="key too new for MTurk yet"),
    Failure("cannot_create_hits", "create_hits",
            "AccessDeniedException on CreateHIT (the probe) while the balances answer",
            "the key can read MTurk but not create HITs: its IAM user has a weaker policy "
            "(AmazonMechanicalTurkReadOnly, or one without mechanicalturk:CreateHIT)", "4 f–h",
            "Attach AmazonMechanicalTurkFullAccess to the IAM user (guide step 4 f–h).",
            demo=("read-only", "cannot-create"),
            headline="cannot create HITs (weaker policy)"),
    Failure("create_denied_explicit", "create_hits",
            "AccessDeniedException '… with an explicit deny …' on CreateHIT only",
            "a policy of the key's IAM user explicitly denies creating HITs", "4 f–h",
            "Remove the Deny on mechanicalturk:CreateHIT* from the IAM user's policies: "
            "CloudResearch creates HITs (guide step 4 f–h).", demo=("deny-create",),
            headline="a Deny on creating HITs"),
    Failure("more_than_needed", "least_privilege",
            "the key may also use IAM (iam:ListUsers answers): AdministratorAccess or similar",
            "it can do more than CloudResearch needs: it may manage IAM users", "4 f–h",
            "Give CloudResearch the key of a user with only AmazonMechanicalTurkFullAccess "
            "(guide step 4 f–h): a leaked administrator key costs far more than MTurk.",
            warning=True, demo=("admin-access",),
            headline="key can do more than needed"),
    Failure("no_funds", "production",
            "production GetAccountBalance answers 0.00; a HIT there fails with 'This Requester "
            "has insufficient funds …'",
            "production has no prepaid balance (${other}): the sandbox is free, production HITs "
            "will be refused", None,
            f"Before a real study, buy Prepaid HITs at {PREPAID_HITS} (AWS billing alone is not "
            "enough).", note=True, demo=("no-funds",),
            headline="no prepaid balance in production"),
    Failure("not_ready", "turkprime",
            "an earlier check failed",
            "not yet: {other} did not pass", "5", "Fix {where} first, then run the doctor again.",
            headline="an earlier check failed"),
)

BY_ID = {f.id: f for f in FAILURES}


def failure(failure_id: str) -> Failure:
    return BY_ID[failure_id]


def _listed() -> list[Failure]:
    # not_a_key_file and not_ready take their words from the key file's error and the other
    # checks: nothing to list of their own.
    return [f for f in FAILURES if f.id not in ("not_a_key_file", "not_ready")]


def markdown_table() -> str:
    """The table in docs/doctor.md: symptom → check → step → fix, from FAILURES."""
    rows = ["| what the learner sees | check | step | the doctor says | fix | demo problem |",
            "|---|---|---|---|---|---|"]
    for f in _listed():
        step = f.step or "—"
        if f.warning or f.note:
            step += " (warning)" if f.warning else " (note)"
        cells = [f.symptom, f"`{f.check}`", step, _plain(f.summary), _plain(f.fix),
                 ", ".join(f"`{d}`" for d in f.demo) or "—"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def _plain(text: str) -> str:
    """A template with its placeholders shown as readers see them (AKIA…, 123456789012)."""
    return text.format(key="AKIA…", account="123456789012", profile="mturk", region="eu-west-1",
                       other="…", skew="7 minutes", waited="90", seconds="90", where="step …",
                       detail="…", fix="…")


class KnownFailures:
    """Every failure the doctor knows, for a notebook (notebook 07): what you see, the step
    that fixes it (a link to its lesson) and what to do, folded until opened. The same
    failures as docs/doctor.md's table, fewer columns so it fits a notebook's width."""

    def _repr_html_(self) -> str:
        from .steps import lesson_link, link_websites

        e = html.escape
        rows = "".join(
            f"<tr><td>{e(f.symptom)}</td><td>{lesson_link(f.step) if f.step else '—'}</td>"
            f"<td>{link_websites(e(_capital(_plain(f.summary))))}. {link_websites(e(_plain(f.fix)))}</td></tr>"
            for f in _listed())
        return (f"<details><summary>Every failure the doctor knows ({len(_listed())})</summary>"
                '<table><tr><th style="white-space:nowrap">what you see</th>'
                '<th style="white-space:nowrap">guide step</th>'
                f'<th style="white-space:nowrap">what it is, and what to do</th></tr>{rows}</table>'
                "</details>")

    def __repr__(self) -> str:
        return f"<KnownFailures: {len(_listed())} failures (docs/doctor.md lists them too)>"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
