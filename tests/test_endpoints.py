"""Sandbox unless production is named; every client has an explicit endpoint."""

from __future__ import annotations

import boto3
import pytest

from mturklink_helpers.clients import Endpoints, client, mturk_client
from mturklink_helpers.credentials import AccessKey
from mturklink_helpers.endpoints import Environment
from mturklink_helpers.retry import MAX_ATTEMPTS

KEY = AccessKey("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def test_sandbox_is_the_default():
    client = mturk_client(KEY)
    assert client.meta.endpoint_url == "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.retries["total_max_attempts"] == MAX_ATTEMPTS


def test_production_only_by_name():
    client = mturk_client(KEY, "production")
    assert client.meta.endpoint_url == "https://mturk-requester.us-east-1.amazonaws.com"
    with pytest.raises(ValueError, match="use 'sandbox' or 'production'"):
        mturk_client(KEY, "live")


def test_endpoint_override_and_sessions():
    session = boto3.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x" * 40)
    mturk = mturk_client(session, Environment.SANDBOX, "http://127.0.0.1:5000/sandbox")
    assert mturk.meta.endpoint_url == "http://127.0.0.1:5000/sandbox"
    assert mturk_client(session, "production", "http://127.0.0.1:5000").meta.endpoint_url == \
        "http://127.0.0.1:5000/production"


def test_iam_and_sts_go_to_aws_or_to_the_world_root():
    assert client(KEY, "sts").meta.endpoint_url == "https://sts.us-east-1.amazonaws.com"
    assert client(KEY, "iam", "http://127.0.0.1:5000/sandbox").meta.endpoint_url == \
        "http://127.0.0.1:5000"
    assert Endpoints.of(None).is_aws and str(Endpoints.of("http://h:1/")) == "http://h:1"


def test_urls_per_environment():
    sandbox, production = Environment.SANDBOX, Environment.PRODUCTION
    assert sandbox.preview_url("3ABC") == "https://workersandbox.mturk.com/mturk/preview?groupId=3ABC"
    assert production.preview_url("3ABC") == "https://www.mturk.com/mturk/preview?groupId=3ABC"
    assert sandbox.developer_page == "https://requestersandbox.mturk.com/developer"
    assert production.developer_page == "https://requester.mturk.com/developer"
    assert sandbox.external_submit_url == "https://workersandbox.mturk.com/mturk/externalSubmit"
    assert Environment.from_endpoint(sandbox.endpoint) is sandbox
    assert Environment.from_endpoint(production.endpoint) is production
    assert Environment.from_endpoint("http://127.0.0.1:5000/sandbox") is sandbox
