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
    "mturklink_helpers.awsutil.Backoff": "timing settings and two callables; never given a key",
    "mturklink_helpers.demo.DemoStepMissing": "one sentence naming a missing step of the guide, "
                                              "raised before the step that makes the key",
    "mturklink_helpers.doctor.Status": "an enum of four words (ok, failed, warning, skipped)",
    "mturklink_helpers.endpoints.Environment": "an enum of the two MTurk endpoints",
    "mturklink_helpers.fees.UnconfirmedSpendingError": "a sentence about money; made from amounts",
    "mturklink_helpers.pacing.RateLimiter": "a rate and a clock",
    "mturklink_helpers.pacing.CallStats": "request and throttle counters",
    "mturklink_helpers.simulator.auth.Caller": "account id, ARN and access key id: no secret field",
    "mturklink_helpers.simulator.clock.Clock": "a point in simulated time",
    "mturklink_helpers.simulator.core.mock_mturk": "a seed and a flag; object's default repr",
    "mturklink_helpers.simulator.exceptions.MTurkError": "fixed AWS wordings; no constructor takes a key",
    "mturklink_helpers.simulator.exceptions.RequestError": "MTurk's RequestError texts (HIT ids, states)",
    "mturklink_helpers.simulator.exceptions.ServiceFault": "a fixed text",
    "mturklink_helpers.simulator.exceptions.UnrecognizedClientException": "a fixed text",
    "mturklink_helpers.simulator.exceptions.InvalidSignatureException": "a fixed text, no signature",
    "mturklink_helpers.simulator.exceptions.MissingAuthenticationTokenException": "a fixed text",
    "mturklink_helpers.simulator.exceptions.AccessDeniedException": "a user ARN and an action",
    "mturklink_helpers.simulator.exceptions.ThrottlingException": "a fixed text",
    "mturklink_helpers.simulator.exceptions.ValidationException": "botocore's model check of a request's parameters",
    "mturklink_helpers.simulator.exceptions.UnknownOperationException": "an operation name",
    "mturklink_helpers.simulator.exceptions.ParameterValidationError": "MTurk's echo of a "
        "refused request parameter (a Question, a worker id) and its name; never a key",
    "mturklink_helpers.simulator.exceptions.IncompleteSignatureException": "a fixed text or "
        "the request's X-Amz-Date",
    "mturklink_helpers.simulator.realism.Realism": "three delays in seconds and a flag",
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
    "mturklink_helpers.simulator.workers.Worker": "a simulated worker's id and traits",
}


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
def carriers(tmp_path_factory, audit_seed, secret_tools):
    """Instances of every class that can hold or see a secret, made the way the kit makes
    them, in a demo world whose every key has a known secret."""
    from mturklink_helpers.demo import stop_demo

    from mturklink_helpers import hits
    from mturklink_helpers.credentials import (
        AccessKey,
        CredentialsFileError,
        load_credentials,
        load_environment,
        load_profile,
    )
    from mturklink_helpers.doctor import diagnose
    from mturklink_helpers.fees import estimate_cost
    from mturklink_helpers.iam import IamSetupError, KeyLimitError, provision_iam_user
    from mturklink_helpers.kit import KitState, state
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
        TestHitForm,
        TurkPrimeHandoff,
    )

    work = tmp_path_factory.mktemp("reprs")
    patch = pytest.MonkeyPatch()
    patch.chdir(work)
    patch.setenv("MTURKLINK_HOME", str(work / "kit-home"))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(work / "aws" / "credentials"))
    stop_demo()
    state.mode, state.key = "demo", None
    secret_tools.install(audit_seed + "-reprs")
    made: list = []
    server = None
    try:
        world = state.world(through_step=3)
        made += [world, world.admin_key(), world.sim, world.sim.authenticator, world.sim.world,
                 world.sim.backend("sandbox"), world.sim.responses]

        step4 = ConsoleChecklist(4)
        step4.do_button.click()  # the demo's download: secrets/demo-downloads/credentials.csv
        load = LoadCredentialsForm()
        load.load_button.click()
        learner = state.key
        failed = Form("A form whose action failed")
        failed.fail(RuntimeError(f"the handler saw {learner.reveal_secret()}"))
        made += [step4, load, learner, failed, state, KitState(key=world.admin_key())]

        create = CreateIamUserForm()
        create.new_key.value = True
        create.save_to.value = "secrets/route-b.csv"
        create.create_button.click()
        seen: list = []
        result = provision_iam_user(world.admin_session(), "audit-user", new_key=True,
                                    credentials_path=work / "audit.csv", profile="audit",
                                    progress=seen.append)
        provision_iam_user(world.admin_session(), "audit-user", new_key=True, wait=False)
        errors: list = []
        for kwargs in ({"credentials_path": work / "audit.csv"}, {}):  # file exists; two keys
            try:
                provision_iam_user(world.admin_session(), "audit-user", new_key=True, **kwargs)
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
            diagnosis = diagnose(key)
            made += [diagnosis, *diagnosis.checks, *diagnosis.turkprime_form]
        made.append(wrong)

        handoff = TurkPrimeHandoff()
        handoff.check_button.click()
        hit_form = TestHitForm()
        hit_form.create_button.click()
        client = state.mturk()
        test_hit = hits.create_test_hit(client, assignments=2)
        world.sim.workers_submit(test_hit.hit_id)
        frame = hits.assignments_frame(client, test_hit.hit_id)
        first, second = frame["assignment_id"]
        reviewed = hits.review(client, frame, approve=[first], reject={second: "empty answer"})
        made += [handoff, hit_form, test_hit, test_hit.cost or estimate_cost("0.01", 2), reviewed,
                 hits.cleanup(client, approve_submitted=True)]

        for problem in ("wrong-secret", "root-key"):
            breaker = DemoProblems()
            breaker.problem.value = problem
            breaker.apply_button.click()
            doctor = DoctorPanel()
            doctor.run_button.click()
            made += [breaker, doctor]
        made += [ModeChooser(), Overview(current_step=4)]

        # The simulator's HTTP server, and its admin interface handing out a simulated key.
        server = SimulatorServer(port=0, simulator=world.sim).start()
        request = urllib.request.Request(f"{server.url}/_admin/requester-key",
                                         data=b'{"user_name": "audit-server-user"}',
                                         method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            handed_out = json.loads(response.read())
        made += [server, server.app]
        yield {"objects": made, "learner": learner, "handed_out": handed_out,
               "scanner": secret_tools.Scanner([secret_tools.known_stem(audit_seed + "-reprs")])}
    finally:
        if server is not None:
            server.stop()
        stop_demo()
        state.key = None
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
    unlisted = classes - covered - set(SECRET_FREE)
    assert not unlisted, (f"new public classes: make one holding a secret in `carriers`, or list "
                          f"it in SECRET_FREE with the reason it never sees one: {sorted(unlisted)}")
    assert not set(SECRET_FREE) - classes, "SECRET_FREE names classes that are gone"
    assert len(covered) >= 30


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
