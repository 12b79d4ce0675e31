"""A workshop's load on one machine: N learners at once on the workshop hub, against one alone.

    .venv/bin/python benchmarks/bench_workshop.py [N]      (default 20; root, configurable-http-proxy)

One real hub (deploy/jupyterhub, started by tests/hub/hub.py). First one learner walks
notebooks 00 -> 07 alone; then N others sign in, start their servers and walk at the same
time. Each walk ends with DOCTOR_CLICKS presses of notebook 07's "Run the doctor" and
HIT_ROUNDS test-HIT round trips in notebook 06 (create, two simulated answers, list them,
approve, reject, clean up), each timed in the learner's kernel. Printed: failures, p50/p95 of
both, the highest memory each learner's processes reached (server, kernels, demo world; PSS),
and the ratios to the learner alone. Targets (issue 12): 0 failures, p95 doctor click <= 3x
alone, memory per learner <= 600 MB (the walk target of bench_walk.py).

One hub at a time on a machine: the fixture removes every test user (mlhubt…) when it starts,
so do not run it beside tests/hub.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hub.hub import REQUIRE_ENV, running_hub, why_no_hub  # noqa: E402
from tests.notebooks.harness import CHECKS, LESSONS  # noqa: E402

DOCTOR_CLICKS = 5
HIT_ROUNDS = 2
MEMORY_TARGET = 600 * 2**20
MARK = "BENCH "


def _timed(code: str, rounds: int, name: str) -> str:
    """Kernel code that runs ``code`` ``rounds`` times and prints the seconds each took."""
    return (f"import json as _j, time as _t\n_s = []\nfor _ in range({rounds}):\n"
            f"    _a = _t.perf_counter()\n{textwrap.indent(code, '    ')}\n"
            f"    _s.append(_t.perf_counter() - _a)\nprint({MARK!r} + _j.dumps({{{name!r}: _s}}))\n")


DOCTOR = _timed("doctor.run_button.click()\n"
                "assert doctor.status_text.startswith('✓ Done: All checks passed'), "
                "doctor.status_text", DOCTOR_CLICKS, "doctor")
HIT = _timed(CHECKS["06_sandbox_test_hit"], HIT_ROUNDS, "hit")


def walk(learner) -> dict:
    """One learner's walk with its timed presses; {"doctor": [...], "hit": [...]} or an error."""
    timings: dict = {"doctor": [], "hit": [], "error": None}
    started = time.monotonic()
    try:
        learner.login()
        learner.start_server()
        for lesson in LESSONS:
            then = [CHECKS[lesson]] + {"06_sandbox_test_hit": [HIT],
                                       "07_troubleshooting": [DOCTOR]}.get(lesson, [])
            for line in learner.run_notebook(lesson, then=then, save=False).text().splitlines():
                if line.startswith(MARK):
                    for name, values in json.loads(line[len(MARK):]).items():
                        timings[name] += values
    except Exception as exc:  # noqa: BLE001 (any failure of a walk is counted and shown)
        timings["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    timings["walk"] = time.monotonic() - started
    return timings


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(results: list[dict], peaks: dict[str, int]) -> dict:
    doctor = [t for r in results for t in r["doctor"]]
    hit = [t for r in results for t in r["hit"]]
    return {"learners": len(results), "failures": sum(1 for r in results if r["error"]),
            "errors": [r["error"] for r in results if r["error"]],
            "doctor_p50": pct(doctor, 50), "doctor_p95": pct(doctor, 95),
            "hit_p50": pct(hit, 50), "hit_p95": pct(hit, 95),
            "walk_p50": pct([r["walk"] for r in results], 50),
            "walk_max": max(r["walk"] for r in results),
            "memory_median": statistics.median(peaks.values()) if peaks else 0,
            "memory_max": max(peaks.values()) if peaks else 0}


def main(n: int) -> int:
    # Learners' servers run this environment's Python: the hub fixture lets them pass
    # through its folders while the hub runs (what MTURKLINK_REQUIRE_HUB=1 asks of it).
    os.environ[REQUIRE_ENV] = "1"
    why = why_no_hub()
    if why:
        print(f"bench_workshop: skipped, no workshop hub on this machine: {why}")
        return 0
    print(f"bench_workshop: 1 learner alone, then {n} at once, on one hub "
          f"(doctor x{DOCTOR_CLICKS} and test HIT x{HIT_ROUNDS} per walk)")
    with running_hub(["alone"] + [f"{k:02d}" for k in range(n)]) as hub:
        alone, crowd = hub.learners[0], hub.learners[1:]
        with hub.memory_peaks([alone]) as peaks_alone:
            solo = [walk(alone)]
        alone.stop_server()
        started = time.monotonic()
        with hub.memory_peaks(crowd) as peaks_crowd, ThreadPoolExecutor(n) as pool:
            results = list(pool.map(walk, crowd))
        wall = time.monotonic() - started
    one, many = summary(solo, peaks_alone), summary(results, peaks_crowd)
    mib = 2**20
    print(f"{'':24}{'alone':>10}{f'{n} at once':>12}{'ratio':>8}")
    for label, key, unit in (("doctor click p50", "doctor_p50", "s"),
                             ("doctor click p95", "doctor_p95", "s"),
                             ("test HIT round p50", "hit_p50", "s"),
                             ("test HIT round p95", "hit_p95", "s"),
                             ("walk 00-07 p50", "walk_p50", "s"),
                             ("memory/learner median", "memory_median", "MB"),
                             ("memory/learner max", "memory_max", "MB")):
        a, b = one[key], many[key]
        scale = mib if unit == "MB" else 1
        print(f"{label:24}{a / scale:>9.1f}{unit[0]}{b / scale:>11.1f}{unit[0]}"
              f"{(b / a if a else float('nan')):>7.2f}x")
    print(f"failures: alone {one['failures']}, at once {many['failures']} of {n}; "
          f"all {n} walks took {wall:.0f} s")
    for error in one["errors"] + many["errors"]:
        print(f"  failed: {error}")
    ok = (many["failures"] == 0 and one["failures"] == 0
          and many["doctor_p95"] <= 3 * one["doctor_p95"] and many["memory_max"] <= MEMORY_TARGET)
    print("targets (0 failures, p95 doctor <= 3x alone, memory <= 600 MB):",
          "met" if ok else "NOT met")
    return 1 if one["failures"] or many["failures"] else 0  # a failed walk is an error


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
