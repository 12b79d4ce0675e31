"""One class per error the simulator answers with, as MTurk and AWS word them.

The wording comes from shared/reference/mturk-facts.md; where the facts file marks a
text or a TurkErrorCode *unverified*, the class says so in its docstring.
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
    code = "InvalidSignatureException"

    def __init__(self):
        super().__init__(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )


class MissingAuthenticationTokenException(MTurkError):
    code = "MissingAuthenticationTokenException"
    status = 403

    def __init__(self):
        super().__init__("Missing Authentication Token")


class AccessDeniedException(MTurkError):
    """Plain wording is *unverified* (the facts file saw only the SCP variant)."""

    code = "AccessDeniedException"

    def __init__(self, user_arn: str, action: str):
        super().__init__(f"User: {user_arn} is not authorized to perform: {action}")


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


def marker(now_ms: int) -> str:
    """The request marker MTurk appends to many RequestError messages."""
    return f" ({now_ms} s)"


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


def invalid_parameter(message: str, now_ms: int) -> RequestError:
    return RequestError(message + marker(now_ms), "AWS.ParameterOutOfRange")


def does_not_exist(kind: str, ident: str, code: str, now_ms: int) -> RequestError:
    return RequestError(f"{kind} {ident} does not exist.{marker(now_ms)}", code)


def wrong_state(state: str | None, allowed: str, now_ms: int) -> RequestError:
    """DeleteHIT's text is verbatim (two spaces included); others follow its pattern."""
    prefix = f"This HIT is currently in the state '{state}'.  " if state else ""
    return RequestError(
        f"{prefix}This operation can be called with a status of: {allowed}{marker(now_ms)}",
        "AWS.MechanicalTurk.InvalidHITState" if state else "AWS.MechanicalTurk.InvalidAssignmentState",
    )
