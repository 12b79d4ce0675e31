"""The one way the kit builds an AWS client (MTurk, IAM, STS), and where each service lives.

Live mode asks AWS's real endpoints; demo mode asks the learner's world (a local server
that answers MTurk under ``/sandbox`` and ``/production`` and IAM and STS at its root).
Only :class:`Endpoints` differs between the two: the clients, their retries and timeouts
(:mod:`.retry`) are the same. ``boto3.client("mturk")`` with no endpoint would talk to
production, so every MTurk client names its endpoint explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .endpoints import REGION, Environment
from .retry import MAX_ATTEMPTS, client_config

if TYPE_CHECKING:
    import boto3

    from .credentials import AccessKey


@dataclass(frozen=True)
class Endpoints:
    """Where MTurk, IAM and STS are. ``root`` None: AWS itself; else a local server's URL."""

    root: str | None = None

    @classmethod
    def of(cls, value: Endpoints | str | None) -> Endpoints:
        """An Endpoints from itself, None (AWS), or a server URL (its /sandbox form too)."""
        if isinstance(value, Endpoints):
            return value
        if not value:
            return AWS
        root = str(value).rstrip("/")
        for suffix in ("/sandbox", "/production"):
            if root.endswith(suffix):
                root = root[: -len(suffix)]
        return cls(root)

    @property
    def is_aws(self) -> bool:
        return self.root is None

    def mturk(self, environment: Environment | str) -> str:
        environment = Environment.parse(environment)
        return f"{self.root}/{environment.value}" if self.root else environment.endpoint

    def aws(self) -> str | None:
        """IAM's and STS's endpoint_url (None: boto3's own, AWS's)."""
        return self.root

    def preview_url(self, environment: Environment | str, hit_id: str, hit_type_id: str) -> str:
        """Where a worker sees a HIT: MTurk's worker site (its HIT group) on AWS; on a local
        server (the demo world), that server's own worker site, at the address the learner's
        browser reaches (through Jupyter's proxy where there is one: :mod:`.notebook_server`)."""
        environment = Environment.parse(environment)
        if self.is_aws:
            return environment.preview_url(hit_type_id)
        from urllib.parse import urlencode, urlparse

        from .notebook_server import browser_url

        site = urlparse(environment.worker_site).netloc  # the path names the site it plays
        return browser_url(f"{self.root}/{site}/mturk/preview?{urlencode({'hitId': hit_id})}")

    def manage_url(self, environment: Environment | str, hit_id: str) -> str | None:
        """The requester's own page of a HIT: on AWS, MTurk's requester site; a local server
        (the demo world) has none, and the real site would not know the HIT."""
        return Environment.parse(environment).manage_url(hit_id) if self.is_aws else None

    @classmethod
    def of_client(cls, made) -> Endpoints:
        """Where a boto3 client's requests go (AWS when it names one of MTurk's endpoints)."""
        url = str(made.meta.endpoint_url).rstrip("/")
        return AWS if url in {e.endpoint for e in Environment} else cls.of(url)

    def __str__(self) -> str:
        return self.root or "AWS"


AWS = Endpoints()


def as_session(credentials: AccessKey | boto3.Session | str) -> boto3.Session:
    """A boto3 Session from an AccessKey, a Session, or the name of a profile."""
    import boto3

    if isinstance(credentials, boto3.Session):
        return credentials
    if isinstance(credentials, str):
        return boto3.Session(profile_name=credentials, region_name=REGION)
    return credentials.session()


def client(credentials, service: str, endpoints: Endpoints | str | None = None,
           environment: Environment | str = Environment.SANDBOX, *,
           max_attempts: int = MAX_ATTEMPTS):
    """A boto3 client for ``service`` ("mturk", "iam", "sts") in us-east-1.

    ``credentials``: an AccessKey, a boto3 Session or a profile name. ``environment``
    matters for MTurk only and defaults to the sandbox.
    """
    endpoints = Endpoints.of(endpoints)
    url = endpoints.mturk(environment) if service == "mturk" else endpoints.aws()
    made = as_session(credentials).client(service, region_name=REGION, endpoint_url=url,
                                          config=client_config(max_attempts))
    made.meta.events.register("before-parse", _refuse_cut_off_answers)
    return made


def _refuse_cut_off_answers(response_dict=None, **_kwargs) -> None:
    """An answer cut off mid-way is no answer: botocore reads answers without checking their
    length (urllib3's ``enforce_content_length=False``), so half an answer reaches its parser,
    which raises a bare ``ResponseParserError`` (no BotoCoreError) holding the half answer, a
    new key's secret among it for CreateAccessKey. Said here as what it is, a BotoCoreError
    (:mod:`.errors`: no answer) that holds only two numbers."""
    if not response_dict:
        return
    body = response_dict.get("body")
    expected = (response_dict.get("headers") or {}).get("content-length")
    if expected is None or not isinstance(body, bytes | bytearray):
        return
    try:
        expected = int(expected)
    except ValueError:
        return
    if len(body) < expected:
        from botocore.exceptions import IncompleteReadError

        raise IncompleteReadError(actual_bytes=len(body), expected_bytes=expected)


def mturk_client(credentials, environment: Environment | str = Environment.SANDBOX,
                 endpoints: Endpoints | str | None = None, *, max_attempts: int = MAX_ATTEMPTS):
    """An MTurk client: sandbox unless production is named."""
    return client(credentials, "mturk", endpoints, environment, max_attempts=max_attempts)
