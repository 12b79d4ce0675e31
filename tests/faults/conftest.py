"""Fault injection against the kit's four jobs, in-process and in the learner's world.

Every job test takes a ``case`` (a fault, a seed, a way in) and a ``rig`` built for it:

* in-process: ``moto.mock_aws()`` plays IAM and STS and ``mock_mturk()`` plays MTurk, in
  this process (the simulator as a test tool; a learner's kernel never runs it). Faults are
  set on the simulator object, whose clock stands still unless moved, so throttling and
  latency are exact. IAM has no fault injection there (moto), and no answer is ever lost.
* world: the learner's demo world (the session's world process, tests/conftest.py), the
  kit's clients pointed at it as demo mode points them; faults are set through its console
  (``world.faults(...)``), and lost answers hit IAM and STS as well as MTurk (a flaky
  network does not pick a service).

botocore's own retry waits pass on the simulated clock (the simulator's, or the world's
through ``world.sleep``) instead of the wall clock, as the kit's own waits already do in
demo mode, so a run under faults costs no wall time, throttling measured on the simulated
clock lifts as botocore backs off, and the faults a run meets are the same on every run (a
seed draws them, and one request at a time reaches the simulator). The kit's clients are
used exactly as the kit configures them (botocore's standard retries: ``retry.MAX_ATTEMPTS``
HTTP attempts a call, ``retry.BULK_MAX_ATTEMPTS`` for clean-up); nothing of the kit is
replaced.

Each run is recorded; at the end of the session the figures are printed as the README's
reliability table and written to ``test-artifacts/reliability.md``.
"""

from __future__ import annotations

import faulthandler
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HANG_LIMIT = 120  # wall seconds; a run that hangs is ended with every thread's traceback


@dataclass(frozen=True)
class Case:
    way: str  # "in-process" or "world"
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
    *_cases("world", "ServiceFault 20%", {"service_fault_rate": 0.2}, [1], "either"),
    *_cases("world", "dropped answers 30%", {"drop_rate": 0.3}, [1, 2, 3], "either"),
    *_cases("world", "ServiceFault 20% + dropped 20%",
            {"service_fault_rate": 0.2, "drop_rate": 0.2}, [1], "either"),
    *_cases("world", "dropped answers 100%", {"drop_rate": 1.0}, [0], "stop"),
    # Half an answer, then the connection closes (the full Content-Length was promised).
    *_cases("world", "answers cut off 30%", {"cut_rate": 0.3}, [1, 2], "either"),
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
    is the wait between retries: that wait moves the simulated clock instead."""

    def __init__(self, clock):
        self._clock = clock  # a retry.Clock: the simulator's (SimClock) or a World
        self._lock = threading.Lock()
        self.waits = 0  # botocore retries
        self.seconds = 0.0

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits += 1
            self.seconds += seconds
        self._clock.sleep(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


def _botocore_waits_on(monkeypatch, clock) -> SimulatedTime:
    import botocore.endpoint

    shim = SimulatedTime(clock)
    monkeypatch.setattr(botocore.endpoint, "time", shim)
    return shim


class SimClock:
    """The in-process simulator's clock as a ``retry.Clock`` (what ``Wait`` runs on)."""

    def __init__(self, clock):
        self._clock = clock

    def monotonic(self) -> float:
        return self._clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._clock.advance(seconds)

    def now(self):
        return self._clock.now()


# --- the figures -------------------------------------------------------------------------------


@dataclass
class Run:
    job: str
    way: str
    fault: str
    seed: int
    ok: bool
    faulted: int  # requests the simulator throttled, failed, dropped or cut off
    retries: int  # botocore retries: the kit's only ones (no loop of its own around a call)
    waited: float  # simulated seconds the job took (in the world: its clock, real time plus waits)
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
    endpoints = None  # clients.Endpoints; None: AWS's own (intercepted in-process)
    clock = None  # a retry.Clock on simulated time

    def __init__(self, case: Case, shim: SimulatedTime):
        self.case, self.shim = case, shim

    # -- faults
    def set_faults(self, **settings) -> None:
        raise NotImplementedError

    def faulted_count(self) -> int:
        """Requests throttled, failed, dropped or cut off since the faults were last set."""
        raise NotImplementedError

    def under_faults(self, fn):
        """``fn()`` with this case's faults on: (result, error). Faults are off afterwards."""
        self.set_faults(seed=self.case.seed, **self.case.settings)
        random.seed(self.case.seed)  # botocore's backoff jitter
        start, waits = self.clock.monotonic(), self.shim.waits
        try:
            result, error = fn(), None
        except Exception as exc:  # noqa: BLE001 - judged by the test: clean stop or raw crash
            result, error = None, exc
        self.faulted = self.faulted_count()
        self.retries = self.shim.waits - waits
        self.waited = self.clock.monotonic() - start
        self.set_faults()
        return result, error

    def record(self, job: str, ok: bool, lost: str = "—") -> None:
        FIGURES.runs.append(Run(job, self.case.way, self.case.fault, self.case.seed, ok,
                                self.faulted, self.retries, self.waited, lost))
        expected = {"either": (True, False), "ok": (True,), "stop": (False,)}[self.case.expect]
        assert ok in expected, f"{job} under {self.case.fault}: expected {self.case.expect}"

    # -- the kit's side
    def mturk(self, key, **kwargs):
        """An MTurk sandbox client as the kit builds it (kwargs: max_attempts=)."""
        from mturklink_helpers.clients import client

        return client(key, "mturk", self.endpoints, "sandbox", **kwargs)

    def iam(self):
        from mturklink_helpers.clients import client

        return client(self.admin_session(), "iam", self.endpoints)

    def wait(self, **kwargs):
        """A retry.Wait on this rig's clock, as ``Kit.wait()`` makes one in demo mode."""
        from mturklink_helpers.retry import Wait

        return Wait(clock=self.clock, **kwargs)


class InProcessRig(Rig):
    def __init__(self, case, sim, shim):
        super().__init__(case, shim)
        self.sim = sim
        self.clock = shim._clock
        # The learner's administrator (guide step 1): an IAM user allowed everything.
        import boto3

        iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                           aws_secret_access_key="a" * 40)
        iam.create_user(UserName="demo-admin")
        iam.put_user_policy(UserName="demo-admin", PolicyName="AdministratorAccess",
                            PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": '
                                           '"Allow", "Action": "*", "Resource": "*"}]}')
        made = iam.create_access_key(UserName="demo-admin")["AccessKey"]
        from mturklink_helpers.credentials import AccessKey

        self._admin = AccessKey(made["AccessKeyId"], made["SecretAccessKey"], "demo-admin")
        self._admin_session = self._admin.session()

    def set_faults(self, **settings) -> None:
        self.sim.faults.configure(**settings)

    def faulted_count(self) -> int:
        faults = self.sim.faults
        return faults.throttled + faults.faulted + faults.dropped

    def admin_session(self):
        return self._admin_session

    def new_key(self, user="mturk-requester"):
        return self.sim.new_requester_key(user)

    def workers_submit(self, hit_id, count=None):
        return self.sim.workers_submit(hit_id, count)


class WorldRig(Rig):
    way = "world"

    def __init__(self, case, world, shim):
        from mturklink_helpers.clients import Endpoints

        super().__init__(case, shim)
        self.world = world  # guide steps 1-3 done (tests/conftest.py's ``world``)
        self.clock = world  # a World is a retry.Clock: the world's time
        self.endpoints = Endpoints.of(world.url)
        self._admin_session = world.admin_key().session()

    def set_faults(self, **settings) -> None:
        self.world.faults(**settings)

    def faulted_count(self) -> int:
        counts = self.world.state()["faults"]
        return counts["throttled"] + counts["service_faults"] + counts["dropped"] + counts["cut"]

    def admin_session(self):
        return self._admin_session

    def new_key(self, user="mturk-requester"):
        """Guide step 4 in the world's IAM console (never faulted: it is the console)."""
        return self.world.console_create_iam_user(user)

    def workers_submit(self, hit_id, count=None):
        return self.world.workers_submit(hit_id, count)


@pytest.fixture
def world_rig(world, monkeypatch):
    """A world rig for a fault outside CASES: ``world_rig({"drop_rate": 0.3}, seed=5)``."""

    def make(settings: dict, seed: int) -> WorldRig:
        case = Case("world", "custom", settings, seed, "either")
        return WorldRig(case, world, _botocore_waits_on(monkeypatch, world))

    yield make
    world.faults()


@pytest.fixture
def rig(case, request, monkeypatch):
    if case.way == "world":
        world = request.getfixturevalue("world")
        yield WorldRig(case, world, _botocore_waits_on(monkeypatch, world))
        world.faults()
        return
    from moto import mock_aws

    from mturklink_helpers.simulator import mock_mturk

    # No key of the tester's may reach moto, and no AWS profile either.
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    from moto.core.authorization import enable_iam_authentication

    with mock_aws(), mock_mturk() as sim:
        made = InProcessRig(case, sim, _botocore_waits_on(monkeypatch, SimClock(sim.clock)))
        # From here on moto checks every key and its policies, as AWS and the world do (the
        # doctor's least-privilege check asks IAM what a learner's key may do).
        with enable_iam_authentication():
            yield made


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
    # 500, not 400 as before issue 15: a "could not check" verdict also names every check it
    # could not make and what to do in either mode (doctor.COULD_NOT_CHECK), about 420.
    assert len(text) < 500, text
    assert any(hint in text.lower() for hint in ("again", "guide step", "run the doctor")), text
    return text


@pytest.fixture
def clear_text():
    return clear
