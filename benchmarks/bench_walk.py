"""Memory and start-up of a learner's whole walk, next to bare kernels, in one run.

The walk: a JupyterLab server (what `make lab` starts), the eight lessons each in its own
kernel (run top to bottom, then their buttons pressed as the tests' checks press them, and
kept open, as a learner's tabs are), and the learner's demo world. Measured: memory of each part (PSS from /proc/PID/smaps_rollup: shared pages counted
once, so the parts add up) and the time from a kernel's start to its first form on screen
(the lesson's first code cell done). Side by side in the same run: eight bare kernels
(ipykernel, nothing imported) started the same way. Target: the whole walk <= 600 MB, since a
free Binder guarantees 1 GB.

    .venv/bin/python benchmarks/bench_walk.py
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client import KernelManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.notebooks.harness import (  # noqa: E402
    CHECKS,
    LESSONS,
    NOTEBOOKS,
    learner_env,
    learner_home,
)

TARGET_MB = 600


def pss_mb(pid: int, field: str = "Pss") -> float:
    """Proportional set size (or "Rss") of a process and its children, in MB."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(k) for k in kids]
    for kid in list(found):
        found += _children(kid)
    return found


def start_kernel(env: dict, cwd: Path) -> tuple[KernelManager, object]:
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(cwd), extra_arguments=["--log-level=ERROR"])
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc


def run(kc, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=300, output_hook=lambda _msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell failed: {reply['content'].get('evalue')}")


def walk(home: Path) -> dict:
    env, cwd = learner_env(home), home / "notebooks"
    cwd.mkdir(parents=True, exist_ok=True)
    kernels, first_form = [], []
    for name in LESSONS:
        cells = [c.source for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", 4).cells
                 if c.cell_type == "code"]
        started = time.perf_counter()
        km, kc = start_kernel(env, cwd)
        run(kc, cells[0])
        first_form.append(time.perf_counter() - started)
        for code in cells[1:]:
            run(kc, code)
        run(kc, CHECKS[name])  # the learner presses the lesson's buttons
        kernels.append((km, kc))
    return {"kernels": kernels, "first_form": first_form}


def bare(home: Path) -> dict:
    env, cwd = learner_env(home), home / "notebooks"
    cwd.mkdir(parents=True, exist_ok=True)
    kernels, first = [], []
    for _ in LESSONS:
        started = time.perf_counter()
        km, kc = start_kernel(env, cwd)
        run(kc, "1")
        first.append(time.perf_counter() - started)
        kernels.append((km, kc))
    return {"kernels": kernels, "first_form": first}


def start_server(home: Path) -> subprocess.Popen:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lab = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    server = subprocess.Popen(
        [lab, "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.token=bench", "--allow-root", f"--ServerApp.root_dir={NOTEBOOKS}"],
        env=learner_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    time.sleep(2)  # let it finish loading its extensions
    return server


def stop(kernels) -> None:
    for km, kc in kernels:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main() -> None:
    from mturklink_helpers import world

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        server = start_server(home)
        try:
            bare_run = bare(home / "bare")
            bare_mb = [pss_mb(km.provisioner.process.pid) for km, _ in bare_run["kernels"]]
            stop(bare_run["kernels"])
            walked = walk(home)
            kernel_mb = [pss_mb(km.provisioner.process.pid) for km, _ in walked["kernels"]]
            server_mb = pss_mb(server.pid)
            status = world.status(learner_home(home))
            world_mb = pss_mb(status["pid"]) if status else float("nan")
            pids = [server.pid, status["pid"] if status else server.pid,
                    *(km.provisioner.process.pid for km, _ in walked["kernels"])]
            rss_total = sum(pss_mb(pid, "Rss") for pid in pids)
            stop(walked["kernels"])
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            world.stop(learner_home(home))
            world.stop(learner_home(home / "bare"))
    total = server_mb + sum(kernel_mb) + world_mb
    n = len(LESSONS)
    print(f"{'JupyterLab server':44} {server_mb:7.0f} MB")
    print(f"{f'{n} lesson kernels (each)':44} {sum(kernel_mb):7.0f} MB  "
          f"({min(kernel_mb):.0f}–{max(kernel_mb):.0f} MB each)")
    print(f"{'the demo world':44} {world_mb:7.0f} MB")
    print(f"{'whole walk':44} {total:7.0f} MB  (target <= {TARGET_MB} MB; RSS summed, "
          f"shared pages counted again each time: {rss_total:.0f} MB)")
    print(f"{f'{n} bare kernels, for comparison':44} {sum(bare_mb):7.0f} MB  "
          f"({min(bare_mb):.0f}–{max(bare_mb):.0f} MB each)")
    print(f"{'kernel start to first form, median':44} {statistics.median(walked['first_form']):7.2f} s"
          f"  (bare kernel start to first answer {statistics.median(bare_run['first_form']):.2f} s)")
    print(f"{'per lesson (s)':44} " + ", ".join(f"{t:.1f}" for t in walked["first_form"]))
    print(f"ratio walk kernels / bare kernels: {sum(kernel_mb) / sum(bare_mb):.2f}; "
          f"first form / bare start: {statistics.median(walked['first_form']) / statistics.median(bare_run['first_form']):.2f}")
    os.environ.pop("MTURKLINK_HOME", None)


if __name__ == "__main__":
    main()
