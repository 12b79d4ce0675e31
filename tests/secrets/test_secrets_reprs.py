"""Every public class of mturklink_helpers: ``repr()``, ``str()`` and the HTML Jupyter shows
never contain a secret.

The classes are found by walking the package, so a new public class fails
``test_every_public_class_is_covered_or_listed_secret_free`` until it is either made here,
holding secrets, or listed in SECRET_FREE with the reason it never sees one.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import traceback
import urllib.request

import pytest

import mturklink_helpers

# Classes that never hold or see a secret, and why.
SECRET_FREE = {
    "mturklink_helpers.doctor.Status": "an enum of five words (ok, failed, warning, skipped, "
                                       "could not check)",
    "mturklink_helpers.endpoints.Environment": "an enum of the two MTurk endpoints",
    "mturklink_helpers.failures.KnownFailures": "the registry's fixed texts (failures.py); no key",
    "mturklink_helpers.errors.Kind": "an enum of what an error means",
    "mturklink_helpers.fees.UnconfirmedSpendingError": "a sentence about money; made from amounts",
    "mturklink_helpers.kit.NoKeyLoaded": "a fixed sentence: no key is loaded",
    "mturklink_helpers.pacing.RateLimiter": "a rate and a clock",
    "mturklink_helpers.pacing.CallStats": "request and throttle counters",
    "mturklink_helpers.retry.Clock": "a Protocol (monotonic, sleep); never instantiated",
    "mturklink_helpers.retry.RealTime": "the computer's clock",
    "mturklink_helpers.steps.DemoAction": "the label and method names of a console action",
    "mturklink_helpers.steps.Step": "a step of the guide: titles, sub-steps, addresses",
    "mturklink_helpers.world.DemoStepMissing": "one sentence naming a missing step of the guide, "
                                               "raised before the step that makes the key",
    "mturklink_helpers.world.WorldError": "one sentence about the world process (address, log)",
    "mturklink_helpers.world.WorldWarning": "a notice about the world's saved state",
    "mturklink_helpers.simulator.auth.Caller": "account id, ARN and access key id: no secret field",
    "mturklink_helpers.simulator.clock.Clock": "a point in simulated time",
    "mturklink_helpers.simulator.worker_pages.Markup": "a str of the worker pages' own HTML "
                                                       "(a time, a sentence): no key reaches it",
    "mturklink_helpers.simulator.core.mock_mturk": "a seed and a flag; object's default repr",
    "mturklink_helpers.simulator.exceptions.MTurkError": "fixed AWS wordings; no constructor takes a key",
    "mturklink_helpers.simulator.exceptions.RequestError": "MTurk's RequestError texts (HIT ids, states)",
    "mturklink_helpers.simulator.exceptions.ServiceFault": "a fixed text",
    "mturklink_helpers.simulator.exceptions.UnrecognizedClientException": "a fixed text",
    "mturklink_helpers.simulator.exceptions.InvalidSignatureException": "a fixed text, no signature",
    "mturklink_helpers.simulator.exceptions.IncompleteSignatureException": "AWS's text about a "
                                                                           "missing header part",
    "mturklink_helpers.simulator.exceptions.MissingAuthenticationTokenException": "a fixed text",
    "mturklink_helpers.simulator.exceptions.AccessDeniedException": "a user ARN and an action",
    "mturklink_helpers.simulator.exceptions.ThrottlingException": "a fixed text",
    "mturklink_helpers.simulator.exceptions.ValidationException": "botocore's model check of a request's parameters",
    "mturklink_helpers.simulator.exceptions.ParameterValidationError": "a parameter's name and value "
                                                                       "(never a key: MTurk has none)",
    "mturklink_helpers.simulator.exceptions.UnknownOperationException": "an operation name",
    "mturklink_helpers.simulator.exceptions.WorkerRefusal": "one sentence a worker page shows "
                                                            "(HIT and assignment ids, times)",
    "mturklink_helpers.simulator.worker_site.WorkerSite": "the simulator and a lock; its pages "
                                                         "show no key and no token "
                                                         "(tests/test_worker_site.py)",
    "mturklink_helpers.simulator.faults.Faults": "fault settings and a random generator",
    "mturklink_helpers.simulator.models.Account": "linked, registered, a balance",
    "mturklink_helpers.simulator.models.HITType": "MTurk data a requester posts",
    "mturklink_helpers.simulator.models.HIT": "MTurk data a requester posts",
    "mturklink_helpers.simulator.models.Assignment": "a simulated worker's answer",
    "mturklink_helpers.simulator.models.QualificationType": "MTurk data a requester posts",
    "mturklink_helpers.simulator.models.Qualification": "a worker's qualification score",
    "mturklink_helpers.simulator.questions.QuestionError": "a sentence about question XML",
    "mturklink_helpers.simulator.questions.Field": "a form field of a HIT's question",
    "mturklink_helpers.simulator.questions.Question": "a HIT's parsed question",
    "mturklink_helpers.failures.Failure": "the words of one failure mode, fixed in the code",
    "mturklink_helpers.simulator.realism.Realism": "which of the real service's habits are on",
    "mturklink_helpers.simulator.workers.Worker": "a simulated worker's id and traits",
    "mturklink_helpers.workshop.Badge": "a Binder link built from a repository's public name",
    "mturklink_helpers.workshop.WorkshopLinkError": "a message about a typed hub address, "
                                                    "repository or folder name",
    "mturklink_helpers.room_service.PageHandler": "a request of the room view's page: the hub's "
                                                  "user model, never a key",
    "mturklink_helpers.room_service.RoomHandler": "a request for the room's rows (room.clean's "
                                                  "words and step numbers)",
    "mturklink_helpers.room_service.ReportHandler": "a learner's report, as room.clean lets it in",
}
# Classes of the world's own process (world_server): made there, by a child process of the
# test (test_world_server_objects_show_no_secret), never in a kernel or in this process.
WORLD_PROCESS = {"mturklink_helpers.world_server.Action", "mturklink_helpers.world_server.Damaged",
                 "mturklink_helpers.world_server.Journal",
                 "mturklink_helpers.world_server.WorldService"}


def public_classes() -> dict[str, type]:
    """Every class defined in a module of the package whose name does not start with _."""
    found = {}
    for info in pkgutil.walk_packages(mturklink_helpers.__path__, "mturklink_helpers."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it runs the command line; it defines no class
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{module.__name__}.{name}"] = obj
    return found


def qualified(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


@pytest.fixture(scope="module")
def carriers(tmp_path_factory, audit_seed, secret_tools, session_world, world_home):
    """Instances of every class that can hold or see a secret, made the way the kit makes
    them: the forms and the doctor on a demo Kit in this directory's world (tests/secrets'
    conftest: its every key has a known secret), and the simulator's own objects in-process
    (mock_aws + mock_mturk, known secrets here too)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from moto import mock_aws

    from mturklink_helpers import hits
    from mturklink_helpers.clients import client
    from mturklink_helpers.credentials import (
        AccessKey,
        CredentialsFileError,
        load_credentials,
        load_environment,
        load_profile,
    )
    from mturklink_helpers.errors import classify
    from mturklink_helpers.fees import estimate_cost
    from mturklink_helpers.iam import IamSetupError, KeyLimitError, provision_iam_user
    from mturklink_helpers.kit import Kit
    from mturklink_helpers.problems import catch_up
    from mturklink_helpers.simulator import mock_mturk
    from mturklink_helpers.simulator.server import SimulatorServer
    from mturklink_helpers.widgets import (
        ConsoleChecklist,
        CreateIamUserForm,
        DemoProblems,
        DoctorPanel,
        Form,
        LoadCredentialsForm,
        ModeChooser,
        Overview,
        ProgressLine,
        RoomReports,
        TestHitForm,
        TurkPrimeHandoff,
    )

    work = tmp_path_factory.mktemp("reprs")
    patch = pytest.MonkeyPatch()
    patch.chdir(work)
    patch.setenv("MTURKLINK_HOME", str(world_home))
    patch.delenv("MTURKLINK_MODE", raising=False)
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(work / "aws" / "credentials"))
    world = session_world
    world.admin("reset")
    for name in ("settings.json", "progress.json"):
        (world_home / name).unlink(missing_ok=True)
    secret_tools.install(audit_seed + "-reprs")  # the in-process moto below
    made: list = []
    server = None
    try:
        kit = Kit("demo", home_dir=world_home)
        catch_up(kit, 3)  # guide steps 1-3 done
        made += [world, world.admin_key(), kit.endpoints, kit.wait()]

        step4 = ConsoleChecklist(4, kit=kit)
        step4.do_button.click()  # the demo's download: secrets/demo-downloads/credentials.csv
        load = LoadCredentialsForm(kit=kit)
        load.load_button.click()
        learner = kit.key
        assert learner is not None, load.status_text
        failed = Form("A form whose action failed", kit=kit)
        failed.fail(RuntimeError(f"the handler saw {learner.reveal_secret()}"))
        # A kit that found the learner's key file through the saved settings, as notebook 05's.
        made += [step4, load, learner, failed, kit, Kit("demo", home_dir=world_home)]

        create = CreateIamUserForm(kit=kit)
        create.new_key.value = True
        create.save_to.value = "secrets/route-b.csv"
        create.create_button.click()
        seen: list = []
        admin = world.admin_key().session()
        where = {"endpoints": kit.endpoints}
        result = provision_iam_user(admin, "audit-user", new_key=True,
                                    credentials_path=work / "audit.csv", profile="audit",
                                    progress=seen.append, wait=kit.wait(), **where)
        provision_iam_user(admin, "audit-user", new_key=True, wait=False, **where)
        errors: list = []
        for kwargs in ({"credentials_path": work / "audit.csv"}, {}):  # file exists; two keys
            try:
                provision_iam_user(admin, "audit-user", new_key=True, **kwargs, **where)
            except IamSetupError as exc:
                errors.append(exc)
        assert [type(e) for e in errors] == [IamSetupError, KeyLimitError]
        made += [create, result, *seen, *errors, *errors[1].keys]

        secret = learner.reveal_secret()
        broken_files = [
            f"Access key ID,Secret access key\n{secret},{learner.access_key_id}\n",  # swapped
            f"Access key ID,Secret access key\n{learner.access_key_id},{secret}x\n",  # too long
            f"Access key ID,Secret access key\n{learner.access_key_id},{secret[:-1]}!\n",
            f"Access key ID,Secret access key\nASIA{learner.access_key_id[4:]},{secret}\n",
            f"Access key ID,Secret access key\n{learner.access_key_id[:-1]},{secret}\n",
            f"User name,Access key ID,Secret access key\na,{learner.access_key_id},{secret}\n"
            f"b,{learner.access_key_id},{secret}\n",
            f"{learner.access_key_id},{secret}\n",  # no header row
            f"{secret},{secret}\n",
            f"AWSAccessKeyId={learner.access_key_id}\nAWSSecretKey={secret}x\n",
            f"AWSAccessKeyId={learner.access_key_id}\n{secret}\n",
            f'"Access key ID","Secret access key\n{learner.access_key_id},{secret}\n',
            # Columns pasted in the wrong order: the secret lands under "User name".
            f"User name,Access key ID,Secret access key\n{secret},{learner.access_key_id},x\n"
            f"{secret}x,{learner.access_key_id},y\n",
        ]
        (work / "aws" / "broken").write_text(f"[mturk]\naws_access_key_id = x\n{secret}\n")
        attempts = [lambda text=text: load_credentials(text.encode()) for text in broken_files]
        attempts += [
            lambda: load_credentials(broken_files[-1].encode(), user_name="mturk-requester"),
            lambda: load_profile("mturk", work / "aws" / "broken"),
            lambda: load_environment({"AWS_ACCESS_KEY_ID": learner.access_key_id,
                                      "AWS_SECRET_ACCESS_KEY": secret + "="}),
            lambda: load_environment({"AWS_ACCESS_KEY_ID": learner.access_key_id,
                                      "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": secret}),
        ]
        for attempt in attempts:
            try:
                attempt()
            except CredentialsFileError as exc:
                made.append(exc)
        assert sum(isinstance(o, CredentialsFileError) for o in made) == len(attempts)

        wrong = AccessKey(learner.access_key_id, secret[:-1] + ("A" if secret[-1] != "A" else "B"),
                          learner.user_name, "credentials.csv (mistyped)")
        for key in (learner, wrong, world.root_key()):
            diagnosis = kit.diagnose(key)
            made += [diagnosis, *diagnosis.checks, *diagnosis.turkprime_form]
        made += [wrong, kit.check_step(4), kit.check_step(2)]

        # What errors mean (errors.classify): a wrong secret refused, and a CreateAccessKey
        # answer cut off mid-way (half of it holds the new key's secret) as the kit's own
        # clients see it and as a plain boto3 client (botocore's ResponseParserError) does.
        iam = client(world.admin_key(), "iam", kit.endpoints)
        iam.create_user(UserName="cut-user")
        plain_iam = world.admin_key().session().client("iam", endpoint_url=world.url,
                                                       region_name="us-east-1")
        for cut, call in ((False, lambda: client(wrong, "sts", kit.endpoints).get_caller_identity()),
                          (True, lambda: iam.create_access_key(UserName="cut-user")),
                          (True, lambda: plain_iam.create_access_key(UserName="cut-user"))):
            world.faults(cut_rate=1.0 if cut else 0.0)
            try:
                call()
            except Exception as exc:  # noqa: BLE001 - each kind of failure is kept and rendered
                made += [exc, classify(exc)]
            finally:
                world.faults()
        assert [type(o).__name__ for o in made[-6:]] == [
            "ClientError", "Meaning", "IncompleteReadError", "Meaning", "ResponseParserError",
            "Meaning"], [type(o).__name__ for o in made[-6:]]
        assert isinstance(made[-4], BotoCoreError) and isinstance(made[-6], ClientError)
        # botocore's own error holds the half answer, secret and all: why the kit's clients
        # never let one out (clients._refuse_cut_off_answers). What the kit makes of it does
        # not (its Meaning stays in the list); the raw error, not the kit's, is left out.
        raw = made.pop(-2)
        assert "<SecretAccessKey>" in str(raw)

        handoff = TurkPrimeHandoff(kit=kit)
        handoff.check_button.click()
        hit_form = TestHitForm(kit=kit)
        hit_form.create_button.click()
        mturk = kit.mturk()
        test_hit = hits.create_test_hit(mturk, assignments=2)
        world.workers_submit(test_hit.hit_id)
        frame = hits.assignments_frame(mturk, test_hit.hit_id)
        first, second = frame["assignment_id"]
        reviewed = hits.review(mturk, frame, approve=[first], reject={second: "empty answer"})
        made += [handoff, hit_form, test_hit, test_hit.cost or estimate_cost("0.01", 2), reviewed,
                 hits.cleanup(mturk, approve_submitted=True)]

        for problem in ("wrong-secret", "root-key"):
            breaker = DemoProblems(kit=kit)
            breaker.problem.value = problem
            breaker.apply_button.click()
            doctor = DoctorPanel(kit=kit)
            doctor.run_button.click()
            made += [breaker, doctor]
        made += [ModeChooser(kit=kit), Overview(current_step=4, kit=kit), ProgressLine(kit=kit),
                 RoomReports(kit=kit)]
        made += [form.output for form in (handoff, hit_form, doctor)]  # HtmlOutput: what they show
        # The room view's state, holding a report built from this kit and a doctor's run on
        # the learner's key (what a kernel on a hub sends).
        from mturklink_helpers import room as room_reports
        from mturklink_helpers.room_service import Room

        room_state = Room(work / "room.json")
        room_state.receive("a-learner", room_reports.build(kit, kit.diagnose(learner)))
        made.append(room_state)

        # A key's life cycle (rotation.py): a user of its own, its key rotated, used after the
        # confirmation (refused: KeyInUse), then deleted; a leaked key revoked; both forms.
        from mturklink_helpers.rotation import KeyInUse, revoke_key, rotate_key
        from mturklink_helpers.widgets import RevokeKeyForm, RotateKeyForm

        (work / "rotate").mkdir()
        rot_file = work / "rotate" / "credentials.csv"
        rot_old = world.console_create_iam_user("audit-rotation", download=rot_file)
        seen_rotation = [rotate_key(kit, rot_old, old_path=rot_file, progress=seen.append)]

        def use_old_key(p):
            if p.stage == "deactivate":
                client(rot_old, "mturk", kit.endpoints, "sandbox").get_account_balance()

        try:
            rotate_key(kit, rot_old, confirm=True, progress=use_old_key)
        except KeyInUse as exc:
            seen_rotation.append(exc)
        seen_rotation.append(rotate_key(kit, rot_old, confirm=True))
        assert [type(o).__name__ for o in seen_rotation] == ["Rotation", "KeyInUse", "Rotation"]
        leaked = world.console_create_iam_user("audit-leak", download=work / "leak.csv")
        revoked = revoke_key(kit, leaked, key_path=work / "leak.csv")
        rotate_form = RotateKeyForm(kit=kit)
        rotate_form.key_file.value = str(work / "rotate" / "credentials-new.csv")
        rotate_form.start_button.click()
        revoke_form = RevokeKeyForm(kit=kit)
        revoke_form.key_file.value = str(work / "leak.csv")
        revoke_form.leak_button.click()
        revoke_form.revoke_button.click()
        made += [*seen_rotation, revoked, *revoked.other_keys, rotate_form, revoke_form]

        # The simulator's own objects, in-process (the test tool), and its HTTP server with
        # its admin interface handing out a simulated key.
        with mock_aws(), mock_mturk() as sim:
            sim_key = sim.new_requester_key("audit-sim-user")
            sim_mturk = sim_key.session().client(
                "mturk", region_name="us-east-1",
                endpoint_url="https://mturk-requester-sandbox.us-east-1.amazonaws.com")
            hits.create_test_hit(sim_mturk)
            made += [sim_key, sim, sim.authenticator, sim.world, sim.backend("sandbox"),
                     sim.responses]
            server = SimulatorServer(port=0, simulator=sim).start()
            request = urllib.request.Request(f"{server.url}/_admin/requester-key",
                                             data=b'{"user_name": "audit-server-user"}',
                                             method="POST")
            with urllib.request.urlopen(request, timeout=10) as response:
                handed_out = json.loads(response.read())
            made += [server, server.app]
            server.stop()
            server = None
        token = json.loads((world_home / "world.json").read_text())["token"]
        yield {"objects": made, "learner": learner, "handed_out": handed_out, "token": token,
               "scanner": secret_tools.Scanner([secret_tools.known_stem(audit_seed + "-reprs")])}
    finally:
        if server is not None:
            server.stop()
        secret_tools.uninstall()
        patch.undo()


def renderings(obj) -> dict[str, str]:
    out = {"repr": repr(obj), "str": str(obj)}
    for method in ("_repr_html_", "_repr_markdown_", "_repr_pretty_"):
        if method != "_repr_pretty_" and callable(getattr(obj, method, None)):
            out[method] = getattr(obj, method)() or ""
    if isinstance(obj, BaseException):
        out["traceback"] = "".join(traceback.format_exception(obj))
    return out


def test_every_public_class_is_covered_or_listed_secret_free(carriers):
    classes = set(public_classes())
    covered = {qualified(o) for o in carriers["objects"]} & classes
    assert not covered & set(SECRET_FREE), "a class is both made here and listed secret-free"
    assert WORLD_PROCESS <= classes, "WORLD_PROCESS names classes that are gone"
    unlisted = classes - covered - set(SECRET_FREE) - WORLD_PROCESS
    assert not unlisted, (f"new public classes: make one holding a secret in `carriers`, or list "
                          f"it in SECRET_FREE with the reason it never sees one: {sorted(unlisted)}")
    assert not set(SECRET_FREE) - classes, "SECRET_FREE names classes that are gone"
    assert len(covered) >= 35
    for name in ("kit.Kit", "world.World", "errors.Meaning", "clients.Endpoints", "retry.Wait",
                 "doctor.StepVerdict", "credentials.AccessKey"):  # the new ones, by name
        assert f"mturklink_helpers.{name}" in covered, name


def test_no_repr_or_str_shows_a_secret(carriers):
    scanner = carriers["scanner"]
    assert scanner.find(carriers["learner"].reveal_secret()), "the scanner must know the secrets"
    assert scanner.find(repr(carriers["handed_out"])), "the admin interface answered a known secret"
    leaks = {}
    for obj in carriers["objects"]:
        for how, text in renderings(obj).items():
            found = scanner.find(text)
            if found:
                leaks.setdefault(qualified(obj), []).append((how, found[:3]))
    assert not leaks, leaks


def test_no_repr_or_str_shows_the_worlds_admin_token(carriers):
    token = carriers["token"]
    assert len(token) >= 32
    shown = [qualified(o) for o in carriers["objects"]
             if any(token in text for text in renderings(o).values())]
    assert not shown, shown


WORLD_PROCESS_PROBE = """
import json, sys, tempfile, traceback
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import conftest as audit
audit.install_known_secrets(sys.argv[2])
from mturklink_helpers import world_server as ws
home = Path(tempfile.mkdtemp())
service = ws.build(home, 60.0)
ws.ACTIONS["create-aws-account"].handler(service, {})
made = ws.ACTIONS["console-create-iam-user"].handler(service, {"user_name": "probe-user"})
service._save({"kind": "admin", "action": "console-create-iam-user", "params": {}, "r": 0,
               "o": 0, "keys": [made["AccessKeyId"]]})
damaged = ws.Damaged("change 2 of 3 could not be made again (KeyError)")
objects = [service, service.journal, ws.ACTIONS["console-create-iam-user"], damaged]
out = []
for obj in objects:
    texts = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        texts.append("".join(traceback.format_exception(obj)))
    out.append({"class": f"{type(obj).__module__}.{type(obj).__qualname__}", "texts": texts})
print(json.dumps({"objects": out, "secret": made["SecretAccessKey"], "token": service.token}))
"""


def test_world_server_objects_show_no_secret(audit_seed, secret_tools):
    """The world's own process: its service (holding the admin token and the seed), journal,
    console actions and errors, made in a child process as the world makes them."""
    import subprocess
    import sys
    from pathlib import Path

    seed = audit_seed + "-world-process"
    done = subprocess.run([sys.executable, "-c", WORLD_PROCESS_PROBE,
                           str(Path(__file__).parent), seed],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    scanner = secret_tools.Scanner([secret_tools.known_stem(seed)])
    assert scanner.find(got["secret"]), "the world process made a key without a known secret"
    assert {o["class"] for o in got["objects"]} == WORLD_PROCESS
    leaks = {o["class"]: scanner.find(" ".join(o["texts"])) for o in got["objects"]}
    assert not any(leaks.values()), leaks
    shown = [o["class"] for o in got["objects"] if any(got["token"] in t for t in o["texts"])]
    assert not shown, f"the admin token is in the repr of {shown}"



def test_admin_interface_hands_out_simulated_keys_on_localhost_only(carriers, capsys):
    # /_admin/requester-key answers a new key's secret in JSON, as IAM's CreateAccessKey does
    # on the same port: the key exists only in the simulator's (moto's) IAM, and the server
    # listens on 127.0.0.1 unless told otherwise. No notebook reaches it (the notebook audit).
    from mturklink_helpers.simulator.__main__ import main
    from mturklink_helpers.simulator.server import SimulatorServer

    server = next(o for o in carriers["objects"] if isinstance(o, SimulatorServer))
    assert server.host == "127.0.0.1"
    assert inspect.signature(SimulatorServer).parameters["host"].default == "127.0.0.1"
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "default 127.0.0.1" in capsys.readouterr().out
    handed_out = carriers["handed_out"]
    assert handed_out["UserName"] == "audit-server-user"
    assert carriers["scanner"].find(handed_out["SecretAccessKey"])  # made by moto's IAM
