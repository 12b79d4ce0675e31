"""Fault injection against the kit's four jobs, in-process and through the HTTP server.

Every job test takes a ``case`` (a fault, a seed, a way in) and a ``rig`` built for it:

* in-process: a demo world (moto plays IAM and STS, ``mock_mturk`` plays MTurk); faults
  are set on the simulator object. IAM has no fault injection there (moto).
* server: the simulator's real HTTP server (``SimulatorServer``) with the kit pointed at it
  through ``endpoint_url``; faults are set through ``POST /_admin/faults``, and dropped
  answers hit IAM and STS as well as MTurk (a flaky network does not pick a service).

botocore's own retry waits pass on the simulator's clock instead of the wall clock (the
kit already does this for its own waits in a demo world), so a run under faults costs no
wall time, throttling measured on the simulated clock lifts as botocore backs off, and
every run is repeatable. The kit's clients are used exactly as the kit configures them
(retries, timeouts); nothing of the kit is replaced.

Each run is recorded; at the end of the session the figures are printed as the README's
reliability table and written to ``test-artifacts/reliability.md``.
"""

from __future__ import annotations

import faulthandler
import json
import random
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HANG_LIMIT = 120  # wall seconds; a run that hangs is ended with every thread's traceback


@dataclass(frozen=True)
class Case:
    way: str  # "in-process" or "server"
    fault: str  # its name in the table
    settings: dict
    seed: int
    expect: str  # "ok", "stop" (a clean stop) or "either"

    def __str__(self) -> str:
        return f"{self.way}-{self.fault.replace(' ', '')}-seed{self.seed}"


def _cases(way, fault, settings, seeds, expect):
    return [Case(way, fault, settings, seed, expect) for seed in seeds]


CASES = [
    # Throttling on the simulated clock; each call takes 50 ms of it, so a job goes faster
    # than 2 calls a second and is throttled until botocore's backoff lets the second pass.
    *_cases("in-process", "throttling above 2 calls/s",
            {"throttle_rps": 2, "throttle_clock": "simulated", "latency": 0.05, "sleep": False},
            [0], "ok"),
    *_cases("in-process", "ServiceFault 20%", {"service_fault_rate": 0.2}, [1, 2, 3], "either"),
    *_cases("in-process", "latency 2 s a call", {"latency": 2.0, "sleep": False}, [0], "ok"),
    *_cases("in-process", "ServiceFault 100%", {"service_fault_rate": 1.0}, [0], "stop"),
    *_cases("server", "dropped answers 30%", {"drop_rate": 0.3}, [1, 2, 3], "either"),
    *_cases("server", "ServiceFault 20% + dropped 20%",
            {"service_fault_rate": 0.2, "drop_rate": 0.2}, [1], "either"),
    *_cases("server", "dropped answers 100%", {"drop_rate": 1.0}, [0], "stop"),
]


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", CASES, ids=str)


@pytest.fixture(autouse=True)
def no_hang():
    """A hang ends the run with every thread's traceback instead of blocking CI."""
    faulthandler.dump_traceback_later(HANG_LIMIT, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


# --- botocore's retry waits on the simulated clock -------------------------------------------


class SimulatedTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``, whose only use of it
    is the wait between retries: that wait moves the simulator's clock instead."""

    def __init__(self, clock):
        self._clock = clock
        self._lock = threading.Lock()
        self.waits = 0  # botocore retries
        self.seconds = 0.0

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits += 1
            self.seconds += seconds
        if seconds > 0:
            self._clock.advance(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


def _botocore_waits_on(monkeypatch, clock) -> SimulatedTime:
    import botocore.endpoint

    shim = SimulatedTime(clock)
    monkeypatch.setattr(botocore.endpoint, "time", shim)
    return shim


# --- the figures -------------------------------------------------------------------------------


@dataclass
class Run:
    job: str
    way: str
    fault: str
    seed: int
    ok: bool
    faulted: int  # requests the simulator throttled, failed or dropped
    retries: int  # botocore retries (the kit's own retries come on top)
    waited: float  # simulated seconds the job took
    lost: str = "—"  # what the job lost track of, e.g. "0 HITs"


@dataclass
class Figures:
    runs: list[Run] = field(default_factory=list)

    def table(self) -> str:
        groups: dict[tuple, list[Run]] = defaultdict(list)
        for run in self.runs:
            groups[(run.job, run.way, run.fault)].append(run)
        lines = [
            "| job | way in | fault | runs (seeds) | calls faulted | botocore retries | outcome "
            "| longest run (simulated) | lost track of |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        jobs = ["provisioning", "doctor", "test HIT", "clean-up"]
        faults = [(c.way, c.fault) for c in CASES]

        def order(group):
            job, way, fault = group
            return (next(i for i, j in enumerate(jobs) if job.startswith(j)),
                    faults.index((way, fault)))

        for (job, way, fault), runs in sorted(groups.items(), key=lambda g: order(g[0])):
            ok = sum(r.ok for r in runs)
            outcome = [f"succeeded {ok}/{len(runs)}"] if ok else []
            if ok < len(runs):
                outcome.append(f"clean stop {len(runs) - ok}/{len(runs)}")
            seeds = ", ".join(str(r.seed) for r in runs)
            lost = sorted({r.lost for r in runs})
            lines.append(
                f"| {job} | {way} | {fault} | {len(runs)} ({seeds}) | "
                f"{sum(r.faulted for r in runs)} | {sum(r.retries for r in runs)} | "
                f"{', '.join(outcome)} | {max(r.waited for r in runs):.1f} s | {', '.join(lost)} |"
            )
        return "\n".join(lines)


FIGURES = Figures()


def pytest_terminal_summary(terminalreporter):
    if not FIGURES.runs:
        return
    table = FIGURES.table()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reliability.md").write_text(table + "\n")
    terminalreporter.write_sep("-", "reliability under injected faults (tests/faults)")
    terminalreporter.write_line(table)
    terminalreporter.write_line(f"(also in {ARTIFACTS / 'reliability.md'})")


# --- the two ways in -----------------------------------------------------------------------------


class Rig:
    """One world for one case: the kit's clients, console actions, and faults on demand."""

    way = "in-process"
    endpoint_url: str | None = None
    backoff = None  # None: the demo world's clock

    def __init__(self, case: Case, sim, shim: SimulatedTime):
        self.case, self.sim, self.shim = case, sim, shim

    # -- faults
    def set_faults(self, **settings) -> None:
        self.sim.faults.configure(**settings)

    def under_faults(self, fn):
        """``fn()`` with this case's faults on: (result, error). Faults are off afterwards."""
        self.set_faults(seed=self.case.seed, **self.case.settings)
        random.seed(self.case.seed)  # botocore's and the kit's backoff jitter
        start, waits = self.sim.clock.now(), self.shim.waits
        try:
            result, error = fn(), None
        except Exception as exc:  # noqa: BLE001 - judged by the test: clean stop or raw crash
            result, error = None, exc
        faults = self.sim.faults
        self.faulted = faults.throttled + faults.faulted + faults.dropped
        self.retries = self.shim.waits - waits
        self.waited = (self.sim.clock.now() - start).total_seconds()
        self.set_faults()
        return result, error

    def record(self, job: str, ok: bool, lost: str = "—") -> None:
        FIGURES.runs.append(Run(job, self.case.way, self.case.fault, self.case.seed, ok,
                                self.faulted, self.retries, self.waited, lost))
        expected = {"either": (True, False), "ok": (True,), "stop": (False,)}[self.case.expect]
        assert ok in expected, f"{job} under {self.case.fault}: expected {self.case.expect}"

    # -- the kit's side
    def mturk(self, key):
        from mturklink_helpers.endpoints import mturk_client

        url = f"{self.endpoint_url}/sandbox" if self.endpoint_url else None
        return mturk_client(key, "sandbox", endpoint_url=url)


class DemoRig(Rig):
    def __init__(self, case, world, shim):
        super().__init__(case, world.sim, shim)
        self.world = world

    def admin_session(self):
        return self.world.admin_session()

    def iam(self):
        return self.world.admin_session().client("iam", region_name="us-east-1")

    def new_key(self, user="mturk-requester"):
        return self.world.console_create_iam_user(user)

    def workers_submit(self, hit_id, count=None):
        return self.sim.workers_submit(hit_id, count)


class ServerRig(Rig):
    way = "server"

    def __init__(self, case, server, shim):
        from mturklink_helpers.awsutil import Backoff

        super().__init__(case, server.simulator, shim)
        self.server = server
        self.endpoint_url = server.url
        clock = server.simulator.clock
        self.backoff = Backoff(sleep=clock.advance, clock=lambda: clock.now().timestamp())
        self.admin("reset")  # MTurk and moto's IAM/STS back to a blank world
        # The server checks every IAM key from the first request, as AWS does: an IAM
        # administrator's key, made through the console.
        from mturklink_helpers.credentials import AccessKey

        made = self.admin("requester-key", user_name="iam-admin", policy="IAMFullAccess")
        self.admin_key = AccessKey(made["AccessKeyId"], made["SecretAccessKey"], "iam-admin")

    def admin(self, action, **body):
        request = urllib.request.Request(
            f"{self.server.url}/_admin/{action}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def set_faults(self, **settings) -> None:
        self.admin("faults", **settings)

    def admin_session(self):
        # (An AccessKey's session shares botocore's data loader: fresh ones are slow.)
        return self.admin_key.session()

    def iam(self):
        return self.admin_session().client("iam", endpoint_url=self.server.url)

    def new_key(self, user="mturk-requester"):
        from mturklink_helpers.credentials import AccessKey

        made = self.admin("requester-key", user_name=user)
        return AccessKey(made["AccessKeyId"], made["SecretAccessKey"], user)

    def workers_submit(self, hit_id, count=None):
        return self.admin("workers-submit", hit_id=hit_id, count=count)["assignment_ids"]


@pytest.fixture(scope="session")
def simulator_server():
    from mturklink_helpers.simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield server


@pytest.fixture
def server_rig(simulator_server, monkeypatch):
    """A server rig for a fault outside CASES: ``server_rig({"drop_rate": 0.3}, seed=5)``."""

    def make(settings: dict, seed: int) -> ServerRig:
        case = Case("server", "custom", settings, seed, "either")
        shim = _botocore_waits_on(monkeypatch, simulator_server.simulator.clock)
        return ServerRig(case, simulator_server, shim)

    return make


@pytest.fixture
def rig(case, request, monkeypatch):
    if case.way == "server":
        server = request.getfixturevalue("simulator_server")
        yield ServerRig(case, server, _botocore_waits_on(monkeypatch, server.simulator.clock))
        return
    from mturklink_helpers.demo import DemoWorld

    with DemoWorld.ready() as world:
        yield DemoRig(case, world, _botocore_waits_on(monkeypatch, world.sim.clock))


# --- what a learner reads when a job stops -----------------------------------------------------


@pytest.fixture
def stop_message():
    """The one message a stopped job shows (what the notebook form shows; the CLI prints the
    same sentence for an IamSetupError), checked to be one clear sentence."""

    def message(error: BaseException) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        from mturklink_helpers.iam import IamSetupError
        from mturklink_helpers.widgets.base import explain

        assert isinstance(error, IamSetupError | ClientError | BotoCoreError), (
            f"a raw {type(error).__name__} escaped: {error!r}")
        return clear(explain(error))

    return message


def clear(text: str) -> str:
    """One line, no traceback, and it says what to do."""
    assert text and "\n" not in text.strip() and "Traceback" not in text, text
    assert len(text) < 400, text
    assert any(hint in text.lower() for hint in ("again", "guide step", "run the doctor")), text
    return text


@pytest.fixture
def clear_text():
    return clear
