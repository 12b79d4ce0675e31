"""The guide's steps: the one place that knows them.

Each :class:`Step` holds what the kit says and does about one step of the guide: its title,
what the learner does on the website (the sub-steps, in the guide's words, with where today's
screens differ), its notebook, the real websites' addresses, the demo world's console action
and its undo, and which of the doctor's checks prove it. Progress, the console checklists,
the overview map, the doctor's links and the demo actions all read this module, and the
lessons' pictures name the sub-step they show by its label here (``Step.sub_step_labels``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .endpoints import Environment

# The real websites the kit names (the browser walk allows links to these only: see
# is_real_website). MTurk's own pages are Environment's (endpoints.py).
DEVELOPER_PAGE = Environment.PRODUCTION.developer_page
SANDBOX_DEVELOPER_PAGE = Environment.SANDBOX.developer_page
PREPAID_HITS = Environment.PRODUCTION.requester_site + "/prepayments/new"
MTURK_SUPPORT = Environment.PRODUCTION.worker_site + "/contact-us"
IAM_USERS = "https://console.aws.amazon.com/iam/home?#/users"
AWS_SIGNUP = "https://portal.aws.amazon.com/billing/signup"
CLOUDRESEARCH = "https://www.cloudresearch.com/"
TROUBLESHOOTING = "07_troubleshooting.ipynb"
_LETTERED = re.compile(r"([a-z])\. ")  # step 4's sub-steps start "a. " … "l. ", as in the guide


@dataclass(frozen=True)
class DemoAction:
    """A console action of the demo world (a :class:`~mturklink_helpers.world.World` method;
    None where the demo has no such website, as for CloudResearch's)."""

    label: str
    do: str | None
    undo: str | None = None
    done: str = "done in the demo world"  # what the learner is told it did


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    short: str  # the label on the overview map
    notebook: str
    sub_steps: tuple[str, ...]  # HTML; in the guide's words, today's screens in brackets
    websites: tuple[tuple[str, str], ...] = ()  # (label, address)
    demo: DemoAction | None = None
    checks: tuple[str, ...] = ()  # the doctor's checks that prove this step
    map_position: tuple[int, int] | None = None  # (x, y) of its box on the overview map
    links_to: tuple[int, ...] = field(default=())  # arrows on the overview map
    # What the kit cannot see (CloudResearch's site): done only when the learner says so
    # (every box ticked) *and* the doctor's checks pass.
    learner_confirms: bool = False

    @property
    def sub_step_labels(self) -> tuple[str, ...]:
        """What the checklists and the lessons' pictures call each sub-step: the guide's
        letter where it gives one (step 4: "a"–"l"), else its number ("1", "2", …)."""
        letters = [_LETTERED.match(text) for text in self.sub_steps]
        if letters and all(letters):
            return tuple(match[1] for match in letters)
        return tuple(str(n) for n in range(1, len(self.sub_steps) + 1))

    @property
    def labelled_sub_steps(self) -> tuple[str, ...]:
        """The sub-steps (HTML) each starting with its label, as a checklist shows them."""
        return tuple(text if text.startswith(f"{label}. ") else f"{label}. {text}"
                     for label, text in zip(self.sub_step_labels, self.sub_steps, strict=True))


STEPS: tuple[Step, ...] = (
    Step(
        1, "Create an AWS account", "AWS account", "01_create_aws_account.ipynb",
        (
            "Open the Amazon Mechanical Turk Developer page and click <b>Create an AWS Account</b>.",
            "Enter your contact details and press <b>Continue</b>.",
            "Enter a credit or debit card (AWS needs one on file; setting up MTurk costs nothing).",
            "Finish the phone verification if AWS asks for it (enter the PIN shown on screen).",
            "Choose the <b>Basic Plan</b> (today: <b>Basic support – Free</b>): it is the free one.",
        ),
        (("MTurk Developer page", DEVELOPER_PAGE), ("AWS sign-up", AWS_SIGNUP)),
        DemoAction("Create the AWS account", "create_aws_account", "close_aws_account"),
        ("identity",), (20, 20), (2, 4),
    ),
    Step(
        2, "Link your AWS account to your MTurk Requester account", "MTurk Requester account",
        "02_link_aws_to_mturk.ipynb",
        (
            "Go back to the Developer page and click <b>Link your AWS Account</b>.",
            "Sign in with your AWS <b>root user</b> (the e-mail address you signed up with).",
            "Click <b>Link This Account</b>.",
            "See the message <b>Accounts Successfully Linked</b> (it can take a few minutes to work).",
        ),
        (("MTurk Developer page", DEVELOPER_PAGE),),
        DemoAction("Link the Requester account", "link_requester_account",
                   "unlink_requester_account"),
        ("production",), (250, 20), (3,),
    ),
    Step(
        3, "Register for the Requester Sandbox", "Requester Sandbox",
        "03_register_requester_sandbox.ipynb",
        (
            "On the Developer page click <b>Register for the Requester Sandbox</b>.",
            "Sign in again, enter your contact information and click <b>Continue</b>.",
        ),
        (("the Requester Sandbox's site", SANDBOX_DEVELOPER_PAGE),),
        DemoAction("Register for the sandbox", "register_sandbox", "unregister_sandbox"),
        ("sandbox",), (480, 20),
    ),
    Step(
        4, "Create an IAM user with AmazonMechanicalTurkFullAccess and its access key",
        "IAM user + access key", "04_create_iam_user.ipynb",
        (
            f"a. Go to {IAM_USERS} and sign in.",
            "b. Choose <b>Add user</b> (today: <b>Create user</b>).",
            "c. Enter a user name, for example <code>mturk-requester</code>.",
            "d. Select <b>Programmatic access</b> (today's console has no such box: skip it).",
            "e. Choose <b>Next: Permissions</b>.",
            "f. Select <b>Attach existing policies directly</b> (today: <b>Attach policies directly</b>).",
            "g. Search for and tick <b>AmazonMechanicalTurkFullAccess</b>.",
            "h. Choose <b>Next: Review</b>.",
            "i. Review, then choose <b>Create user</b>.",
            "j. Choose <b>Download .csv</b> (today: open the user, <b>Security credentials</b>, "
            "<b>Create access key</b>, then <b>Download .csv file</b>). The secret is shown only once!",
            "k. Save <code>credentials.csv</code> somewhere safe (never in a shared or public folder).",
            "l. Return to the AWS page and sign out.",
        ),
        (("IAM console, Users", IAM_USERS),),
        DemoAction("Create the IAM user and download credentials.csv", "console_create_iam_user"),
        ("key_shape", "identity", "create_hits"), (130, 150), (2, 3, 5),
    ),
    Step(
        5, "Link CloudResearch (TurkPrime) to MTurk", "CloudResearch (TurkPrime)",
        "05_link_turkprime.ipynb",
        (
            "Sign in to CloudResearch (it was called TurkPrime when the guide was written).",
            "Hover over the user icon (top right) and choose <b>Link Mechanical Turk</b>.",
            "Scroll to the bottom; paste the <b>Access Key ID</b> and the <b>Secret Access Key</b> "
            "from credentials.csv (copy and paste: no typing errors).",
            "Tick the box that grants access, click <b>Submit</b>, and see <b>Success</b>.",
        ),
        (("CloudResearch", CLOUDRESEARCH),),
        DemoAction("Link CloudResearch", None,
                   done="the demo has no CloudResearch site, so the step's boxes are ticked for you"),
        ("turkprime",), (380, 150), learner_confirms=True,
    ),
    Step(6, "Run a test HIT in the sandbox", "Sandbox test HIT", "06_sandbox_test_hit.ipynb", ()),
)

BY_NUMBER = {step.number: step for step in STEPS}


def step(number: int) -> Step:
    """The step numbered ``number`` (1–6); a clear error for any other number."""
    try:
        return BY_NUMBER[int(number)]
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"there is no step {number!r} in the guide (steps are 1–{len(STEPS)})") from None


def number_of(step_label: str | None) -> int | None:
    """The step number in a label such as "4 f–h" (None when there is none)."""
    head = (step_label or "").strip().split(" ")[0]
    return int(head) if head.isdigit() else None


def notebook_for(step_label: str | None) -> str:
    """The notebook that walks through the step named in ``step_label`` ("4 f–h" → 04)."""
    number = number_of(step_label)
    return BY_NUMBER[number].notebook if number in BY_NUMBER else TROUBLESHOOTING


def lesson_link(step_label: str | None, notebook_dir: str = "") -> str:
    """HTML: "step 3 → notebook 03", a link to the lesson for the step. The lessons sit in
    one folder, so JupyterLab opens it in a new tab and Voilà renders it."""
    notebook = notebook_for(step_label)
    prefix = notebook.partition("_")[0]  # "03": short, so a table's column stays narrow
    label = f"notebook {prefix}" if prefix.isdigit() else notebook
    return (f'<a href="{html.escape(notebook_dir + notebook)}" title="{html.escape(notebook)}" '
            f'style="white-space:nowrap">step {html.escape(step_label or "?")} → {html.escape(label)}</a>')


def order(step_label: str | None) -> tuple:
    """Sort key: the guide's order, then the sub-step letters; no step last."""
    number = number_of(step_label)
    if number is None:
        return (99, "")
    return (number, (step_label or "").partition(" ")[2])


def _page(url: str) -> str:
    """An address without its query and fragment (a HIT's id is not part of the page)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def real_websites() -> frozenset[str]:
    """Every page of a real website the kit may link to: scheme, host and path."""
    pages = {DEVELOPER_PAGE, SANDBOX_DEVELOPER_PAGE, PREPAID_HITS, MTURK_SUPPORT, IAM_USERS,
             AWS_SIGNUP, CLOUDRESEARCH}
    pages.update(url for s in STEPS for _label, url in s.websites)
    for environment in Environment:
        pages.update((environment.requester_site, environment.worker_site,
                      environment.developer_page, environment.preview_url("HIT_TYPE"),
                      environment.manage_url(), environment.manage_url("HIT")))
    return frozenset(_page(url) for url in pages)


def is_real_website(url: str) -> bool:
    """Is ``url`` a well-formed https address of one of :func:`real_websites`?"""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    well_formed = (parts.scheme == "https" and parts.hostname and not parts.username
                   and parts.port is None and not any(c.isspace() for c in url))
    return bool(well_formed) and _page(url) in real_websites()


_ADDRESS = re.compile(r"https://[^\s<>\"']+?(?=[.,;:)]*(?:\s|$|<))")


def link_websites(text_html: str) -> str:
    """The real websites' addresses in already-escaped HTML text made links that open in a
    new tab (the notebook stays open); any other address stays text."""
    def link(match: re.Match) -> str:
        url = html.unescape(match.group(0))
        if not is_real_website(url):
            return match.group(0)
        return (f"<a href='{html.escape(url)}' target='_blank' rel='noopener'>"
                f"{match.group(0)}</a>")

    return _ADDRESS.sub(link, text_html)
