"""The learner's demo world: cold start, finding it again, memory, and a restart that replays.

    .venv/bin/python benchmarks/bench_world.py              # 200 saved changes to replay
    .venv/bin/python benchmarks/bench_world.py --changes 1000

Each figure is one run in a fresh temporary MTURKLINK_HOME:

* cold start: ``world.connect()`` on an empty home until it returns (the world answers an
  authenticated ping before connect() returns), then the first answered request of a
  learner's kernel (an admin call, then STS GetCallerIdentity through boto3);
* found again: ``connect()`` from a new process while the world runs (python start included);
* memory: the world process's resident set (VmRSS) right after start, and after the changes;
* restart: ``stop()`` then ``connect()``, which replays the journal of ``--changes`` saved
  changes (HITs created, workers submitting, IAM users and keys).

No assertions: the figures go in docs/world.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = (
    '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
    '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/task</ExternalURL>'
    "<FrameHeight>400</FrameHeight></ExternalQuestion>"
)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=200, help="saved changes to replay")
    args = parser.parse_args()
    from mturklink_helpers import world

    home = Path(tempfile.mkdtemp(prefix="bench-world-"))
    try:
        started = time.perf_counter()
        w = world.connect(home)
        connected = time.perf_counter()
        w.admin("ping")
        pinged = time.perf_counter()
        fresh_rss = rss_mb(w.pid)
        admin = w.create_aws_account()
        sts = admin.session().client("sts", endpoint_url=w.url)
        before_sts = time.perf_counter()
        sts.get_caller_identity()
        first_sts = time.perf_counter() - before_sts

        found = subprocess.run(
            [sys.executable, "-c", "import time; t = time.perf_counter()\n"
             "from mturklink_helpers import world\n"
             f"world.connect({str(home)!r}); print(time.perf_counter() - t)"],
            capture_output=True, text=True, check=True)

        w.link_requester_account()
        w.register_sandbox()
        key = w.console_create_iam_user()
        mturk = key.session().client("mturk", endpoint_url=w.endpoint())
        iam = admin.session().client("iam", endpoint_url=w.url)
        made = 4
        while made < args.changes:
            if made % 10 == 0:
                name = f"user-{made}"
                iam.create_user(UserName=name)
                iam.create_access_key(UserName=name)
                made += 2
                continue
            hit = mturk.create_hit(Title=f"HIT {made}", Description="d", Reward="0.10",
                                   MaxAssignments=3, LifetimeInSeconds=86400,
                                   AssignmentDurationInSeconds=600, Question=QUESTION)["HIT"]
            w.workers_submit(hit["HITId"], 3)
            made += 2
        saved = world.status(home)["saved_changes"]
        busy_rss = rss_mb(w.pid)

        world.stop(home)
        before_restart = time.perf_counter()
        again = world.connect(home)
        restart = time.perf_counter() - before_restart
        replayed_rss = rss_mb(again.pid)
        assert again.steps_done() == {1: True, 2: True, 3: True}
    finally:
        world.stop(home)

    print(f"cold start: connect() {connected - started:.2f} s "
          f"(world ready {w.startup_seconds:.2f} s), first answered admin request "
          f"{pinged - started:.2f} s after connect() began; first STS call through boto3 "
          f"{first_sts * 1000:.0f} ms")
    print(f"found again from a new process: {float(found.stdout):.3f} s in connect() "
          "(python start not counted)")
    print(f"memory (VmRSS) of the world: {fresh_rss:.0f} MB fresh, {busy_rss:.0f} MB with "
          f"{saved} saved changes, {replayed_rss:.0f} MB after replaying them")
    print(f"restart (stop, then connect() replaying {saved} changes): {restart:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
