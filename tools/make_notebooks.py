"""Write notebooks/*.ipynb from the text below (the notebooks are committed without outputs).

Each notebook: what you will do / what you need / how long; the guide's step in plain
words; a cell or two that shows the forms; a cell the kit's tests use to click the forms
(it does nothing for a learner); key points, "you are done when", and the next notebook.

    .venv/bin/python tools/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SELFTEST = ("# For the kit's automatic tests: this cell clicks the buttons above from code.\n"
            "# When you run it yourself it does nothing, so you can skip it.\n"
            "from mturklink_helpers.kit import selftest\n\n"
            "if selftest():\n")


def page(name, title, do, need, minutes, body, cells, test, key_points, done_when, next_nb):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    head = (f"# {title}\n\n**What you will do:** {do}\n\n**What you need:** {need}\n\n"
            f"**How long it takes:** about {minutes} minutes.\n\n"
            "*How to run a cell: click it and press Shift+Enter.*")
    nb.cells.append(nbformat.v4.new_markdown_cell(head))
    for kind, text in body + cells:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(text))
    if test:
        cell = nbformat.v4.new_code_cell(SELFTEST + "\n".join("    " + line if line else line
                                                             for line in test.strip().splitlines()))
        cell.metadata["tags"] = ["kit-selftest"]
        nb.cells.append(cell)
    points = "\n".join(f"- {p}" for p in key_points)
    tail = f"## Key points\n\n{points}\n\n## You are done when\n\n{done_when}\n\n"
    tail += (f"**Next:** [{next_nb}]({next_nb})" if next_nb else "**You have finished the guide.**")
    nb.cells.append(nbformat.v4.new_markdown_cell(tail))
    for number, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{number:02d}"  # stable ids: regenerating changes nothing
    nbformat.write(nb, NOTEBOOKS / f"{name}.ipynb")


def main() -> None:
    NOTEBOOKS.mkdir(exist_ok=True)
    page("00_start_here", "Start here: link MTurk, its sandbox and CloudResearch (TurkPrime)",
         "see how the accounts fit together, choose demo or live mode, and see your progress.",
         "nothing for demo mode. For live mode: an e-mail address, a credit or debit card "
         "(AWS asks for one; the setup itself costs nothing) and a phone.",
         5,
         [("md", "MTurk and CloudResearch (called **TurkPrime** when the guide was written) are "
                 "separate companies. For studies you set up on CloudResearch to run on MTurk, five "
                 "accounts and settings must be linked. The picture shows them; the highlighted "
                 "box is where you are. Each notebook does one step of the guide.\n\n"
                 "| notebook | step of the guide |\n|---|---|\n"
                 "| [01_create_aws_account](01_create_aws_account.ipynb) | 1. Create an AWS account |\n"
                 "| [02_link_aws_to_mturk](02_link_aws_to_mturk.ipynb) | 2. Link AWS to your MTurk Requester account |\n"
                 "| [03_register_requester_sandbox](03_register_requester_sandbox.ipynb) | 3. Register for the Requester Sandbox |\n"
                 "| [04_create_iam_user](04_create_iam_user.ipynb) | 4 a–l. Create an IAM user and its access key |\n"
                 "| [05_link_turkprime](05_link_turkprime.ipynb) | 5. Link CloudResearch (TurkPrime) |\n"
                 "| [06_sandbox_test_hit](06_sandbox_test_hit.ipynb) | Try it: a test HIT in the sandbox |\n"
                 "| [07_troubleshooting](07_troubleshooting.ipynb) | The doctor: what is missing, and how to fix it |")],
         [("code", "from mturklink_helpers.widgets import Overview\n\nOverview(current_step=1)"),
          ("md", "**Demo or live?** Demo mode (the default) simulates AWS and MTurk inside this "
                 "notebook: nothing you do touches a real account, and nothing costs money. Choose "
                 "live when you are ready to link your real accounts. The **sandbox** is MTurk's "
                 "free practice site; the kit never uses **production** (real workers, real money) "
                 "unless you choose it by name."),
          ("code", "from mturklink_helpers.widgets import ModeChooser\n\nmode = ModeChooser()\nmode")],
         "mode.apply_button.click()\nassert mode.status_text.startswith('✓ Done: now in demo mode'), mode.status_text",
         ["Five things get linked: the AWS account, the MTurk Requester account, the Requester "
          "Sandbox, an IAM user's access key, and CloudResearch.",
          "Demo mode needs no account and no network; live mode uses your real accounts.",
          "The sandbox is free; production spends real money and is never the default."],
         "the mode above says what you chose, and you know which notebook comes next.",
         "01_create_aws_account.ipynb")

    page("01_create_aws_account", "Step 1: Create an Amazon Web Services (AWS) account",
         "create the AWS account that identifies you as a developer to the MTurk API.",
         "an e-mail address, a credit or debit card and a phone (live mode); nothing in demo mode.",
         10,
         [("md", "MTurk uses your AWS account to know who you are when a program (such as "
                 "CloudResearch) calls the MTurk API. Start at the **Amazon Mechanical Turk "
                 "Developer** page: it lists the steps of this guide, and you will come back to it "
                 "for steps 2 and 3.\n\n"
                 "> **Cautions.** AWS asks for a card to cover charges other AWS services could "
                 "incur; setting up and running MTurk studies does not create AWS charges. When "
                 "asked for a support plan, choose the **Basic Plan**: it is the free one "
                 "(Developer and Business plans cost money every month).")],
         [("code", "from mturklink_helpers.widgets import ConsoleChecklist, Overview\n\n"
                   "display(Overview(current_step=1))\nstep1 = ConsoleChecklist(1)\nstep1")],
         "step1.check_button.click()\nassert step1.status_text.startswith('✗'), 'nothing done yet'\n"
         "step1.do_button.click()\nstep1.check_button.click()\n"
         "assert step1.status_text == '✓ Done: step 1 is done.', step1.status_text",
         ["Choose the Basic Plan: it is free.", "AWS wants a card on file; MTurk setup itself costs nothing.",
          "You will come back to the MTurk Developer page for steps 2 and 3."],
         "you have received AWS's e-mail that your account is ready; in demo mode, “Check this "
         "step” shows ✓.", "02_link_aws_to_mturk.ipynb")

    page("02_link_aws_to_mturk", "Step 2: Link your AWS account with your MTurk Requester account",
         "link the AWS account from step 1 to your MTurk Requester account.",
         "your AWS root sign-in (the e-mail address and password from step 1) and an MTurk "
         "Requester account.", 5,
         [("md", "Back on the MTurk Developer page, **Link your AWS Account** asks you to sign in "
                 "with your AWS **root user**, then offers **Link This Account**. The page then says "
                 "*Accounts Successfully Linked*. It can take a few minutes before the link works.\n\n"
                 "> Today the Developer page still asks for this link, for the production site here "
                 "and, separately, for the sandbox in step 3.")],
         [("code", "from mturklink_helpers.widgets import ConsoleChecklist, Overview\n\n"
                   "display(Overview(current_step=2))\nstep2 = ConsoleChecklist(2)\nstep2")],
         "step2.do_button.click()\nstep2.check_button.click()\n"
         "assert step2.status_text == '✓ Done: step 2 is done.', step2.status_text",
         ["Sign in with the AWS root user to link.", "A fresh link can take a few minutes to work."],
         "the page said *Accounts Successfully Linked*; in demo mode, “Check this step” shows ✓.",
         "03_register_requester_sandbox.ipynb")

    page("03_register_requester_sandbox", "Step 3: Register for the MTurk Requester Sandbox",
         "register for the sandbox, MTurk's free test site, where you try studies without paying "
         "or reaching real workers.", "the AWS sign-in from step 1.", 5,
         [("md", "On the Developer page choose **Register for the Requester Sandbox**, sign in "
                 "again and confirm your contact information. The sandbox is linked separately: "
                 "being linked in step 2 does not register you here, and without this step every "
                 "sandbox call fails with *Your AWS account must be linked to your Amazon Mechanical "
                 "Turk Account*.")],
         [("code", "from mturklink_helpers.widgets import ConsoleChecklist, Overview\n\n"
                   "display(Overview(current_step=3))\nstep3 = ConsoleChecklist(3)\nstep3")],
         "step3.do_button.click()\nstep3.check_button.click()\n"
         "assert step3.status_text == '✓ Done: step 3 is done.', step3.status_text",
         ["The sandbox must be registered separately from step 2.",
          "The same AWS account and keys work for both the sandbox and production."],
         "you saw the sandbox registration confirmed; in demo mode, “Check this step” shows ✓.",
         "04_create_iam_user.ipynb")

    page("04_create_iam_user", "Step 4: Create an IAM user and its access key",
         "create an IAM user allowed to use MTurk (the AmazonMechanicalTurkFullAccess policy) "
         "and its access key, the two values CloudResearch needs.",
         "the AWS sign-in from step 1.", 15,
         [("md", "An **IAM user** is a separate identity inside your AWS account, with only the "
                 "permissions you give it. CloudResearch will use its **access key**: an *Access Key "
                 "ID* (20 characters, starting with `AKIA`) and a *Secret Access Key* (40 characters).\n\n"
                 "> **The secret is shown only once**, on the Success page. Download the `.csv` file "
                 "and keep it somewhere safe. Never e-mail it, commit it or share it.\n\n"
                 "There are two routes. **Route A** is the guide's: the IAM console in your browser "
                 "(sub-steps a–l), then load the downloaded file here. **Route B** does the same "
                 "from this notebook with an administrator profile.\n\n"
                 "> Today's IAM console differs from the guide's pictures: there is no *Programmatic "
                 "access* box (d); after creating the user, open its **Security credentials** tab, "
                 "choose **Create access key**, pick a use case such as *Third-party service*, and "
                 "download `<user>_accessKeys.csv`. The kit reads both files.")],
         [("md", "### Route A: the IAM console (a–l), then load the file"),
          ("code", "from mturklink_helpers.widgets import ConsoleChecklist, LoadCredentialsForm, Overview\n\n"
                   "display(Overview(current_step=4))\nstep4 = ConsoleChecklist(4)\ndisplay(step4)\n"
                   "load = LoadCredentialsForm()\nload"),
          ("md", "### Route B: create the user from this notebook\n\nNeeds an AWS CLI profile of an "
                 "administrator (in demo mode, the demo administrator is used). Safe to run again: it "
                 "reuses the user and makes a new key only when asked."),
          ("code", "from mturklink_helpers.widgets import CreateIamUserForm\n\ncreate = CreateIamUserForm()\ncreate")],
         "step4.do_button.click()\nload.load_button.click()\n"
         "assert load.status_text.startswith('✓ Done: loaded access key AKIA'), load.status_text\n"
         "assert '****' in load.output.value and 'mturk-requester' in load.output.value\n"
         "create.create_button.click()\n"
         "assert create.status_text.startswith('✓ Done'), create.status_text",
         ["The IAM user needs the AmazonMechanicalTurkFullAccess policy.",
          "The secret access key is shown once: download the .csv and keep it safe.",
          "The kit reads `credentials.csv` and `<user>_accessKeys.csv`, and never shows the secret."],
         "the form above shows your masked Access Key ID (`AKIA…`) with ✓.", "05_link_turkprime.ipynb")

    page("05_link_turkprime", "Step 5: Link CloudResearch (TurkPrime) with your MTurk account",
         "prove the key works on both MTurk sites, then paste it into CloudResearch's "
         "“Link Mechanical Turk” form.", "the key from step 4 (credentials.csv) and a "
         "CloudResearch account.", 5,
         [("md", "TurkPrime is now called **CloudResearch**; its *Link Mechanical Turk* form still "
                 "takes an IAM user's Access Key ID and Secret Access Key. In demo mode the kit "
                 "uses the demo key from step 4; in live mode, load your `credentials.csv` in "
                 "notebook 04 first (in this kernel: run its form here with "
                 "`from mturklink_helpers.widgets import LoadCredentialsForm; LoadCredentialsForm()`).")],
         [("code", "from mturklink_helpers.kit import state\nfrom mturklink_helpers.widgets import "
                   "ConsoleChecklist, Overview, TurkPrimeHandoff\n\n"
                   "if state.is_demo:\n    state.world(through_step=4)  # demo: steps 1–4 done for you\n"
                   "display(Overview(current_step=5))\nhandoff = TurkPrimeHandoff()\ndisplay(handoff)\n"
                   "step5 = ConsoleChecklist(5)\nstep5")],
         "handoff.check_button.click()\n"
         "assert handoff.status_text.startswith('✓ Done: both endpoints answer'), handoff.status_text\n"
         "assert 'Access Key ID' in handoff.output.value and '(never shown)' in handoff.output.value",
         ["CloudResearch needs an IAM user's key, never the root key.",
          "Copy and paste both values from credentials.csv to avoid typing errors.",
          "Amazon Requester Name and ID fill themselves in after your first HIT."],
         "CloudResearch shows **Success**, and the check above is ✓.", "06_sandbox_test_hit.ipynb")

    page("06_sandbox_test_hit", "Try it: a test HIT in the sandbox",
         "post a small test HIT in the sandbox, see it as a worker would, review the answers, "
         "and clean up.", "a working key (steps 1–4). Nothing costs money in the sandbox.", 10,
         [("md", "A **HIT** is one task on MTurk; each worker who takes it fills one **assignment**. "
                 "The cost shown follows MTurk's fees (20% commission, more for 10 or more "
                 "assignments); in the sandbox it is pretend money. Create the HIT, open the preview "
                 "link to see what a worker sees, then review: approve good work, or reject with "
                 "feedback that says why. **Clean up** expires and deletes the kit's test HITs "
                 "(only the kit's: they carry a marker).")],
         [("code", "from mturklink_helpers.widgets import Overview, TestHitForm\n\n"
                   "display(Overview(current_step=None))\nhit = TestHitForm()\nhit")],
         "hit.create_button.click()\nassert hit.status_text.startswith('✓ Done: created HIT'), hit.status_text\n"
         "hit.simulate_button.click()\nhit.answers_button.click()\n"
         "assert hit.status_text.startswith('✓ Done: 2 answer(s)'), hit.status_text\n"
         "first, second = hit.assignment.options\nhit.assignment.value = first\n"
         "hit.approve_button.click()\n"
         "assert 'approved 1' in hit.status_text, hit.status_text\n"
         "hit.assignment.value = second\nhit.feedback.value = 'The answer was empty.'\n"
         "hit.reject_button.click()\n"
         "assert 'rejected 1' in hit.status_text, hit.status_text\n"
         "hit.cleanup_button.click()\n"
         "assert hit.status_text.startswith('✓ Done: nothing of the kit is left'), hit.status_text",
         ["The sandbox is free; the same steps in production pay real workers.",
          "Rejecting needs feedback: the worker sees it.", "Clean up leaves nothing of the kit behind."],
         "you have seen answers come back and the clean-up says nothing is left.", "07_troubleshooting.ipynb")

    page("07_troubleshooting", "Troubleshooting: the doctor",
         "find out which step is missing when something does not work, and how to fix it.",
         "a key (loaded in notebook 04, or the demo key).", 5,
         [("md", "The doctor checks, in order: the key's shape, who the key belongs to (AWS STS), "
                 "the sandbox, production (a free, read-only balance check), permission to create "
                 "HITs (proven without creating one), whether the key is simply too new (new keys "
                 "take up to a minute), and whether it is ready for CloudResearch. Each problem "
                 "names the step of the guide that fixes it.\n\n"
                 "| what you see | what it means | step |\n|---|---|---|\n"
                 "| *The security token included in the request is invalid* | the Access Key ID is unknown (deleted, mistyped, or brand new) | 4 j–k |\n"
                 "| *The request signature we calculated does not match* | the secret was copied wrong | 4 j–k |\n"
                 "| *Your AWS account must be linked…* on both sites | the Requester account is not linked | 2 |\n"
                 "| the same message on the sandbox only | the sandbox is not registered | 3 |\n"
                 "| *is not authorized to perform: mechanicalturk:…* | the policy is missing or read-only | 4 f–h |\n\n"
                 "In demo mode you can make one of these mistakes on purpose and watch the doctor "
                 "find it.")],
         [("code", "import os\n\nfrom mturklink_helpers.kit import state\n"
                   "from mturklink_helpers.widgets import DemoProblems, DoctorPanel\n\n"
                   "if state.is_demo:\n    problems = DemoProblems()\n"
                   "    problems.problem.value = os.environ.get('MTURKLINK_DEMO_PROBLEM', 'none')\n"
                   "    problems.apply_button.click()\n    display(problems)\n"
                   "doctor = DoctorPanel()\ndoctor")],
         "doctor.run_button.click()\nexpected = os.environ.get('MTURKLINK_EXPECT_STEP')\n"
         "if expected:\n    assert f'guide step {expected}' in doctor.status_text, doctor.status_text\n"
         "else:\n    assert doctor.status_text.startswith('✓ Done: All checks passed'), doctor.status_text",
         ["Each problem has one step of the guide that fixes it.",
          "A brand-new key can take a minute: the doctor waits before calling it broken."],
         "the doctor says all checks passed.", None)


if __name__ == "__main__":
    main()
