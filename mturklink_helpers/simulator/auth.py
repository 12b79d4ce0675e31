"""Authentication like AWS: SigV4 checked against moto's IAM, policies by moto's engine.

The secret for an access key id is looked up in moto's IAM backends (every account);
the signature is recomputed with SigV4 exactly as botocore's SigV4Auth signs. The
caller's IAM policies (inline, attached, and those of its groups) are evaluated for ``mechanicalturk:<Action>`` with
moto's IAMPolicy. Evaluations are cached per (action, policy documents), so a changed
policy is seen on the very next call.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from . import exceptions as err
from .clock import Clock

PARTITION = "aws"
REGION, SERVICE = "us-east-1", "mturk-requester"
WINDOW = dt.timedelta(minutes=5)  # AWS's signature window
WINDOW_SECONDS = 300
_TIMESTAMP = "%Y%m%dT%H%M%SZ"


@functools.lru_cache(maxsize=8)  # a client signs many requests within one second
def _epoch_seconds(timestamp: str) -> int | None:
    """Seconds since the epoch of an X-Amz-Date (``20261201T215500Z``), None if it is not one."""
    if len(timestamp) != 16 or not timestamp.isascii():
        return None
    try:
        when = dt.datetime.strptime(timestamp, _TIMESTAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return int(when.timestamp())


@dataclass(frozen=True)
class Caller:
    account_id: str
    arn: str
    access_key_id: str


@dataclass
class _KeyEntry:
    account_id: str
    iam_backend: object
    key: object
    signer: tuple | None  # ((day, region, service), derived signing key)
    born: dt.datetime  # when the key was created, on the simulator clock


def _mark_used(key) -> None:
    """Record, as AWS does, that the key signed a request (``GetAccessKeyLastUsed`` reads it).
    moto records IAM's and STS's own requests; MTurk's pass through here. Marked once the
    signature is proven (the key was used), whether or not the policy then allows the call.
    ServiceName "mechanicalturk" is IAM's namespace for MTurk (AWS's own value not observed)."""
    from moto.core import utils as moto_utils
    from moto.iam.models import AccessKeyLastUsed

    key.last_used = AccessKeyLastUsed(timestamp=moto_utils.utcnow(), service="mechanicalturk",
                                      region=REGION)


def _split_authorization(value: str) -> tuple[str, str, str] | None:
    """(credential scope, signed headers, signature) from a SigV4 Authorization header."""
    if not value.startswith("AWS4-HMAC-SHA256 "):
        return None
    parts = {}
    for piece in value[len("AWS4-HMAC-SHA256 ") :].split(","):
        name, _, item = piece.strip().partition("=")
        parts[name] = item
    try:
        return parts["Credential"], parts["SignedHeaders"], parts["Signature"]
    except KeyError:
        return None


class Authenticator:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.propagation_delay = 0.0
        self._keys: dict[str, _KeyEntry] = {}
        self._decisions: dict[tuple, str] = {}

    def reset(self) -> None:
        self._keys.clear()
        self._decisions.clear()

    # --- the one entry point -----------------------------------------------------------

    def authenticate(self, method: str, url: str, headers, body: bytes, action: str) -> Caller:
        """Check signature and permission for ``mechanicalturk:<action>``; return the caller."""
        # ``headers``: lower-case names, str values
        authorization = headers.get("authorization")
        parsed = _split_authorization(authorization or "")
        if parsed is None:
            raise err.MissingAuthenticationTokenException()
        scope, signed_headers, signature = parsed
        key_id, _, rest = scope.partition("/")
        _, region, service, _ = (rest.split("/") + ["", "", "", ""])[:4]
        check_front_door(region, service, signed_headers, headers.get("x-amz-date"))
        if headers.get("x-amz-security-token"):
            raise err.UnrecognizedClientException()  # MTurk takes no temporary credentials
        entry = self._entry(key_id)
        user = entry.iam_backend.users.get(entry.key.user_name)
        if user is None:  # a deleted user's key: refused like an unknown one
            raise err.UnrecognizedClientException()
        if self.propagation_delay and (self.clock.now() - entry.born).total_seconds() < (
            self.propagation_delay
        ):
            raise err.UnrecognizedClientException()  # the new key has not propagated yet
        if not self._signature_ok(entry, method, url, headers, body, region, service,
                                  signed_headers, signature):
            raise err.InvalidSignatureException()
        _mark_used(entry.key)
        decision = self._permitted(entry.iam_backend, user, "mechanicalturk:" + action)
        if decision != "allowed":
            raise err.AccessDeniedException(user.arn, "mechanicalturk:" + action,
                                            explicit=decision == "explicit")
        return Caller(entry.account_id, user.arn, key_id)

    # --- keys ----------------------------------------------------------------------------

    def _entry(self, key_id: str) -> _KeyEntry:
        from moto.iam.models import iam_backends

        entry = self._keys.get(key_id)
        if entry is not None:
            # Still the same key in the same (not reset) IAM backend?
            accounts = iam_backends.get(entry.account_id)
            current = accounts.get(PARTITION) if accounts is not None else None
            if current is entry.iam_backend and current.access_keys.get(key_id) is entry.key:
                if entry.key.status == "Active" and entry.key.user_name:
                    return entry
                raise err.UnrecognizedClientException()
            del self._keys[key_id]
        for account_id, accounts in list(iam_backends.items()):
            backend = accounts.get(PARTITION) if hasattr(accounts, "get") else None
            key = backend.access_keys.get(key_id) if backend is not None else None
            if key is not None:
                if key.status != "Active" or not key.user_name:
                    raise err.UnrecognizedClientException()  # inactive, or a role's temp key
                entry = _KeyEntry(account_id, backend, key, None, self._born(key))
                self._keys[key_id] = entry
                return entry
        raise err.UnrecognizedClientException()

    def _born(self, key) -> dt.datetime:
        """Key creation time on the simulator clock: its real age, counted back from now."""
        created = key.create_date
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        real_age = dt.datetime.now(dt.UTC) - created
        return self.clock.now() - max(real_age, dt.timedelta(0))

    # --- signature ----------------------------------------------------------------------

    def _signature_ok(self, entry, method, url, headers, body, region, service,
                      signed_headers, signature) -> bool:
        """Recompute the SigV4 signature: botocore's algorithm (SigV4Auth), written out here
        so that the derived signing key can be cached per key, day, region and service."""
        timestamp = headers.get("x-amz-date")
        if not timestamp:
            return False
        names = signed_headers.split(";")
        try:
            parts = urlsplit(url)
        except ValueError:  # a Host header no URL can have, such as "["
            return False
        lines = []
        for name in sorted(names):
            value = headers.get(name)
            if value is None and name == "host":
                value = _host(parts)
            if value is None:
                return False
            lines.append(f"{name}:{' '.join(value.split())}")
        payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
        canonical = "\n".join([
            method.upper(),
            quote(parts.path or "/", safe="/~"),
            _canonical_query(parts.query),
            "\n".join(lines) + "\n",
            ";".join(sorted(names)),
            payload,
        ])
        day = timestamp[:8]
        scope = f"{day}/{region}/{service}/aws4_request"
        string_to_sign = "\n".join([
            "AWS4-HMAC-SHA256", timestamp, scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ])
        expected = hmac.new(self._signing_key(entry, day, region, service),
                            string_to_sign.encode(), hashlib.sha256).hexdigest()
        # compare_digest refuses non-ASCII text; such a signature is simply wrong
        return signature.isascii() and hmac.compare_digest(expected, signature)

    @staticmethod
    def _signing_key(entry, day: str, region: str, service: str) -> bytes:
        cache_key = (day, region, service)
        if entry.signer is None or entry.signer[0] != cache_key:
            key = ("AWS4" + entry.key.secret_access_key).encode()
            for part in (day, region, service, "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            entry.signer = (cache_key, key)
        return entry.signer[1]

    # --- policies ----------------------------------------------------------------------

    def _permitted(self, iam_backend, user, action: str) -> str:
        documents = self._documents(iam_backend, user)
        cache_key = (action, documents)
        decision = self._decisions.get(cache_key)
        if decision is None:
            decision = self._decisions[cache_key] = _evaluate(documents, action)
        return decision

    @staticmethod
    def _documents(iam_backend, user) -> tuple[str, ...]:
        docs = list(user.policies.values())
        docs += [_default_document(p) for p in user.managed_policies.values()]
        for group in iam_backend.groups.values():
            if user in group.users:
                docs += group.policies.values()
                docs += [_default_document(p) for p in group.managed_policies.values()]
        return tuple(d if isinstance(d, str) else repr(d) for d in docs)


def _host(parts) -> str:
    """The Host header botocore signs when the request has none (port only if unusual)."""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for piece in query.split("&"):
        name, _, value = piece.partition("=")
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _default_document(policy) -> str:
    for version in policy.versions:
        if version.is_default:
            return version.document
    return '{"Statement": []}'


def _evaluate(documents: tuple[str, ...], action: str) -> str:
    """moto's rule: any explicit Deny wins; otherwise some Allow is needed. Answers
    "allowed", "explicit" (an explicit Deny) or "implicit" (no Allow): moto's engine tells
    them apart (PermissionResult.DENIED vs NEUTRAL)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    permitted = False
    for document in documents:
        result = IAMPolicy(document).is_action_permitted(action)
        if result == PermissionResult.DENIED:
            return "explicit"
        if result == PermissionResult.PERMITTED:
            permitted = True
    return "allowed" if permitted else "implicit"


def check_front_door(region: str, service: str, signed_headers: str,
                     timestamp: str | None, now: dt.datetime | None = None) -> None:
    """What AWS's front door checks before any key is looked up: the credential scope
    (us-east-1, mturk-requester; simple-amt #29 for the region text), host and x-amz-date
    signed, and the request time within five minutes of now (AWS's general wording, seen on
    other JSON 1.1 services, not yet from MTurk). ``now`` is real time: clients sign with
    their real clock, whatever the simulator clock says."""
    if region != REGION:
        raise err.InvalidSignatureException(
            f"Credential should be scoped to a valid region, not '{region}'. ")
    if service != SERVICE:
        raise err.InvalidSignatureException(
            f"Credential should be scoped to correct service: '{SERVICE}'. ")
    names = signed_headers.lower().split(";")
    if "host" not in names:
        raise err.InvalidSignatureException(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if not timestamp:
        raise err.IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header.")
    if "x-amz-date" not in names:
        raise err.InvalidSignatureException(
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
    seconds = _epoch_seconds(timestamp)
    if seconds is None:
        raise err.IncompleteSignatureException(
            f"Date must be in ISO-8601 'basic format'. Got '{timestamp}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601")
    current = int(now.timestamp()) if now is not None else int(time.time())
    if abs(seconds - current) <= WINDOW_SECONDS:
        return
    when = dt.datetime.fromtimestamp(seconds, dt.UTC)
    now = dt.datetime.fromtimestamp(current, dt.UTC)
    stamp = now.strftime(_TIMESTAMP)
    if when < now - WINDOW:
        raise err.InvalidSignatureException(
            f"Signature expired: {timestamp} is now earlier than "
            f"{(now - WINDOW).strftime(_TIMESTAMP)} ({stamp} - 5 min.)")
    if when > now + WINDOW:
        raise err.InvalidSignatureException(
            f"Signature not yet current: {timestamp} is still later than "
            f"{(now + WINDOW).strftime(_TIMESTAMP)} ({stamp} + 5 min.)")
