"""Drive the simulator the way any boto3 program would: plain boto3 clients only.

The ``mturk`` fixture is a Harness over one way in (in-process mock_mturk() or the HTTP
server). Console actions go through the simulator object or the admin interface.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import boto3
import pytest
from botocore.config import Config

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION = "https://mturk-requester.us-east-1.amazonaws.com"
ACCOUNT = "123456789012"
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})

HTML_QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body>'
    '<form name="mturk_form" method="post" action="https://workersandbox.mturk.com/mturk/'
    'externalSubmit"><input type="hidden" name="assignmentId" value="">'
    '<input type="radio" name="mood" value="happy"><input type="radio" name="mood" value="sad">'
    '<textarea name="comment"></textarea><input type="submit"></form></body></html>]]>'
    "</HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"
)


def hit_args(**over) -> dict:
    args = dict(Title="Test HIT", Description="A test HIT", Reward="0.50",
                LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, MaxAssignments=3,
                Question=HTML_QUESTION)
    args.update(over)
    return args


class Harness:
    """One way into the simulator, with boto3 clients and console actions."""

    mode = "inprocess"

    def __init__(self, sim):
        self.sim = sim
        self._clients: dict = {}
        self.iam = self._boto("iam")
        self.key = self.new_key()

    def _boto(self, service, key=None, endpoint=None):
        kwargs = {}
        if key is not None:
            kwargs = dict(aws_access_key_id=key[0], aws_secret_access_key=key[1])
        else:
            kwargs = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
        return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint,
                            config=NO_RETRIES, **kwargs)

    def new_key(self, user="requester", policy="AmazonMechanicalTurkFullAccess"):
        try:
            self.iam.create_user(UserName=user)
        except self.iam.exceptions.EntityAlreadyExistsException:
            pass
        if policy:
            self.iam.attach_user_policy(UserName=user,
                                        PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
        made = self.iam.create_access_key(UserName=user)["AccessKey"]
        return made["AccessKeyId"], made["SecretAccessKey"]

    def endpoint(self, environment):
        return SANDBOX if environment == "sandbox" else PRODUCTION

    def client(self, environment="sandbox", key=None):
        key = key or self.key
        cache_key = (environment, key)
        if cache_key not in self._clients:
            self._clients[cache_key] = self._boto("mturk", key, self.endpoint(environment))
        return self._clients[cache_key]

    # console actions
    def link_requester(self, linked=True, account_id=ACCOUNT):
        self.sim.link_requester(account_id=account_id, linked=linked)

    def register_sandbox(self, registered=True, account_id=ACCOUNT):
        self.sim.register_sandbox(account_id=account_id, registered=registered)

    def set_balance(self, amount, account_id=ACCOUNT):
        self.sim.set_balance(amount, account_id=account_id)

    def workers_submit(self, hit_id, count=None, environment="sandbox"):
        return self.sim.workers_submit(hit_id, count=count, environment=environment)

    def advance(self, seconds):
        self.sim.clock.advance(seconds)

    def now(self):
        return self.sim.clock.now()

    def faults(self, **settings):
        self.sim.faults.configure(**settings)

    def set_propagation_delay(self, seconds):
        self.sim.set_propagation_delay(seconds)

    def request_qualification(self, type_id, count=1):
        return self.sim.workers_request_qualification(type_id, count=count)


class ServerHarness(Harness):
    """The same, through the HTTP server: console actions via its admin interface."""

    mode = "server"

    def __init__(self, server):
        self.server = server
        self.admin("reset")
        # the server checks every IAM key from the first request: an IAM administrator's
        made = self.admin("requester-key", user_name="iam-admin", policy="IAMFullAccess")
        self.admin_key = made["AccessKeyId"], made["SecretAccessKey"]
        super().__init__(server.simulator)

    def _boto(self, service, key=None, endpoint=None):
        return super()._boto(service, key or self.admin_key, endpoint or self.server.url)

    def endpoint(self, environment):
        return self.server.endpoint(environment)

    def admin(self, action, **params):
        request = urllib.request.Request(
            f"{self.server.url}/_admin/{action}", data=json.dumps(params).encode(),
            method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def link_requester(self, linked=True, account_id=ACCOUNT):
        self.admin("link-requester", linked=linked, account_id=account_id)

    def register_sandbox(self, registered=True, account_id=ACCOUNT):
        self.admin("register-sandbox", registered=registered, account_id=account_id)

    def set_balance(self, amount, account_id=ACCOUNT):
        self.admin("balance", amount=amount, account_id=account_id)

    def workers_submit(self, hit_id, count=None, environment="sandbox"):
        return self.admin("workers-submit", hit_id=hit_id, count=count,
                          environment=environment)["assignment_ids"]

    def advance(self, seconds):
        self.admin("clock", advance=seconds)

    def now(self):
        return dt.datetime.fromisoformat(self.admin("clock")["now"])

    def faults(self, **settings):
        self.admin("faults", **settings)

    def set_propagation_delay(self, seconds):
        self.admin("propagation-delay", seconds=seconds)

    def request_qualification(self, type_id, count=1):
        return self.admin("request-qualification", qualification_type_id=type_id,
                          count=count)["qualification_request_ids"]


@pytest.fixture(scope="session")
def simulator_server():
    from mturklink_helpers.simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield server


@pytest.fixture(params=["inprocess", "server"])
def mturk(request):
    if request.param == "server":
        yield ServerHarness(request.getfixturevalue("simulator_server"))
        return
    from moto import mock_aws

    from mturklink_helpers.simulator import mock_mturk

    with mock_aws(), mock_mturk(seed=0) as sim:
        yield Harness(sim)


@pytest.fixture
def sandbox(mturk):
    return mturk.client("sandbox")


def error_of(excinfo) -> tuple[str, str, str | None]:
    """(code, message, TurkErrorCode) of a botocore ClientError."""
    response = excinfo.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response.get("TurkErrorCode") or response["Error"].get("TurkErrorCode"))
