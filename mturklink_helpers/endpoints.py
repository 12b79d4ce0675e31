"""Sandbox and production: MTurk's two environments and their real addresses.

Production is used only when asked for by name; clients are built in :mod:`.clients`.
"""

from __future__ import annotations

import enum

REGION = "us-east-1"  # MTurk exists in us-east-1 only


class Environment(enum.Enum):
    """Where MTurk requests go. Sandbox is free; production spends real money."""

    SANDBOX = "sandbox"
    PRODUCTION = "production"

    @classmethod
    def parse(cls, value: Environment | str) -> Environment:
        """Accept an Environment or its name ("sandbox", "production"), nothing vaguer."""
        if isinstance(value, Environment):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown MTurk environment {value!r}: use 'sandbox' or 'production'"
            ) from None

    @property
    def is_sandbox(self) -> bool:
        return self is Environment.SANDBOX

    @property
    def endpoint(self) -> str:
        """The Requester API endpoint (boto3's endpoint_url)."""
        return {
            Environment.SANDBOX: "https://mturk-requester-sandbox.us-east-1.amazonaws.com",
            Environment.PRODUCTION: "https://mturk-requester.us-east-1.amazonaws.com",
        }[self]

    @property
    def requester_site(self) -> str:
        return {
            Environment.SANDBOX: "https://requestersandbox.mturk.com",
            Environment.PRODUCTION: "https://requester.mturk.com",
        }[self]

    @property
    def worker_site(self) -> str:
        return {
            Environment.SANDBOX: "https://workersandbox.mturk.com",
            Environment.PRODUCTION: "https://www.mturk.com",
        }[self]

    @property
    def developer_page(self) -> str:
        """Where the AWS account is linked to the Requester account (guide steps 2 and 3)."""
        return self.requester_site + "/developer"

    @property
    def external_submit_url(self) -> str:
        """Where an HTMLQuestion form posts its answers."""
        return self.worker_site + "/mturk/externalSubmit"

    def preview_url(self, hit_type_id: str) -> str:
        """The page a worker sees for a HIT type (a HIT group)."""
        return f"{self.worker_site}/mturk/preview?groupId={hit_type_id}"

    def manage_url(self, hit_id: str | None = None) -> str:
        """The requester's page for managing HITs (one HIT's results when given)."""
        if hit_id:
            return f"{self.requester_site}/mturk/manageHIT?HITId={hit_id}"
        return f"{self.requester_site}/manage"

    @classmethod
    def from_endpoint(cls, endpoint_url: str) -> Environment:
        """Tell which environment a client talks to from its endpoint URL."""
        return cls.SANDBOX if "sandbox" in endpoint_url.lower() else cls.PRODUCTION
