"""The doctor's run time in a demo world: the all-good case and each demo problem, next to
the floor measured in the same run (the same five requests the all-good doctor makes, sent
with clients built once: GetCallerIdentity, two GetAccountBalance, the CreateHIT probe,
iam:ListUsers). Median of N runs each (the machine is noisy).

    .venv/bin/python benchmarks/bench_doctor.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 5) -> None:
    from botocore.exceptions import ClientError

    from mturklink_helpers import world
    from mturklink_helpers.clients import client
    from mturklink_helpers.doctor import PROBE_QUESTION
    from mturklink_helpers.kit import Kit
    from mturklink_helpers.problems import DEMO_PROBLEMS, make_problem

    home = Path(tempfile.mkdtemp(prefix="mturklink-bench-doctor-"))
    os.chdir(home)
    kit = Kit("demo", home_dir=home)
    try:
        make_problem(kit, "none")
        key = kit.key
        sts, iam = client(key, "sts", kit.endpoints), client(key, "iam", kit.endpoints)
        sandbox = client(key, "mturk", kit.endpoints, "sandbox")
        production = client(key, "mturk", kit.endpoints, "production")

        def floor():
            sts.get_caller_identity()
            sandbox.get_account_balance()
            production.get_account_balance()
            for call in (lambda: sandbox.create_hit(
                    Title="t", Description="d", Reward="0.01", MaxAssignments=1,
                    LifetimeInSeconds=60, AssignmentDurationInSeconds=60,
                    Question=PROBE_QUESTION), lambda: iam.list_users(MaxItems=1)):
                try:
                    call()
                except ClientError:
                    pass

        base = median_seconds(floor, runs)
        print(f"{'floor: the 5 requests, clients built once':46} {base * 1000:7.0f} ms")
        for problem in DEMO_PROBLEMS:
            make_problem(kit, problem)
            took = median_seconds(lambda: kit.diagnose(), runs)
            print(f"{f'doctor, {problem}':46} {took * 1000:7.0f} ms  ({took / base:4.1f}x floor)")
    finally:
        world.stop(home)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
