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


def _create(args) -> int:
    from botocore.exceptions import BotoCoreError

    from .iam import IamSetupError, Progress, provision_iam_user
    from .world import WorldError

    if not args.demo and not args.admin_profile:
        _say("error: name an administrator's profile with --admin-profile (or use --demo for "
             "your demo world)", sys.stderr)
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
    except FileExistsError as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_BAD_INPUT
    except WorldError as exc:
        _say(f"error: {exc}", sys.stderr)
        return EXIT_COULD_NOT_CHECK
    except IamSetupError as exc:
        if args.json:
            _say(json.dumps({"ok": False, "error": str(exc)}, indent=2))
        else:
            _say(f"error: {exc}", sys.stderr)
        if exc.unanswered:
            return EXIT_COULD_NOT_CHECK
        return EXIT_BAD_INPUT if exc.bad_input else EXIT_STEP_MISSING
    except BotoCoreError as exc:
        _say(f"error: the admin profile {args.admin_profile!r} cannot be used ({exc}); set it up "
             "with `aws configure --profile NAME`", sys.stderr)
        return EXIT_BAD_INPUT
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
    parser.print_help()
    return EXIT_BAD_INPUT
