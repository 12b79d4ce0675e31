"""What the MTurk simulator costs per call, against botocore's own cost (the floor).

    .venv/bin/python benchmarks/bench_simulator.py [--calls 400] [--rounds 5]

The floor is the same boto3 call answered by a ``before-send`` handler that returns a
canned reply (the simulator's own reply, captured once), so both sides pay the same
request building, signing and response parsing. The simulator side runs through
``mock_mturk()`` inside ``moto.mock_aws()`` with authentication on (SigV4 check against
moto's IAM, policy evaluation) and the stricter checks of the real service (credential
scope, signed headers, the five-minute window, the model's patterns, lengths and ranges).
Targets: GetAccountBalance <= 1.5x, CreateHIT <= 3x.
It also reports calls per second through the HTTP server.
"""

from __future__ import annotations

import argparse
import functools
import time

from botocore.awsrequest import AWSResponse

SANDBOX = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
QUESTION = (
    '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<form><input type="radio" name="a" '
    'value="yes"><input type="radio" name="a" value="no"><textarea name="why"></textarea>'
    "</form>]]></HTMLContent><FrameHeight>400</FrameHeight></HTMLQuestion>"
)
HIT = dict(Title="Bench", Description="A benchmark HIT", Reward="0.10", MaxAssignments=1,
           LifetimeInSeconds=3600, AssignmentDurationInSeconds=300, Question=QUESTION)
TARGETS = {"GetAccountBalance": 1.5, "CreateHIT": 3.0}


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **kwargs):
        yield self.body


def canned(body: bytes):
    """A before-send handler answering every MTurk call with ``body``."""
    headers = {"x-amzn-RequestId": "00000000-0000-0000-0000-000000000000",
               "Content-Type": "application/x-amz-json-1.1", "Content-Length": str(len(body))}

    def handler(request, **kwargs):
        return AWSResponse(request.url, 200, headers, _Raw(body))

    return handler


def per_call(call, calls: int, rounds: int) -> float:
    """Best mean seconds per call over ``rounds`` rounds of ``calls`` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def captured_body(client, operation: str, **params) -> bytes:
    """The simulator's raw reply to one call, to use as the canned reply."""
    seen = {}

    def grab(http_response, **kwargs):
        seen["body"] = http_response.content

    client.meta.events.register("after-call.mturk", grab)
    getattr(client, operation)(**params)
    client.meta.events.unregister("after-call.mturk", grab)
    return seen["body"]


def in_process(calls: int, rounds: int) -> list[tuple[str, float, float]]:
    from moto import mock_aws

    from mturklink_helpers.simulator import mock_mturk

    operations = [
        ("GetAccountBalance", "get_account_balance", {}),
        ("CreateHIT", "create_hit", HIT),
    ]
    simulated, bodies = {}, {}
    with mock_aws():
        mock = mock_mturk(seed=0)
        sim = mock.start()
        session = sim.new_requester_key().session()
        client = session.client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
        for operation, method, params in operations:
            bodies[operation] = captured_body(client, method, **params)
            call = functools.partial(getattr(client, method), **params)
            per_call(call, 50, 1)  # warm up
            simulated[operation] = per_call(call, calls, rounds)
        mock.stop()
        # botocore emits before-send to every handler and keeps the first reply, so the
        # floor runs with the simulator stopped (its handler then returns None at once).
        rows = []
        for operation, method, params in operations:
            floor = session.client("mturk", region_name="us-east-1", endpoint_url=SANDBOX)
            floor.meta.events.register_first("before-send.mturk", canned(bodies[operation]))
            call = functools.partial(getattr(floor, method), **params)
            per_call(call, 50, 1)
            rows.append((operation, per_call(call, calls, rounds), simulated[operation]))
    return rows


def through_server(seconds: float) -> float:
    from mturklink_helpers.simulator.server import SimulatorServer

    with SimulatorServer() as server:
        # the server checks IAM keys from the first request: the key comes from the console
        key = server.simulator.new_requester_key(user_name="bench")
        client = key.session().client("mturk", region_name="us-east-1",
                                      endpoint_url=server.endpoint("sandbox"))
        client.get_account_balance()
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            client.get_account_balance()
            count += 1
        return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server-seconds", type=float, default=3.0)
    args = parser.parse_args()

    print(f"{'operation':<20}{'floor':>12}{'mock_mturk':>14}{'ratio':>8}{'target':>8}")
    met = True
    for operation, floor_s, sim_s in in_process(args.calls, args.rounds):
        ratio = sim_s / floor_s
        target = TARGETS[operation]
        met &= ratio <= target
        print(f"{operation:<20}{floor_s * 1e6:>10.0f}us{sim_s * 1e6:>12.0f}us"
              f"{ratio:>7.2f}x{target:>7.1f}x{'' if ratio <= target else '  MISSED'}")
    rate = through_server(args.server_seconds)
    print(f"HTTP server, GetAccountBalance, one client: {rate:.0f} calls/s")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
