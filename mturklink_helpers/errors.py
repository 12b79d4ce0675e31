"""The one place that sorts AWS and botocore errors: what an error means, which step of the
guide fixes it, and whether trying again can help.

Everything else (the doctor, IAM provisioning, the test HIT, the forms) asks
:func:`classify` instead of reading error codes itself. Wordings and codes follow
``shared/reference/mturk-evidence.md`` (the real service's answers); where only the facts
file or AWS's general front door is the source, the comment says so.

The most important distinction is :attr:`Meaning.answered`: an error that is *no answer*
(no network, a timeout, a cut-off or unreadable reply) or a *busy* answer says nothing about
the learner's setup, so nothing may call a step done or missing because of it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .steps import MTURK_SUPPORT, PREPAID_HITS


class Kind(enum.StrEnum):
    NO_ANSWER = "no_answer"  # no connection, timeout, reply cut off or not understood
    BUSY = "busy"  # throttled or a server-side fault: try again
    UNKNOWN_KEY = "unknown_key"  # AWS does not know the key id (typo, deleted, inactive, new)
    WRONG_SECRET = "wrong_secret"  # the key id is known, the signature does not match
    WRONG_REGION = "wrong_region"  # signed for another region than us-east-1
    CLOCK_SKEW = "clock_skew"  # the request's time is more than 5 minutes off
    DENIED = "denied"  # IAM: no policy allows the action
    DENIED_EXPLICIT = "denied_explicit"  # IAM: a Deny in the user's own policies
    DENIED_ORGANISATION = "denied_organisation"  # a service control policy of the organisation
    NOT_LINKED = "not_linked"  # MTurk: AWS account not linked (step 2) / sandbox (step 3)
    ACCOUNT_REFUSED = "account_refused"  # MTurk refuses the account itself (contact support)
    INSUFFICIENT_FUNDS = "insufficient_funds"  # production without a prepaid balance
    INVALID_PARAMETER = "invalid_parameter"  # MTurk answered: a value it does not accept
    REQUEST_REFUSED = "request_refused"  # MTurk answered RequestError: state, missing HIT…
    NOT_FOUND = "not_found"  # IAM NoSuchEntity
    ALREADY_EXISTS = "already_exists"  # IAM EntityAlreadyExists
    LIMIT = "limit"  # IAM LimitExceeded (e.g. two keys per user)
    LOCAL_CONFIG = "local_config"  # no such profile, no credentials, no region on this computer
    NOT_UNDERSTOOD = "not_understood"  # an answer the kit does not know


# Codes as AWS writes them. MTurk (JSON 1.1) and IAM/STS (query protocol) differ for the
# same meaning, hence the pairs.
_UNKNOWN_KEY = {"UnrecognizedClientException", "InvalidClientTokenId"}
_WRONG_SECRET = {"InvalidSignatureException", "SignatureDoesNotMatch"}
_DENIED = {"AccessDeniedException", "AccessDenied"}
_BUSY = {"ThrottlingException", "Throttling", "ServiceFault", "ServiceUnavailable",
         "InternalError", "InternalFailure", "RequestLimitExceeded"}
_SKEW = {"RequestExpired", "RequestTimeTooSkewed"}
_NOT_LINKED_TURK = {"AWS.AccountNotLinked"}  # seen: nodegame #132 (sandbox)
_PARAMETER = {"ParameterValidationError", "ValidationException", "ValidationError"}

# What to do, one sentence each. The doctor words its own checks; these serve everyone else.
_ADVICE = {
    Kind.NO_ANSWER: ("No answer came back (no network, or the service did not reply in time): "
                     "check your connection and try again in a minute. Nothing was decided."),
    Kind.BUSY: "AWS was busy, even after several tries: try again in a minute.",
    Kind.UNKNOWN_KEY: ("AWS does not know this access key id: copy it again from credentials.csv, "
                       "or make a new key (guide step 4 i–k); a key made in the last minute may "
                       "need a minute more."),
    Kind.WRONG_SECRET: ("The secret access key does not belong to this key id: copy it again "
                        "from the same credentials.csv (guide step 4 j–k)."),
    Kind.WRONG_REGION: ("The request was signed for another region: MTurk lives in us-east-1 "
                        "only (set region us-east-1 in your AWS profile or config)."),
    Kind.CLOCK_SKEW: ("This computer's clock is more than 5 minutes off: set the date and time "
                      "(and time zone) right, then try again."),
    Kind.DENIED: ("The IAM user has no permission for this: attach AmazonMechanicalTurkFullAccess "
                  "to it (guide step 4 f–h)."),
    Kind.DENIED_EXPLICIT: ("A policy of this IAM user explicitly denies it: remove that Deny "
                           "statement (AmazonMechanicalTurkFullAccess alone is enough; guide "
                           "step 4 f–h)."),
    Kind.DENIED_ORGANISATION: ("Your AWS organisation forbids it (a service control policy): ask "
                               "whoever runs your AWS organisation to allow mechanicalturk:*."),
    Kind.NOT_LINKED: ("This AWS account is not linked to the Requester account of this MTurk "
                      "site: link it on the Developer page (guide step 2; for the sandbox, "
                      "step 3). A link made minutes ago can take a few minutes to work."),
    Kind.ACCOUNT_REFUSED: ("MTurk refuses this Requester account itself, whatever the key: "
                           f"contact MTurk support ({MTURK_SUPPORT})."),
    Kind.INSUFFICIENT_FUNDS: ("The production account has no prepaid balance: buy Prepaid HITs "
                              f"at {PREPAID_HITS}, or stay in the "
                              "free sandbox."),
    Kind.INVALID_PARAMETER: "MTurk did not accept a value of the request.",
    Kind.REQUEST_REFUSED: "MTurk refused the request.",
    Kind.NOT_FOUND: "AWS has no such entity.",
    Kind.ALREADY_EXISTS: "It exists already.",
    Kind.LIMIT: "An AWS limit was reached.",
    Kind.LOCAL_CONFIG: ("The AWS profile or configuration on this computer is missing or "
                        "incomplete: set it up with `aws configure --profile NAME` (region "
                        "us-east-1), or load credentials.csv instead."),
    Kind.NOT_UNDERSTOOD: ("The kit does not know this answer: run the doctor (notebook 07), and "
                          "if it persists show this message to whoever helps you."),
}

OTHER_ENVIRONMENT = ("If it was made in the other environment (sandbox or production), ask that "
                     "one: HIT, assignment and worker ids do not cross between them.")

_STEPS = {
    Kind.UNKNOWN_KEY: "4 i–k", Kind.WRONG_SECRET: "4 j–k",
    Kind.DENIED: "4 f–h", Kind.DENIED_EXPLICIT: "4 f–h", Kind.NOT_LINKED: "2",
}


@dataclass(frozen=True)
class Meaning:
    """What an error means to a learner. Never holds a secret: only codes and AWS's text."""

    kind: Kind
    code: str
    turk_code: str | None = None
    message: str = ""
    operation: str | None = None

    @property
    def answered(self) -> bool:
        """Did the service give an answer about *this request*? Busy is not an answer."""
        return self.kind not in (Kind.NO_ANSWER, Kind.BUSY, Kind.NOT_UNDERSTOOD)

    @property
    def retry_may_help(self) -> bool:
        return self.kind in (Kind.NO_ANSWER, Kind.BUSY, Kind.UNKNOWN_KEY, Kind.NOT_LINKED)

    @property
    def by_mturk(self) -> bool:
        """MTurk itself answered: IAM had already let the call through (AWS authorizes a
        request before the service sees it), so the action is allowed."""
        return self.kind in (Kind.NOT_LINKED, Kind.ACCOUNT_REFUSED, Kind.INSUFFICIENT_FUNDS,
                             Kind.INVALID_PARAMETER, Kind.REQUEST_REFUSED)

    @property
    def setup_problem(self) -> bool:
        """An answer that means a step of the guide (or the machine's setup) is missing."""
        return self.kind in _STEPS or self.kind in (
            Kind.LOCAL_CONFIG, Kind.WRONG_REGION, Kind.CLOCK_SKEW, Kind.DENIED_ORGANISATION, Kind.ACCOUNT_REFUSED,
            Kind.INSUFFICIENT_FUNDS)

    @property
    def other_environment_likely(self) -> bool:
        """A HIT, assignment or worker MTurk does not know: most often made in the other
        environment (evidence §3: aws-sdk-java #2055, boto3 #2355, nosub #11, aws-cli #6116)."""
        message = self.message.lower()
        return (self.kind is Kind.REQUEST_REFUSED and "does not exist" in message
                and ("hit" in message or "assignment" in message)) or (
            self.kind is Kind.INVALID_PARAMETER and "parameter workerid" in message)

    @property
    def step(self) -> str | None:
        return _STEPS.get(self.kind)

    @property
    def evidence(self) -> str:
        return f"{self.code}, TurkErrorCode {self.turk_code}" if self.turk_code else self.code

    @property
    def advice(self) -> str:
        return _ADVICE[self.kind]

    def sentence(self) -> str:
        """One sentence for a learner: what AWS said, and what to do."""
        said = f"AWS answered {self.code}" + (f" ({self.turk_code})" if self.turk_code else "")
        if self.kind is Kind.NO_ANSWER:
            return f"{self.advice} ({self.code})"
        if self.kind is Kind.LOCAL_CONFIG:
            return f"{self.message.strip() or self.code}. {self.advice}"
        text = f"{said}: {self.message.strip()}" if self.message.strip() else said
        if self.other_environment_likely:
            return f"{text} {OTHER_ENVIRONMENT}"
        if self.kind in (Kind.INVALID_PARAMETER, Kind.REQUEST_REFUSED, Kind.NOT_FOUND,
                         Kind.ALREADY_EXISTS, Kind.LIMIT):
            return text
        return f"{text} {self.advice}"


def error_codes(exc: BaseException) -> tuple[str, str | None]:
    """(error code, TurkErrorCode) of a botocore error; the class name for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code") or type(exc).__name__
        return code, response.get("TurkErrorCode")
    return type(exc).__name__, None


def classify(exc: BaseException) -> Meaning:
    """What ``exc`` (a botocore ClientError, a BotoCoreError, or anything else) means."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    if isinstance(exc, ClientError):
        code, turk = error_codes(exc)
        message = str((exc.response.get("Error") or {}).get("Message") or "")
        operation = getattr(exc, "operation_name", None)
        return Meaning(_client_kind(code, turk, message, exc.response), code, turk, message,
                       operation)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, ProfileNotFound,
                        NoRegionError)):
        return Meaning(Kind.LOCAL_CONFIG, type(exc).__name__, message=str(exc))
    if isinstance(exc, BotoCoreError):
        # Connection refused or reset, DNS failure, timeouts, a reply cut off or unparseable:
        # nothing came back that says anything about the request.
        return Meaning(Kind.NO_ANSWER, type(exc).__name__, message=str(exc))
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ResponseParserError):
        # A reply cut off mid-way or not JSON (the legacy host, NRGI #1195). Its text holds
        # the reply itself after the first line (a new key's secret, for CreateAccessKey).
        return Meaning(Kind.NO_ANSWER, type(exc).__name__, message=str(exc).split("\n", 1)[0])
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return Meaning(Kind.NO_ANSWER, type(exc).__name__, message=str(exc))
    return Meaning(Kind.NOT_UNDERSTOOD, type(exc).__name__, message=str(exc))


def _client_kind(code: str, turk: str | None, message: str, response: dict) -> Kind:
    lower = message.lower()
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    if code in _BUSY or (isinstance(status, int) and status >= 500 and code not in _DENIED):
        return Kind.BUSY
    if code in _UNKNOWN_KEY:
        # AWS's front door also says "invalid" for a session token it does not accept.
        return Kind.UNKNOWN_KEY
    if code in _SKEW or "signature expired" in lower or "signature not yet current" in lower:
        return Kind.CLOCK_SKEW  # AWS's general wording; not yet seen from MTurk (evidence §2 #17)
    if code in _WRONG_SECRET:
        if "scoped to a valid region" in lower:
            return Kind.WRONG_REGION  # simple-amt #29
        return Kind.WRONG_SECRET
    if code in _DENIED:
        if "service control policy" in lower:
            return Kind.DENIED_ORGANISATION  # Mephisto #759
        if "explicit deny" in lower:
            return Kind.DENIED_EXPLICIT
        return Kind.DENIED
    if turk in _NOT_LINKED_TURK or (turk or "").endswith("NotLinked"):
        return Kind.NOT_LINKED
    if "not authorized to perform the requested operation" in lower:
        return Kind.ACCOUNT_REFUSED  # psiTurk #565 (RequestError; cause unknown)
    if "insufficient funds" in lower:
        return Kind.INSUFFICIENT_FUNDS  # Mephisto #342, nosub #3 (no TurkErrorCode seen)
    if code in _PARAMETER:
        return Kind.INVALID_PARAMETER
    if code == "RequestError":
        return Kind.REQUEST_REFUSED
    if code == "NoSuchEntity":
        return Kind.NOT_FOUND
    if code == "EntityAlreadyExists":
        return Kind.ALREADY_EXISTS
    if code == "LimitExceeded":
        return Kind.LIMIT
    return Kind.NOT_UNDERSTOOD
