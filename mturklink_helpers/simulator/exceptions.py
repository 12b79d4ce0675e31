"""One class per error the simulator answers with, as MTurk and AWS word them.

The wording comes from shared/reference/mturk-evidence.md (real answers collected from
public logs and issues) and mturk-facts.md; where neither has a verbatim source, the class
or function says *unverified* in its docstring (docs/simulator.md, "what we know and what
we assume", lists them with their grades).
"""

from __future__ import annotations

import json


class MTurkError(Exception):
    """An error answered as a JSON 1.1 body: {"__type", "Message", "TurkErrorCode"}."""

    code = "InternalFailure"
    status = 400
    turk_error_code: str | None = None

    def __init__(self, message: str, turk_error_code: str | None = None):
        super().__init__(message)
        self.message = message
        if turk_error_code is not None:
            self.turk_error_code = turk_error_code

    def body(self) -> dict:
        body = {"__type": self.code, "Message": self.message}
        if self.turk_error_code:
            body["TurkErrorCode"] = self.turk_error_code
        return body

    def to_json(self) -> bytes:
        return json.dumps(self.body()).encode()


class RequestError(MTurkError):
    """MTurk's modelled client error; branch on TurkErrorCode, not on the message."""

    code = "RequestError"


class ParameterValidationError(MTurkError):
    """MTurk's third error type (not in botocore's model: boto3 raises a plain ClientError).

    Seen raw in boto3 #2108 (sandbox, UpdateQualificationType Test): HTTP 400,
    ``{"__type", "Message", "Parameter", "TurkErrorCode": "AWS.MechanicalTurk.InvalidParameterValue"}``.
    """

    code = "ParameterValidationError"
    turk_error_code = "AWS.MechanicalTurk.InvalidParameterValue"

    def __init__(self, message: str, parameter: str):
        super().__init__(message)
        self.parameter = parameter

    def body(self) -> dict:
        return {"__type": self.code, "Message": self.message, "Parameter": self.parameter,
                "TurkErrorCode": self.turk_error_code}


class ServiceFault(MTurkError):
    code = "ServiceFault"
    status = 500
    turk_error_code = "AWS.MechanicalTurk.ServiceFault"  # unverified

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Amazon Mechanical Turk is temporarily unable to process your request. "
            "Try your call again."
        )


class UnrecognizedClientException(MTurkError):
    code = "UnrecognizedClientException"

    def __init__(self):
        super().__init__("The security token included in the request is invalid.")


class InvalidSignatureException(MTurkError):
    """The wrong-secret text is AWS's general one (*unverified* for MTurk); the others:
    region scope seen from MTurk (simple-amt #29), the clock-window texts are AWS's general
    ones seen on other JSON 1.1 services (grade E)."""

    code = "InvalidSignatureException"

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )


class IncompleteSignatureException(MTurkError):
    """AWS's general wording (*unverified* for MTurk)."""

    code = "IncompleteSignatureException"


class MissingAuthenticationTokenException(MTurkError):
    code = "MissingAuthenticationTokenException"
    status = 403

    def __init__(self):
        super().__init__("Missing Authentication Token")


class AccessDeniedException(MTurkError):
    """With AWS's reason suffix: MTurk is seen writing one (``with an explicit deny in a
    service control policy``, Mephisto #759); the identity-based wordings are AWS's current
    ones (grade E)."""

    code = "AccessDeniedException"

    def __init__(self, user_arn: str, action: str, explicit: bool = False):
        reason = ("with an explicit deny in an identity-based policy" if explicit
                  else f"because no identity-based policy allows the {action} action")
        super().__init__(f"User: {user_arn} is not authorized to perform: {action} {reason}")


class ThrottlingException(MTurkError):
    code = "ThrottlingException"

    def __init__(self):
        super().__init__("Rate exceeded")


class ValidationException(MTurkError):
    """A request that does not fit botocore's service model (AWS's front-door check)."""

    code = "ValidationException"


class UnknownOperationException(MTurkError):
    code = "UnknownOperationException"

    def __init__(self, target: str):
        super().__init__(f"Unknown operation {target!r}")


# --- RequestError texts -----------------------------------------------------------------


def marker(now_ms: int, environment: str = "sandbox") -> str:
    """The request marker MTurk appends to its messages: `` (<millis> s)`` in the sandbox,
    `` (<millis>)`` in production (every case whose environment is known, evidence §1)."""
    return f" ({now_ms} s)" if environment == "sandbox" else f" ({now_ms})"


def account_not_linked(developer_page: str) -> RequestError:
    """TurkErrorCode *unverified*; production wording *unverified*."""
    return RequestError(
        "To use the MTurk API, you will need an Amazon Web Services (AWS) Account. "
        "Your AWS account must be linked to your Amazon Mechanical Turk Account. "
        f"Visit {developer_page} to get started.",
        "AWS.AccountNotLinked",
    )


def insufficient_funds() -> RequestError:
    return RequestError(
        "This Requester has insufficient funds in their account to complete this "
        "transaction. Please visit https://requester.mturk.com/prepayments/new to purchase "
        "Prepaid HITs.",
        "AWS.MechanicalTurk.InsufficientFunds",  # code unverified
    )


def not_valid(value, parameter: str, mark: str) -> ParameterValidationError:
    """``The value "…" is not valid for the parameter X.`` (boto3 #2108, aws-sdk-java #2055)."""
    return ParameterValidationError(
        f'The value "{value}" is not valid for the parameter {parameter}.{mark}', parameter)


def out_of_range(value: int, parameter: str, low: int, high: int,
                 mark: str) -> ParameterValidationError:
    """The range form (aws-sdk-ruby #2065, ExpirationIncrementInSeconds)."""
    return ParameterValidationError(
        f"The value {value} is invalid for {parameter}. "
        f"Valid values range from {low} to {high}.{mark}", parameter)


def already_processed(token: str, mark: str, code: str | None = None) -> RequestError:
    """The one real idempotency text (Dallinger #3109); the TurkErrorCode is *unverified*."""
    return RequestError(f'The idempotency token "{token}" has already been processed.{mark}',
                        code or "AWS.MechanicalTurk.DuplicateRequest")


def does_not_exist(kind: str, ident: str, code: str, mark: str) -> RequestError:
    return RequestError(f"{kind} {ident} does not exist.{mark}", code)


def wrong_state(state: str | None, allowed: str, mark: str) -> RequestError:
    """DeleteHIT's text is verbatim (two spaces included); others follow its pattern."""
    prefix = f"This HIT is currently in the state '{state}'.  " if state else ""
    return RequestError(
        f"{prefix}This operation can be called with a status of: {allowed}{mark}",
        "AWS.MechanicalTurk.InvalidHITState" if state else "AWS.MechanicalTurk.InvalidAssignmentState",
    )


class WorkerRefusal(ValueError):
    """What MTurk's worker website tells a worker it turns away (not an API error): the demo's
    worker site shows it as a page with ``status`` (404 unknown, 409 taken or done, 410 gone,
    403 not for you, 400 a form MTurk cannot take)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status
