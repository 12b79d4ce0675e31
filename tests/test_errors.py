"""The error classifier against the real service's answers (shared/reference/mturk-recorded.json).

Raw bodies go through botocore's own JSON 1.1 error parser, as they would in a client; SDK
renderings ("An error occurred (Code) when calling the Op operation: Message") give code and
message. Each case names its source.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from mturklink_helpers.errors import Kind, classify

RECORDED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "mturk-recorded.json"
EXCHANGES = json.loads(RECORDED.read_text(encoding="utf-8"))


def _parsed(status: int, body: dict, operation: str = "GetAccountBalance") -> ClientError:
    """A ClientError as botocore builds it from an MTurk reply's bytes."""
    import botocore.session
    from botocore.parsers import create_parser

    model = botocore.session.get_session().get_service_model("mturk")
    parser = create_parser("json")
    reply = {"status_code": status, "headers": {}, "body": json.dumps(body).encode()}
    parsed = parser.parse(reply, model.operation_model(operation).output_shape)
    # As botocore.endpoint does: a modelled error's members (TurkErrorCode) join the dict.
    error_shape = model.shape_for_error_code(parsed["Error"]["Code"])
    if error_shape is not None:
        parsed.update(parser.parse(reply, error_shape))
    return ClientError(parsed, operation)


def _rendered(text: str, status: int | None = None) -> ClientError:
    found = re.search(r"An error occurred \((\w+)\) when calling the (\w+) operation[^:]*: (.*)",
                      text, re.S)
    js = re.match(r"Error \[(\w+)\]: (.*)", text, re.S)  # the JavaScript SDK's form
    if found is None and js:
        return ClientError({"Error": {"Code": js.group(1), "Message": js.group(2)}}, "Unknown")
    if found is None:  # the Java and Ruby SDKs render differently
        code = re.search(r"Error Code: (\w+)|Errors::(\w+)", text)
        message = re.sub(r"^.*?(The value)", r"\1", text, flags=re.S)
        return ClientError({"Error": {"Code": code.group(1) or code.group(2), "Message": message}},
                           "Unknown")
    code, operation, message = found.groups()
    meta = {"ResponseMetadata": {"HTTPStatusCode": status}} if status else {}
    return ClientError({"Error": {"Code": code, "Message": message}, **meta}, operation)


# (index in mturk-recorded.json, expected kind, the step or None)
RECORDED_CASES = [
    (0, Kind.REQUEST_REFUSED, None),  # NRGI #1384: status of: Submitted
    (1, Kind.REQUEST_REFUSED, None),  # NRGI #1384: Hit … does not exist
    (5, Kind.NOT_LINKED, "2"),  # nodegame #132: AWS.AccountNotLinked (sandbox)
    (6, Kind.REQUEST_REFUSED, None),  # Dallinger #3331: QualificationDoesNotExist
    (7, Kind.REQUEST_REFUSED, None),  # Dallinger #3331: QualificationTypeAlreadyExists
    (8, Kind.REQUEST_REFUSED, None),  # aws-cli #6116
    (12, Kind.REQUEST_REFUSED, None),  # Dallinger #3109: idempotency token
    (14, Kind.INVALID_PARAMETER, None),  # Dallinger #1052: ValidationException
    (17, Kind.INVALID_PARAMETER, None),  # aws-sdk-java #2055: ParameterValidationError
    (18, Kind.INVALID_PARAMETER, None),  # aws-sdk-ruby #2065: range form
    (19, Kind.WRONG_REGION, None),  # simple-amt #29
    (20, Kind.UNKNOWN_KEY, "4 i–k"),  # psiTurk #355
    (21, Kind.DENIED_ORGANISATION, None),  # Mephisto #759: service control policy
    (22, Kind.BUSY, None),  # amti #12: Rate exceeded
    (23, Kind.INSUFFICIENT_FUNDS, None),  # Mephisto #342
    (24, Kind.ACCOUNT_REFUSED, None),  # psiTurk #565
]


def _exchange_error(index: int) -> ClientError:
    response = EXCHANGES[index]["response"]
    body = response.get("body")
    if isinstance(body, dict):
        return _parsed(EXCHANGES[index].get("status") or 400, body)
    reconstructed = response.get("body_reconstructed_from_tool_format")
    if isinstance(reconstructed, dict):
        return _parsed(400, {k: v for k, v in reconstructed.items() if k != "Message"}
                       | {"Message": reconstructed.get("Message", "")})
    raw = response.get("body_as_logged")
    if isinstance(raw, str) and raw.startswith("b'{"):
        return _parsed(400, json.loads(raw[2:-1].replace("\\'", "'")))
    return _rendered(response["sdk_rendered"], EXCHANGES[index].get("status"))


@pytest.mark.parametrize(("index", "kind", "step"), RECORDED_CASES,
                         ids=[f"{i}-{EXCHANGES[i]['source'].split()[0].split('/')[-1]}"
                              for i, _k, _s in RECORDED_CASES])
def test_real_answers_are_classified(index, kind, step):
    meaning = classify(_exchange_error(index))
    assert meaning.kind is kind, (EXCHANGES[index]["source"], meaning)
    assert meaning.step == step
    assert meaning.answered is (kind is not Kind.BUSY)


def test_parameter_validation_error_is_mturk_answering_after_iam():
    """boto3 #2108 (sandbox, raw body): MTurk's third error type means IAM let it through.
    botocore's model does not know the type, so its TurkErrorCode stays in the raw body."""
    meaning = classify(_parsed(400, {
        "__type": "ParameterValidationError", "Parameter": "Test",
        "Message": 'The value "<QuestionForm/>" is not valid for the parameter Test. (1567545210650 s)',
        "TurkErrorCode": "AWS.MechanicalTurk.InvalidParameterValue"}, "UpdateQualificationType"))
    assert meaning.code == "ParameterValidationError"
    assert meaning.turk_code is None
    assert meaning.by_mturk and meaning.answered and not meaning.setup_problem


@pytest.mark.parametrize("message, kind", [
    ("User: arn:aws:iam::123456789012:user/u is not authorized to perform: mechanicalturk:CreateHIT "
     "because no identity-based policy allows the mechanicalturk:CreateHIT action", Kind.DENIED),
    ("User: arn:aws:iam::123456789012:user/u is not authorized to perform: mechanicalturk:CreateHIT "
     "with an explicit deny in an identity-based policy", Kind.DENIED_EXPLICIT),
])
def test_access_denied_reasons(message, kind):
    """AWS's reason suffixes (evidence §2 #18; Mephisto #759 for the SCP form)."""
    meaning = classify(ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}},
                                   "CreateHIT"))
    assert meaning.kind is kind and meaning.step == "4 f–h"


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com"),
    ConnectTimeoutError(endpoint_url="https://sts.amazonaws.com"),
    ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    ResponseParserError("cut off"),
    ConnectionResetError("reset"),
], ids=lambda e: type(e).__name__)
def test_no_answer_is_never_a_verdict(exc):
    meaning = classify(exc)
    assert meaning.kind is Kind.NO_ANSWER
    assert not meaning.answered and meaning.retry_may_help and not meaning.setup_problem
    assert meaning.step is None
    assert "Nothing was decided" in meaning.sentence()


def test_an_answer_the_kit_does_not_know_is_not_understood():
    """boto3 #1041: a 505 from a proxy in between."""
    meaning = classify(_exchange_error(25))
    assert meaning.kind is Kind.BUSY  # a 5xx: nothing about the setup
    odd = classify(ClientError({"Error": {"Code": "SomethingNew", "Message": "?"},
                                "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetAccountBalance"))
    assert odd.kind is Kind.NOT_UNDERSTOOD and not odd.answered


def test_a_missing_profile_is_local_configuration():
    meaning = classify(ProfileNotFound(profile="nobody"))
    assert meaning.kind is Kind.LOCAL_CONFIG and meaning.setup_problem
    assert "aws configure" in meaning.sentence()


@pytest.mark.parametrize("index", [1, 8, 9, 17])
def test_an_object_of_the_other_environment_says_so(index):
    """Evidence §3, "sandbox vs production mix-up": Hit … does not exist (NRGI #1384, aws-cli
    #6116, nosub #11) and a worker id of the other environment (aws-sdk-java #2055)."""
    assert "other environment" in classify(_exchange_error(index)).sentence()


def test_an_assignment_in_the_wrong_state_is_not_blamed_on_the_environment():
    assert "other environment" not in classify(_exchange_error(0)).sentence()  # NRGI #1384

