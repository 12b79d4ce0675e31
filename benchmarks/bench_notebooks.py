"""Wall time of the notebook suite next to its floor, measured side by side in one run.

Suite: the eight notebooks run top to bottom, one fresh kernel each, in demo mode, each
followed in its kernel by its checks (what tests/notebooks runs, through the same harness:
tests/notebooks/harness.py), one learner's home per round. Floor: eight fresh kernels, run
through the same harness, that only run `import boto3, moto, pandas, ipywidgets`, the
libraries the suite cannot do without. Suite and floor alternate round by round so machine noise hits both alike; the
median of the rounds is reported. Target: the suite at most 1.5x the floor.

    .venv/bin/python benchmarks/bench_notebooks.py [rounds]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.notebooks.harness import LESSONS, run_lesson  # noqa: E402

FLOOR_CELL = "import boto3, moto, pandas, ipywidgets"
# --log-level=ERROR: keep the kernels' start-up warnings out of the figures.
KERNEL = {"extra_arguments": ["--log-level=ERROR"], "timeout": 300}


def suite() -> float:
    with tempfile.TemporaryDirectory() as home:  # one learner's home, used by all eight
        start = time.perf_counter()
        for name in LESSONS:
            run_lesson(name, home=Path(home), **KERNEL)
        return time.perf_counter() - start


def floor() -> float:
    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        for _ in LESSONS:
            run_lesson(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_CELL)]),
                       home=Path(home), checks="", **KERNEL)
        return time.perf_counter() - start


def main(rounds: int = 3) -> None:
    times: dict[str, list[float]] = {"floor": [], "suite": []}
    for _ in range(rounds):
        times["floor"].append(floor())
        times["suite"].append(suite())
    base, kit = statistics.median(times["floor"]), statistics.median(times["suite"])
    n = len(LESSONS)
    print(f"{f'floor: {n} kernels importing boto3, moto, pandas, ipywidgets':58} {base:6.1f} s"
          f"  (median of {rounds})")
    print(f"{f'suite: {n} notebooks, demo mode, then their checks':58} {kit:6.1f} s")
    print(f"{'ratio suite / floor':58} {kit / base:6.2f}    (target <= 1.50)")
    print("rounds (floor, suite): "
          + ", ".join(f"({f:.1f} s, {s:.1f} s)" for f, s in zip(times["floor"], times["suite"], strict=True)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
