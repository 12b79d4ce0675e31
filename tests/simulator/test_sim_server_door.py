"""The HTTP server's own front door: moto's IAM and STS as strict as AWS, moto's internals
not exposed, and the network faults only a server can have."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from conftest import ServerHarness, error_of, hit_args


@pytest.fixture
def server(simulator_server):
    harness = ServerHarness(simulator_server)
    yield harness
    harness.admin("faults")


def sts(server, key):
    return boto3.client("sts", region_name="us-east-1", endpoint_url=server.server.url,
                        aws_access_key_id=key[0], aws_secret_access_key=key[1],
                        config=Config(retries={"max_attempts": 1}))


def test_iam_and_sts_check_keys_from_the_first_request(simulator_server):
    """moto's server lets its first INITIAL_NO_AUTH_ACTION_COUNT requests through (default:
    all of them); the simulator's server checks every key, as AWS does."""
    from mturklink_helpers.simulator.server import SimulatorServer

    with SimulatorServer() as fresh:  # no request has been made to it yet
        iam = boto3.client("iam", region_name="us-east-1", endpoint_url=fresh.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        with pytest.raises(ClientError) as excinfo:
            iam.create_user(UserName="sneaky")
        assert error_of(excinfo)[0] == "InvalidClientTokenId"


def test_sts_refuses_an_inactive_key(server):
    """moto's STS accepts an inactive key; the server answers it as an unknown key
    (InvalidClientTokenId, the text AWS gives an unknown one)."""
    key = server.new_key(user="sts-user")
    assert sts(server, key).get_caller_identity()["Arn"].endswith(":user/sts-user")
    server.iam.update_access_key(UserName="sts-user", AccessKeyId=key[0], Status="Inactive")
    with pytest.raises(ClientError) as excinfo:
        sts(server, key).get_caller_identity()
    assert error_of(excinfo)[:2] == ("InvalidClientTokenId",
                                     "The security token included in the request is invalid.")
    with pytest.raises(ClientError) as excinfo:
        boto3.client("iam", region_name="us-east-1", endpoint_url=server.server.url,
                     aws_access_key_id=key[0], aws_secret_access_key=key[1]).list_users()
    assert error_of(excinfo)[0] == "InvalidClientTokenId"


@pytest.mark.parametrize("path", ["/moto-api/reset", "/moto-api/data.json", "/moto-api/",
                                  "//moto-api/reset"])
def test_moto_api_is_not_served(server, path):
    """moto's /moto-api/ can reset the world or dump it, secrets included: refused."""
    before = server.iam.list_users()["Users"]
    request = urllib.request.Request(server.server.url + path, data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    assert excinfo.value.code == 404
    assert "SecretAccessKey" not in excinfo.value.read().decode()
    assert server.iam.list_users()["Users"] == before


def test_moto_api_only_with_the_test_flag():
    from mturklink_helpers.simulator.server import SimulatorServer

    with SimulatorServer(allow_moto_api=True) as allowed:
        request = urllib.request.Request(allowed.url + "/moto-api/reset", data=b"",
                                         method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200


def quick_client(server, read_timeout=1.0):
    return boto3.client("mturk", region_name="us-east-1",
                        endpoint_url=server.server.endpoint("sandbox"),
                        aws_access_key_id=server.key[0], aws_secret_access_key=server.key[1],
                        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                      connect_timeout=2, read_timeout=read_timeout))


def test_an_answer_that_never_comes(server):
    """A server that accepts the connection and never answers: the client gives up within
    its read timeout and says so; the request was not done."""
    client = quick_client(server)
    server.faults(hang_rate=1.0)
    with pytest.raises(ReadTimeoutError) as excinfo:
        client.create_hit_type(Title="t", Description="d", Reward="0.10",
                               AssignmentDurationInSeconds=600)
    assert "Read timeout" in str(excinfo.value)
    server.faults()
    assert server.sim.backend("sandbox").hit_types == {}
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_an_answer_cut_off_mid_way(server):
    """An answer cut off mid-way (the work done, half the body sent, the connection closed):
    http.client sees an incomplete read; botocore (which does not check Content-Length)
    hands back an answer without its members, so a caller must not take a missing member
    for granted."""
    client = quick_client(server)
    server.faults(cut_rate=1.0)
    answer = client.get_account_balance()
    assert "AvailableBalance" not in answer
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=server.server.endpoint("sandbox"), data=b"{}",
                         headers={"X-Amz-Target": "MTurkRequesterServiceV20170117."
                                                  "GetAccountBalance",
                                  "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(*server.key), "mturk-requester", "us-east-1").add_auth(request)
    sent = urllib.request.Request(request.url, data=request.body, method="POST",
                                  headers=dict(request.headers.items()))
    with urllib.request.urlopen(sent, timeout=10) as raw:
        assert raw.status == 200
        with pytest.raises(http.client.IncompleteRead):
            raw.read()
    server.faults()
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    assert server.sim.faults.cut == 0  # configure() starts the count again


def test_network_faults_are_drawn_from_their_own_streams():
    """Adding cuts or hangs does not move which requests are dropped (each fault its own
    seeded stream)."""
    from mturklink_helpers.simulator.clock import Clock
    from mturklink_helpers.simulator.faults import Faults

    def faults(**rates):
        made = Faults(Clock()).configure(seed=4, **rates)
        return [made.network_fault() for _ in range(60)]

    alone = faults(drop_rate=0.3)
    with_cuts = faults(drop_rate=0.3, cut_rate=0.5)
    assert [f == "drop" for f in alone] == [f == "drop" for f in with_cuts]
    assert "cut" in with_cuts and "drop" in alone
    with_hangs = faults(drop_rate=0.3, hang_rate=0.2)
    assert all(f in ("drop", "hang") for f, a in zip(with_hangs, alone, strict=True)
               if a == "drop")
    sequence = Faults(Clock()).configure(cut_rate=0.5, seed=4)
    first = [sequence.network_fault() for _ in range(30)]
    again = Faults(Clock()).configure(cut_rate=0.5, seed=4)
    assert first == [again.network_fault() for _ in range(30)]
    assert set(first) == {"cut", None}
    json.dumps(sequence.settings())


def test_mturk_at_the_root_beside_iam(server):
    """MTurk is told from IAM and STS at ``/`` by the request itself (X-Amz-Target, the
    credential scope): a boto3 MTurk client and an IAM client share the root URL; a Host
    that is not a real MTurk name means the sandbox."""
    mturk = boto3.client("mturk", region_name="us-east-1", endpoint_url=server.server.url,
                         aws_access_key_id=server.key[0], aws_secret_access_key=server.key[1],
                         config=Config(retries={"max_attempts": 1}))
    server.set_balance("7.00")
    assert mturk.get_account_balance()["AvailableBalance"] == "10000.00"
    assert "requester" in [u["UserName"] for u in server.iam.list_users()["Users"]]


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1"])
def test_the_legacy_host(server, region):
    """NRGI/resourcecontracts.org #1195 (grade A): a JSON GetAccountBalance sent to the
    legacy host mechanicalturk.amazonaws.com (scope us-west-2) got HTTP 400 with a body that
    is not JSON."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url="https://mechanicalturk.amazonaws.com/", data=b"{}",
                         headers={"X-Amz-Target": "MTurkRequesterServiceV20170117."
                                                  "GetAccountBalance",
                                  "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(*server.key), "mturk-requester", region).add_auth(request)
    sent = urllib.request.Request(server.server.url + "/", data=request.body, method="POST",
                                  headers={**dict(request.headers.items()),
                                           "Host": "mechanicalturk.amazonaws.com"})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(sent, timeout=10)
    assert excinfo.value.code == 400
    body = excinfo.value.read()
    with pytest.raises(ValueError):
        json.loads(body)


def test_a_server_started_by_hand_plays_the_worker_site_for_its_hits(server):
    """The worker site of a world (tests/test_worker_site.py) is the simulator server's own:
    a hand-started server takes a person's answer too, with no key and no token."""
    sandbox = server.client("sandbox")
    hit_id = sandbox.create_hit(**hit_args(MaxAssignments=1))["HIT"]["HITId"]
    site = f"{server.server.url}/workersandbox.mturk.com/mturk/"

    def post(page: str, **form) -> str:
        data = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(urllib.request.Request(site + page, data=data)) as answer:
            return answer.geturl()  # after the 303

    task = post("accept", hitId=hit_id)
    assignment_id = urllib.parse.parse_qs(urllib.parse.urlparse(task).query)["assignmentId"][0]
    assert post("externalSubmit", assignmentId=assignment_id, mood="sad",
                comment="by hand").endswith(f"/done?assignmentId={assignment_id}")
    [listed] = sandbox.list_assignments_for_hit(HITId=hit_id)["Assignments"]
    assert listed["WorkerId"] == server.sim.learner_id()
    assert "<FreeText>by hand</FreeText>" in listed["Answer"]
