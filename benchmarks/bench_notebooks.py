"""Wall time of the notebook suite next to its floor, measured side by side in one run.

Suite: the eight notebooks run top to bottom, one fresh kernel each, in demo mode with the
self-test cells on (what `make test` runs under nbval). Floor: eight fresh kernels that
only run `import boto3, moto, pandas, ipywidgets`, the libraries the suite cannot do
without. Suite and floor alternate round by round so machine noise hits both alike; the
median of the rounds is reported. Target: the suite at most 1.5x the floor.

    .venv/bin/python benchmarks/bench_notebooks.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb"))
FLOOR_CELL = "import boto3, moto, pandas, ipywidgets"


def run(notebook, workdir: str) -> None:
    # --log-level=ERROR: keep the kernels' start-up warnings out of the figures.
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   extra_arguments=["--log-level=ERROR"], resources={"metadata": {"path": workdir}}).execute()


def suite(workdir: str) -> float:
    start = time.perf_counter()
    for path in NOTEBOOKS:
        run(nbformat.read(path, as_version=4), workdir)
    return time.perf_counter() - start


def floor(workdir: str) -> float:
    start = time.perf_counter()
    for _ in NOTEBOOKS:
        run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_CELL)]), workdir)
    return time.perf_counter() - start


def main(rounds: int = 3) -> None:
    times: dict[str, list[float]] = {"floor": [], "suite": []}
    with tempfile.TemporaryDirectory() as home:
        # The kernels inherit this: demo mode, self-tests on, progress kept out of ~.
        os.environ.update(MTURKLINK_MODE="demo", MTURKLINK_SELFTEST="1", MTURKLINK_HOME=home)
        for _ in range(rounds):
            times["floor"].append(floor(home))
            times["suite"].append(suite(home))
    base, kit = statistics.median(times["floor"]), statistics.median(times["suite"])
    n = len(NOTEBOOKS)
    print(f"{f'floor: {n} kernels importing boto3, moto, pandas, ipywidgets':58} {base:6.1f} s"
          f"  (median of {rounds})")
    print(f"{f'suite: {n} notebooks, demo mode, self-tests on':58} {kit:6.1f} s")
    print(f"{'ratio suite / floor':58} {kit / base:6.2f}    (target <= 1.50)")
    print("rounds (floor, suite): "
          + ", ".join(f"({f:.1f} s, {s:.1f} s)" for f, s in zip(times["floor"], times["suite"], strict=True)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
