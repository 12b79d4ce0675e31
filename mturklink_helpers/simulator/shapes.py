"""botocore's own mturk service model: check requests against it, answer in its shapes.

Both walks are compiled once per shape and cached, so a request pays only for the
members it actually carries.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from .exceptions import ValidationException

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
# The timestamps a datetime can hold (years 1 to 9999), in seconds since the epoch.
_FIRST_SECOND, _LAST_SECOND = -62135596800, 253402300799


@functools.cache
def service_model():
    import botocore.session

    return botocore.session.get_session().get_service_model("mturk")


@functools.cache
def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


@functools.cache
def operation(name: str):
    return service_model().operation_model(name)


def validate_input(op_name: str, params: object) -> None:
    """Raise ValidationException when ``params`` does not fit the operation's input shape.

    Type errors (what no SDK can send) are answered at once; the model's constraints
    (required, enum, pattern, length, range) are collected and answered as AWS words them:
    ``N validation error(s) detected: Value '0.9752' at 'bonusAmount' failed to satisfy
    constraint: Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$``
    (Dallinger #1052, boto3 #1222), with lower-camel member paths (list items as
    ``name.1.member``, AWS's form; not seen from MTurk).
    """
    shape = operation(op_name).input_shape
    if shape is None:
        return
    errors: list[str] = []
    _check(shape, params, "", errors)
    if errors:
        count = len(errors)
        raise ValidationException(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors))


def _violation(value, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: Member must {constraint}"


def _check(shape, value, path: str, errors: list[str]) -> None:
    kind = shape.type_name
    where = path or "the request"
    if kind == "structure":
        if not isinstance(value, dict):
            raise ValidationException(f"{where} must be an object")
        members = shape.members
        for name in _required(shape):
            if value.get(name) is None:
                errors.append(_violation(None, _join(path, name), "not be null"))
        for name, item in value.items():
            member = members.get(name)
            if member is None:
                raise ValidationException(f"Unknown parameter '{_join(path, name)}'")
            if item is not None:
                _check(member, item, _join(path, name), errors)
    elif kind == "list":
        if not isinstance(value, list):
            raise ValidationException(f"{where} must be a list")
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}.{i + 1}.member", errors)
    elif kind == "string":
        if not isinstance(value, str):
            raise ValidationException(f"{where} must be a string")
        if not value.isascii() and _has_lone_surrogate(value):  # JSON allows "\ud800"
            raise ValidationException(f"{where} must be Unicode text (it holds a lone surrogate)")
        enum = shape.enum
        if enum and value not in enum:
            errors.append(_violation(value, path,
                                     f"satisfy enum value set: [{', '.join(enum)}]"))
        low, high, pattern = _constraints(shape)
        if low is not None and len(value) < low:
            errors.append(_violation(value, path, f"have length greater than or equal to {low}"))
        elif high is not None and len(value) > high:
            errors.append(_violation(value, path, f"have length less than or equal to {high}"))
        if pattern is not None and not pattern.search(value):
            errors.append(_violation(value, path, "satisfy regular expression pattern: "
                                     + shape.metadata["pattern"]))
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationException(f"{where} must be an integer")
        low, high, _ = _constraints(shape)
        if low is not None and value < low:
            errors.append(_violation(value, path, f"have value greater than or equal to {low}"))
        elif high is not None and value > high:
            errors.append(_violation(value, path, f"have value less than or equal to {high}"))
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationException(f"{where} must be true or false")
    elif kind == "timestamp":
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not _FIRST_SECOND <= value <= _LAST_SECOND):  # NaN fails this too
            raise ValidationException(f"{where} must be a timestamp (seconds since the epoch)")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


@functools.cache
def _required(shape) -> tuple[str, ...]:
    return tuple(shape.required_members)


@functools.cache
def _constraints(shape) -> tuple[int | None, int | None, re.Pattern | None]:
    metadata = shape.metadata
    pattern = metadata.get("pattern")
    # Java's regex find() semantics for the model's ^…$ patterns: \Z, not $ (no newline)
    compiled = re.compile(pattern.replace("$", r"\Z")) if pattern else None
    return metadata.get("min"), metadata.get("max"), compiled


def _join(path: str, name: str) -> str:
    """AWS's member path: lower camel case (``bonusAmount``, ``requesterFeedback``)."""
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name


def output(op_name: str, data: dict) -> dict:
    """Keep only what the operation's output shape has; timestamps as epoch seconds."""
    shape = operation(op_name).output_shape
    if shape is None:
        return {}
    return _shape(shape, data)


def _shape(shape, value):
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {
            name: _shape(members[name], item)
            for name, item in value.items()
            if item is not None and name in members
        }
    if kind == "list":
        return [_shape(shape.member, item) for item in value]
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, dt.datetime) else value
    return value


def parse_timestamp(value: float | int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC)
