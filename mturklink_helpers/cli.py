"""``python -m mturklink_helpers``: the doctor and IAM-user creation from a terminal.

Exit codes scripts can use: 0 all good, 1 a step of the guide is missing (the output names
it), 2 bad input (no such file or profile, not a key file, wrong option), 3 could not check
(no answer, or one the kit does not understand: nothing is known to be wrong, nor right).

``--demo`` runs against the learner's demo world (the one their notebooks use); without it,
against AWS (or ``--endpoint-url``, a simulator server started by hand).
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_STEP_MISSING, EXIT_BAD_INPUT, EXIT_COULD_NOT_CHECK = 0, 1, 2, 3

DESCRIPTION = """\
mturklink: check and set up the keys that link AWS, MTurk and CloudResearch (TurkPrime).

  doctor           check an access key step by step and name the step of the guide that
                   fixes whatever is wrong (read-only: nothing is created or spent)
  create-iam-user  do guide step 4 from an admin profile: IAM user, MTurk policy, access key
  rotate-key       replace an access key with a new one, CloudResearch included (docs/keys.md)
  revoke-key       a leaked key: deactivate it at once, then what to do next
  demo             start, stop, inspect or reset your demo world
  workshop         the links an instructor hands out (a Binder badge, a JupyterHub link)
"""

EPILOG = """\
exit codes: 0 all good, 1 a step of the guide is missing (the output says which),
            2 bad input (missing file or profile, not a key file, wrong option),
            3 could not check (no answer: try again in a minute)

examples:
  python -m mturklink_helpers doctor --credentials ~/Downloads/credentials.csv
  python -m mturklink_helpers doctor --profile mturk --json
  python -m mturklink_helpers create-iam-user --admin-profile default --out credentials.csv
  python -m mturklink_helpers doctor --demo
        (the key your notebooks loaded, in your demo world)
  python -m mturklink_helpers create-iam-user --demo --out demo-credentials.csv
  python -m mturklink_helpers doctor --profile mturk --endpoint-url http://127.0.0.1:5005
        (the last one asks the kit's MTurk simulator: python -m mturklink_helpers.simulator serve)
"""

DOCTOR_HELP = """\
Check an access key in order: its shape; who it belongs to (STS); the sandbox and production
endpoints (a free, read-only GetAccountBalance); permission to create HITs (proven without
creating one); a key created moments ago (waits up to --max-wait seconds); and whether it is
ready for CloudResearch's "Link Mechanical Turk" form. Each problem is named by the step of
the guide that fixes it. The secret access key is never printed.

Without --credentials or --profile, the doctor uses the profile "mturk"; with --demo, the
key your notebooks loaded (notebook 04) in your demo world.
"""

CREATE_HELP = """\
Guide step 4 without the console: with an administrator's profile, create (or reuse) the IAM
user, attach AmazonMechanicalTurkFullAccess, create an access key, save it to --out (readable by
you only) and wait until MTurk's sandbox accepts it. Safe to run again: it never makes a second
user, and makes a new key only when the user has none or you pass --new-key. A user holds at
most two keys: name one with --rotate to replace it (nothing is deleted unless you name it).
"""


RAW = argparse.RawDescriptionHelpFormatter


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mturklink_helpers", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=RAW,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    doctor = commands.add_parser(
        "doctor", help="check an access key and name the step that fixes it",
        description=DOCTOR_HELP, epilog=EPILOG, formatter_class=RAW,
    )
    source = doctor.add_mutually_exclusive_group()
    source.add_argument("--credentials", metavar="FILE",
                        help="a key file from the AWS console (credentials.csv, *_accessKeys.csv)")
    source.add_argument("--profile", metavar="NAME",
                        help="a profile in ~/.aws/credentials (default: mturk)")
    doctor.add_argument("--json", action="store_true", help="print the result as JSON")
    doctor.add_argument("--sandbox-only", action="store_true",
                        help="do not ask the production endpoint")
    doctor.add_argument("--max-wait", type=float, default=90.0, metavar="SECONDS",
                        help="how long to wait for a brand-new key (default 90)")
    _where(doctor)

    create = commands.add_parser(
        "create-iam-user", help="guide step 4: IAM user, policy and key from an admin profile",
        description=CREATE_HELP, epilog=EPILOG, formatter_class=RAW,
    )
    create.add_argument("--admin-profile", metavar="P",
                        help="a profile allowed to manage IAM users (an administrator or root; "
                             "with --demo: the demo world's administrator)")
    create.add_argument("--user", metavar="NAME", default="mturk-requester",
                        help="the IAM user's name (default mturk-requester)")
    create.add_argument("--out", metavar="FILE", default="credentials.csv",
                        help="where to save the new key (default credentials.csv; "
                             "never overwritten)")
    create.add_argument("--save-profile", metavar="NAME",
                        help="also save the key as this profile in ~/.aws/credentials")
    create.add_argument("--new-key", action="store_true",
                        help="make a new access key even if the user already has one")
    create.add_argument("--rotate", metavar="KEY_ID",
                        help="delete this key (full or masked id, e.g. AKIA…WXYZ) for the new one")
    create.add_argument("--no-wait", action="store_true",
                        help="do not wait until the new key works")
    create.add_argument("--max-wait", type=float, default=120.0, metavar="SECONDS",
                        help="how long to wait for the new key to work (default 120)")
    create.add_argument("--json", action="store_true", help="print the result as JSON")
    _where(create)
    _add_key_parsers(commands)
    _add_demo_parser(commands)
    _add_workshop_parser(commands)
    return parser


def _where(command) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument("--demo", action="store_true",
                       help="your demo world (started if needed), the one your notebooks use")
    where.add_argument("--endpoint-url", metavar="URL",
                       help="a simulator server started by hand instead of AWS, e.g. "
                            "http://127.0.0.1:5005 (it serves IAM and STS too)")


def _kit(args):
    from .kit import Kit

    return Kit("demo" if args.demo else "live", endpoint_url=args.endpoint_url,
               load_saved_key=args.demo)


def _action(args, command: str) -> str | None:
    """The action given to a command with actions (demo, workshop); without one, its help
    (on stderr) and None."""
    action = getattr(args, f"{command}_command", None)
    if action is None:
        getattr(args, f"{command}_parser").print_help(sys.stderr)
    return action


def _say(text: str, stream=None) -> None:
    print(text, file=stream or sys.stdout)


def _doctor(args) -> int:
    from .credentials import CredentialsFileError, load_credentials, load_profile
    from .world import WorldError

    try:
        kit = _kit(args)
        if args.credentials:
            key = load_credentials(args.credentials)
        elif args.profile or not args.demo:
            key = load_profile(args.profile or "mturk")
        elif kit.key is not None:
            key = kit.key
        else:
            raise CredentialsFileError(
                "no key is loaded in your notebooks yet", source="the demo world",
                fix="load credentials.csv in notebook 04, or pass --credentials FILE")
        environments = ("sandbox",) if args.sandbox_only else ("sandbox", "production")
        diagnosis = kit.diagnose(key, environments=environments,
                                 wait=kit.wait(max_wait=args.max_wait),
                                 progress=lambda p: _say(f"  … {p.message}", sys.stderr))
    except CredentialsFileError as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_BAD_INPUT
    except WorldError as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_COULD_NOT_CHECK
    _say(diagnosis.to_json() if args.json else diagnosis.to_text())
    return diagnosis.exit_code


def _admin_named(args) -> bool:
    """Live IAM commands need an administrator's profile; the demo world has its own."""
    if args.demo or args.admin_profile:
        return True
    _say("error: name an administrator's profile with --admin-profile (or use --demo for your "
         "demo world)", sys.stderr)
    return False


def _iam_stops() -> tuple[type[BaseException], ...]:
    """What stops create-iam-user, rotate-key and revoke-key (imported only when they run)."""
    from botocore.exceptions import BotoCoreError

    from .credentials import CredentialsFileError
    from .iam import IamSetupError
    from .world import WorldError

    return (CredentialsFileError, FileExistsError, WorldError, IamSetupError, BotoCoreError)


def _iam_stopped(args, exc: BaseException) -> int:
    """What an IAM command says when it stops, and its exit code."""
    from botocore.exceptions import BotoCoreError

    from .iam import IamSetupError
    from .world import WorldError

    if isinstance(exc, IamSetupError):
        if args.json:
            _say(json.dumps({"ok": False, "error": str(exc)}, indent=2))
        else:
            _say(f"error: {exc}", sys.stderr)
        if exc.unanswered:
            return EXIT_COULD_NOT_CHECK
        return EXIT_BAD_INPUT if exc.bad_input else EXIT_STEP_MISSING
    if isinstance(exc, BotoCoreError):
        _say(f"error: the admin profile {args.admin_profile!r} cannot be used ({exc}); set it up "
             "with `aws configure --profile NAME`", sys.stderr)
        return EXIT_BAD_INPUT
    _say(f"error: {exc}", sys.stderr)
    return EXIT_COULD_NOT_CHECK if isinstance(exc, WorldError) else EXIT_BAD_INPUT


def _create(args) -> int:
    from .iam import Progress, provision_iam_user

    if not _admin_named(args):
        return EXIT_BAD_INPUT

    def show(p: Progress) -> None:
        if not args.json:
            _say(f"  … {p.message}", sys.stderr)

    try:
        kit = _kit(args)
        admin = kit.admin(args.admin_profile)
        result = provision_iam_user(
            admin, args.user, new_key=True if args.new_key else None, rotate=args.rotate,
            wait=False if args.no_wait else kit.wait(max_wait=args.max_wait), progress=show,
            credentials_path=args.out, profile=args.save_profile, endpoints=kit.endpoints,
        )
    except _iam_stops() as exc:
        return _iam_stopped(args, exc)
    _say(json.dumps(result.to_dict(), indent=2) if args.json else result.summary())
    if result.ready is False:
        return EXIT_COULD_NOT_CHECK if result.unanswered else EXIT_STEP_MISSING
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad options and 0 for --help
        return int(exc.code or 0)
    if args.command == "doctor":
        return _doctor(args)
    if args.command == "create-iam-user":
        return _create(args)
    if args.command == "demo":
        return _demo(args)
    if args.command in ("rotate-key", "revoke-key"):
        return _keys(args)
    if args.command == "workshop":
        return _workshop(args)
    parser.print_help()
    return EXIT_BAD_INPUT


# --- workshop: links an instructor hands out (mturklink_helpers.workshop) -------------------

WORKSHOP_HELP = """\
Print the link a workshop hands out (nothing is sent anywhere: the link is only built).

  link   a JupyterHub link: the first click puts the notebooks into the learner's home on
         the hub (nbgitpuller; later clicks bring updates and keep the learner's changes)
         and opens notebook 00
  badge  a Binder badge for your copy of the kit on GitHub, for a README or a slide
"""

WORKSHOP_EPILOG = """\
examples:
  python -m mturklink_helpers workshop link --hub https://hub.example.org \\
         --repo https://github.com/my-lab/mturklink
  python -m mturklink_helpers workshop badge --repo my-lab/mturklink
  python -m mturklink_helpers workshop badge --repo my-lab/mturklink --app
        (opens the code-free Voila app instead of JupyterLab)
exit codes: 0 printed, 2 bad input (the message says what to type instead)
"""


def _add_workshop_parser(commands) -> None:
    workshop = commands.add_parser(
        "workshop", help="print a Binder badge or a JupyterHub link for a workshop",
        description=WORKSHOP_HELP, epilog=WORKSHOP_EPILOG, formatter_class=RAW)
    actions = workshop.add_subparsers(dest="workshop_command", metavar="ACTION")
    link = actions.add_parser("link", help="the JupyterHub (nbgitpuller) link learners click",
                              description=WORKSHOP_HELP, epilog=WORKSHOP_EPILOG,
                              formatter_class=RAW)
    link.add_argument("--hub", required=True, metavar="URL",
                      help="the hub's address, as learners open it")
    link.add_argument("--repo", metavar="GIT_URL",
                      help="the repository learners get (default: this copy's git remote)")
    link.add_argument("--branch", default="main", help="its branch (default main)")
    link.add_argument("--folder", metavar="NAME",
                      help="the folder of each learner's home it goes into (default: the "
                           "repository's name; the kit's own hub already copies the lessons "
                           "to ~/mturklink, so pick another name there)")
    badge = actions.add_parser("badge", help="a Binder badge for OWNER/NAME on GitHub",
                               description=WORKSHOP_HELP, epilog=WORKSHOP_EPILOG,
                               formatter_class=RAW)
    badge.add_argument("--repo", required=True, metavar="OWNER/NAME",
                       help="your copy of the kit on GitHub")
    badge.add_argument("--ref", default="main", help="branch, tag or commit (default main)")
    for action in (link, badge):
        action.add_argument("--app", action="store_true",
                            help="open the code-free Voila app instead of JupyterLab")
    workshop.set_defaults(workshop_parser=workshop)


def _workshop(args) -> int:
    from . import workshop

    command = _action(args, "workshop")
    if command is None:
        return EXIT_BAD_INPUT
    try:
        if command == "link":
            _say(workshop.hub_link(args.hub, args.repo, args.branch, app=args.app,
                                   folder=args.folder))
        else:
            badge = workshop.binder_badge(args.repo, args.ref, app=args.app)
            _say(f"{badge.markdown}\n\nLink: {badge.url}")
    except workshop.WorkshopLinkError as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


# --- demo: the learner's demo world (mturklink_helpers.world, docs/world.md) -----------------

DEMO_HELP = """\
The demo world is one local service per learner (per $MTURKLINK_HOME, default ~/.mturklink):
moto's IAM and STS and the kit's MTurk simulator on 127.0.0.1, started by the first notebook
or command that needs it and shared by all of them. It keeps its IAM users, keys, links,
balances and HITs in $MTURKLINK_HOME/demo-world/, so a stopped world starts again as it was.
It stops by itself after 60 minutes without a request ($MTURKLINK_WORLD_IDLE seconds).

  start   start the world (or find the running one) and say where it is
  stop    stop it (its state is kept)
  status  is it running, where, since when, which guide steps are done, how many users,
          keys and HITs it holds (never a secret)
  reset   a fresh world: every user, key and HIT of the demo world is gone
"""

DEMO_EPILOG = """\
exit codes: 0 done, 1 the reset was not confirmed, 2 bad input,
            3 the world could not be started or reached (the message says why)
"""

EXIT_WORLD_FAILED = EXIT_COULD_NOT_CHECK  # the world could not be started or reached


def _add_demo_parser(commands) -> None:
    demo = commands.add_parser(
        "demo", help="start, stop, inspect or reset the learner's demo world",
        description=DEMO_HELP, epilog=DEMO_EPILOG, formatter_class=RAW,
    )
    actions = demo.add_subparsers(dest="demo_command", metavar="ACTION")
    for name, text in (("start", "start the demo world, or find the running one"),
                       ("stop", "stop the demo world (its state is kept)"),
                       ("status", "say whether the demo world runs, and what it holds"),
                       ("reset", "delete the demo world's state and start a fresh world")):
        action = actions.add_parser(name, help=text, description=text, epilog=DEMO_EPILOG,
                                    formatter_class=RAW)
        action.add_argument("--json", action="store_true", help="print the result as JSON")
        if name == "reset":
            action.add_argument("--yes", action="store_true",
                                help="do not ask: delete the demo world's state")
    demo.set_defaults(demo_parser=demo)


def _demo(args) -> int:
    from . import world

    command = _action(args, "demo")
    if command is None:
        return EXIT_BAD_INPUT
    folder = world.home()
    try:
        world.idle_timeout()
    except world.WorldError as exc:  # a bad MTURKLINK_WORLD_IDLE is bad input
        _say(f"error: {exc}", sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if command == "start":
            handle = world.connect(folder)
            return _demo_report(world, folder, args.json, handle)
        if command == "status":
            return _demo_report(world, folder, args.json, None)
        if command == "stop":
            stopped = world.stop(folder)
            if args.json:
                _say(json.dumps({"stopped": stopped, "home": str(folder)}, indent=2))
            else:
                _say(f"Stopped the demo world of {folder} (its state is kept)." if stopped
                     else f"No demo world was running for {folder}.")
            return EXIT_OK
        # reset
        if not args.yes:
            _say(f"This deletes the demo world of {folder}: every IAM user, access key, link, "
                 "balance, HIT and assignment in it is gone, and key files made from it "
                 "(credentials.csv) stop working.", sys.stderr)
            try:
                answer = input("Type yes to reset it: ")
            except EOFError:
                _say("error: demo reset needs a confirmation: answer yes, or run it with --yes",
                     sys.stderr)
                return EXIT_BAD_INPUT
            if answer.strip().lower() not in ("y", "yes"):
                _say("Nothing was reset.", sys.stderr)
                return EXIT_STEP_MISSING
        handle = world.reset(folder)
        if not args.json:
            _say("The demo world was reset: every key and HIT of the old one is gone.")
        return _demo_report(world, folder, args.json, handle)
    except world.WorldError as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_WORLD_FAILED


def _demo_report(world, folder, as_json: bool, handle) -> int:
    from . import progress

    info = world.status(folder)
    if as_json:
        report = dict(info) if info else {"running": False, "home": str(folder),
                                           "saved_changes": world.saved_changes(folder)}
        if handle is not None and handle.started_now:
            report["startup_seconds"] = round(handle.startup_seconds, 3)
        _say(json.dumps(report, indent=2))
        return EXIT_OK
    if info is None:
        saved = world.saved_changes(folder)
        _say(f"No demo world is running for {folder} ({saved} saved changes in "
             f"{folder / world.STATE_DIR}; `python -m mturklink_helpers demo start` starts it "
             "with them).")
        return EXIT_OK
    if info.get("notice"):
        _say(f"Note: {info['notice']}")
    verb = ("Started" if handle is not None and handle.started_now else "Running")
    took = (f" in {handle.startup_seconds:.1f} s"
            if handle is not None and handle.started_now else "")
    _say(f"{verb} the demo world{took}: {info['url']} (pid {info['pid']}, since "
         f"{info['started']}), for {folder}." if verb == "Started" else
         f"The demo world is running at {info['url']} (pid {info['pid']}, since "
         f"{info['started']}), for {folder}.")
    # Steps 1–3 happen on the demo's websites (the world's own state); the learner's
    # progress, all six steps, is what the notebooks recorded (the same home's progress file).
    names = {"1": "AWS account made", "2": "Requester account linked", "3": "sandbox registered"}
    sites = ", ".join(f"{names[n]} {'yes' if info['steps'].get(n) else 'no'}" for n in ("1", "2", "3"))
    _say(f"  {progress.summary('demo', progress.steps_done('demo', folder))}")
    _say(f"  The demo's websites: {sites}.")
    hits, assignments = info["hits"], info["assignments"]
    _say(f"  IAM users: {info['users']} (the demo administrator among them), access keys: "
         f"{info['access_keys']}; HITs: "
         f"{hits.get('sandbox', 0)} in the sandbox, {hits.get('production', 0)} in production; "
         f"assignments: {sum(assignments.values())}.")
    _say(f"  Endpoints: MTurk {info['url']}/sandbox and {info['url']}/production; IAM and STS "
         f"{info['url']}.")
    _say(f"  {info['saved_changes']} saved changes in {info['state_dir']}; it stops after "
         f"{info['idle_timeout'] / 60:g} idle minutes; memory {info['memory_mb']} MB.")
    return EXIT_OK


# --- rotate-key and revoke-key: the key's life cycle (mturklink_helpers.rotation, docs/keys.md) --

ROTATE_HELP = """\
Replace an access key with a new one of the same IAM user, CloudResearch included:
make the second key (IAM allows two), prove it on both MTurk endpoints, save it to --out
(readable by you only; never over an existing file unless --overwrite), and show what to
paste into CloudResearch. Then it stops: once CloudResearch has the new key, run it again
with --confirm-cloudresearch; only then is the old key deactivated, checked with AWS's
GetAccessKeyLastUsed (a use after your confirmation means something still holds it: it
stays inactive and is not deleted), and deleted.

Interrupted at any point, run the same command again: it finishes the job, without a third
key and without a key nobody holds (its plan is in $MTURKLINK_HOME/rotation-<mode>.json,
never a secret).
"""

REVOKE_HELP = """\
A leaked key: deactivate it at once (nobody can use it after this), then say what comes next:
a new key (rotate-key), CloudResearch, and what AWS's quarantine policy
(AWSCompromisedKeyQuarantineV2/V3) means if AWS found the leak first. --delete also deletes
the key (it cannot be made active again).
"""

KEYS_EPILOG = """\
exit codes: 0 done, 1 a step is left (confirm CloudResearch, a key still in use, two keys
            already), 2 bad input, 3 could not check (no answer: run it again)

examples:
  python -m mturklink_helpers rotate-key --demo
  python -m mturklink_helpers rotate-key --demo --confirm-cloudresearch
  python -m mturklink_helpers rotate-key --admin-profile default --credentials credentials.csv
  python -m mturklink_helpers revoke-key --admin-profile default --credentials leaked.csv
"""


def _add_key_parsers(commands) -> None:
    rotate = commands.add_parser(
        "rotate-key", help="replace an access key with a new one, CloudResearch included",
        description=ROTATE_HELP, epilog=KEYS_EPILOG, formatter_class=RAW)
    revoke = commands.add_parser(
        "revoke-key", help="a leaked key: deactivate it at once, then what comes next",
        description=REVOKE_HELP, epilog=KEYS_EPILOG, formatter_class=RAW)
    for command in (rotate, revoke):
        command.add_argument("--admin-profile", metavar="P",
                             help="a profile allowed to manage IAM users (with --demo: the demo "
                                  "world's administrator)")
        source = command.add_mutually_exclusive_group()
        source.add_argument("--credentials", metavar="FILE",
                            help="the key's file (default with --demo: the key your notebooks "
                                 "loaded)")
        source.add_argument("--key-id", metavar="ID",
                            help="the key's Access Key ID, when you have no file")
        command.add_argument("--json", action="store_true", help="print the result as JSON")
        _where(command)
    rotate.add_argument("--out", metavar="FILE",
                        help="where to save the new key (default credentials-new.csv beside the "
                             "old file)")
    rotate.add_argument("--overwrite", action="store_true",
                        help="allow --out to replace an existing file (even the old key's)")
    rotate.add_argument("--confirm-cloudresearch", "--yes", dest="confirm", action="store_true",
                        help="CloudResearch has the new key: deactivate, check and delete the old")
    rotate.add_argument("--max-wait", type=float, default=120.0, metavar="SECONDS",
                        help="how long to wait for the new key to work (default 120)")
    revoke.add_argument("--delete", action="store_true",
                        help="delete the key too, after deactivating it")


def _keys(args) -> int:
    from .credentials import CredentialsFileError, load_credentials
    from .rotation import revoke_key, rotate_key

    rotating = args.command == "rotate-key"
    if not _admin_named(args):
        return EXIT_BAD_INPUT
    if not args.demo and not (args.credentials or args.key_id):
        _say(f"error: name the key to {'rotate' if rotating else 'revoke'} with --credentials "
             "FILE or --key-id ID", sys.stderr)
        return EXIT_BAD_INPUT

    def show(p) -> None:
        if not args.json:
            _say(f"  … {p.message}", sys.stderr)

    try:
        kit = _kit(args)
        key = load_credentials(args.credentials) if args.credentials else args.key_id
        if key is None and kit.key is None:
            raise CredentialsFileError(
                "no key is loaded in your notebooks yet", source="the demo world",
                fix="load credentials.csv in notebook 04, or pass --credentials FILE")
        admin = kit.admin(args.admin_profile)
        if rotating:
            result = rotate_key(kit, key, admin=admin, old_path=args.credentials, out=args.out,
                                overwrite=args.overwrite, confirm=args.confirm,
                                max_wait=args.max_wait, progress=show)
            if (result.needs_confirmation and not args.json and sys.stdin is not None
                    and sys.stdin.isatty()):
                _say(result.summary())
                answer = input("Type yes once CloudResearch has the new key (anything else "
                               "stops here; run this again later): ")
                if answer.strip().lower() not in ("y", "yes"):
                    return EXIT_STEP_MISSING
                result = rotate_key(kit, key, admin=admin, old_path=args.credentials,
                                    confirm=True, max_wait=args.max_wait, progress=show)
        else:
            result = revoke_key(kit, key if key is not None else kit.key, admin=admin,
                                delete=args.delete, key_path=args.credentials)
    except _iam_stops() as exc:
        return _iam_stopped(args, exc)
    _say(json.dumps(result.to_dict(), indent=2) if args.json else result.summary())
    return result.exit_code if rotating else EXIT_OK
