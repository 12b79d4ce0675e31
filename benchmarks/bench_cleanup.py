"""Clean up 1,000 kit HITs: the kit's paced, concurrent cleanup() against the serial loop.

The simulator adds 20 ms to every call and throttles above 500 requests per second, which is
roughly what a requester sees from a laptop. Both contestants run in the same process, on
the same simulator, one after the other, each on 1,000 fresh HITs.

    .venv/bin/python benchmarks/bench_cleanup.py            # 1,000 HITs
    .venv/bin/python benchmarks/bench_cleanup.py --hits 200 # a quicker look

Prints the lower bound the calls, the latency and the rate limit allow, both times, the
speed-up and the throttling each run met. No assertions: the figures go in the README.
"""

from __future__ import annotations

import argparse
import math
import time

LATENCY = 0.020  # seconds added to every call
THROTTLE_RPS = 500  # the simulator throttles above this many requests per second
PAGE = 100  # ListHITs page size


def make_world():
    import boto3

    from mturklink_helpers.credentials import AccessKey

    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="bench")
    iam.attach_user_policy(
        UserName="bench", PolicyArn="arn:aws:iam::aws:policy/AmazonMechanicalTurkFullAccess"
    )
    made = iam.create_access_key(UserName="bench")["AccessKey"]
    return AccessKey(made["AccessKeyId"], made["SecretAccessKey"], "bench")


def create_kit_hits(sim, client, count: int) -> None:
    from mturklink_helpers.hits import create_test_hit

    sim.faults.configure()  # set-up runs without latency or throttling
    for _ in range(count):
        create_test_hit(client, assignments=1)
    sim.faults.configure(latency=LATENCY, throttle_rps=THROTTLE_RPS, seed=0)


def serial_cleanup(client) -> None:
    """What MTurk's samples and most tools do: list everything, then expire and delete."""
    from mturklink_helpers.hits import PAST, is_kit_hit

    hits, kwargs = [], {"MaxResults": PAGE}
    while True:
        page = client.list_hits(**kwargs)
        hits += [h for h in page["HITs"] if is_kit_hit(h)]
        if not page.get("NextToken") or not page["HITs"]:
            break
        kwargs["NextToken"] = page["NextToken"]
    for hit in hits:
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=PAST)
        client.delete_hit(HITId=hit["HITId"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=1000)
    parser.add_argument("--max-rate", type=float, default=480.0, help="cleanup()'s request rate")
    parser.add_argument("--workers", type=int, default=24, help="cleanup()'s threads")
    args = parser.parse_args()

    from moto import mock_aws

    from mturklink_helpers.endpoints import mturk_client
    from mturklink_helpers.hits import cleanup
    from mturklink_helpers.pacing import paced
    from mturklink_helpers.simulator import mock_mturk

    with mock_aws(), mock_mturk(seed=0) as sim:
        client = mturk_client(make_world(), "sandbox")
        n = args.hits
        calls = math.ceil(n / PAGE) + 2 * n  # list pages + (expire, delete) per HIT
        throughput_bound = calls / THROTTLE_RPS
        chain_bound = (math.ceil(n / PAGE) + 2) * LATENCY  # pages in turn, then one HIT
        bound = max(throughput_bound, chain_bound)
        print(f"{n} kit HITs, {LATENCY * 1000:.0f} ms per call, throttled above {THROTTLE_RPS}/s")
        print(
            f"calls needed: {calls} -> lower bound {bound:.2f} s "
            f"(= max({calls}/{THROTTLE_RPS} per s, {chain_bound:.2f} s of dependent calls))"
        )

        create_kit_hits(sim, client, n)
        with paced(client, None) as serial_stats:
            started = time.perf_counter()
            serial_cleanup(client)
            serial = time.perf_counter() - started
        print(
            f"serial loop : {serial:6.2f} s  {serial_stats.requests} requests, "
            f"{serial_stats.throttled} throttled"
        )

        create_kit_hits(sim, client, n)
        report = cleanup(client, max_rate=args.max_rate, max_workers=args.workers)
        assert len(report.deleted) == n, report
        print(
            f"cleanup()   : {report.seconds:6.2f} s  {report.requests} requests, "
            f"{report.throttled} throttled, at most {report.most_throttles_in_one_call} "
            f"in one call (max_rate={args.max_rate:g}/s, {args.workers} threads)"
        )
        print(
            f"speed-up {serial / report.seconds:.1f}x (target >= 8x); "
            f"{report.seconds / bound:.2f}x the lower bound (target <= 1.5x)"
        )


if __name__ == "__main__":
    main()
