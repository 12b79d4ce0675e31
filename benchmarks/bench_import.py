"""Import time of `mturklink_helpers` next to `import boto3`, measured in the same run.

Each import runs in a fresh interpreter (so nothing is cached in-process); the two are
interleaved so machine noise hits both alike, and the median of the rounds is reported.
Target: mturklink_helpers (with its credentials and endpoints modules) at most 1.3x boto3.

    .venv/bin/python benchmarks/bench_import.py [rounds]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

TIMER = "import time; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t)"
TARGETS = {
    "boto3": "boto3",
    "mturklink_helpers": "mturklink_helpers, mturklink_helpers.credentials, mturklink_helpers.endpoints",
}


def measure(mod: str) -> float:
    out = subprocess.run([sys.executable, "-c", TIMER.format(mod=mod)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout)


def main(rounds: int = 15) -> None:
    times = {name: [] for name in TARGETS}
    for _ in range(rounds):
        for name, mod in TARGETS.items():
            times[name].append(measure(mod))
    kit, boto = statistics.median(times["mturklink_helpers"]), statistics.median(times["boto3"])
    print(f"import boto3              {boto * 1000:8.1f} ms (median of {rounds})")
    print(f"import mturklink_helpers  {kit * 1000:8.1f} ms")
    print(f"ratio kit / boto3         {kit / boto:8.2f}   (target <= 1.30)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
