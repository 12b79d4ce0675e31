"""A learner's walk through notebooks 00–07 in JupyterLab, and through 00, 04, 06 and 07
as the Voilà app (01, 02, 03 and 05 there only to see their pictures).

Each test opens one notebook, runs it (JupyterLab: Run ▸ Run All Cells; Voilà runs it on
opening), uses its forms by clicking and typing, asserts on what the page shows, checks
that no secret is on the page, and saves a screenshot of the final state in
test-artifacts/browser/.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from mturklink_helpers import progress
from mturklink_helpers.credentials import load_credentials
from mturklink_helpers.kit import DEMO_DOWNLOAD

pytestmark = pytest.mark.browser


def test_00_start_here_mode_chooser(kit):
    nb = kit("00_start_here.ipynb")
    nb.run_all()
    page = nb.page
    expect(page.get_by_role("img", name="How the accounts link")).to_be_visible()
    not_yet = "no step done yet; next: step 1, AWS account."
    expect(page.get_by_text(not_yet)).to_be_visible()
    # A step another notebook records (its kernel writes the same progress file) shows here
    # by itself, and so does its undoing: no button to press.
    progress.mark_done(1, "demo", nb.server.home / ".mturklink")
    expect(page.get_by_text("step 1 done; next: step 2, MTurk Requester account.")).to_be_visible()
    progress.mark_undone(1, "demo", nb.server.home / ".mturklink")
    expect(page.get_by_text(not_yet)).to_be_visible()
    mode = nb.form("Mode")
    expect(nb.status(mode)).to_have_text(
        "ℹ Note: you are in demo mode, MTurk sandbox. Nothing to press unless you want to "
        "change that: choose above, then press “Use these settings”.")

    # Production needs the "I understand" box, which appears only once it is chosen.
    understand = mode.get_by_label("I understand that production spends real money")
    expect(understand).to_be_hidden()
    mode.get_by_role("button", name="Production (real money)").click()
    expect(understand).to_be_visible()
    nb.press(mode, "Use these settings", "✗ Problem: Production was not chosen: tick")
    mode.get_by_role("button", name="Sandbox (free)").click()
    expect(understand).to_be_hidden()
    nb.press(mode, "Use these settings", "✓ Done: now in demo mode, MTurk sandbox.")
    nb.assert_no_secret()
    nb.screenshot()
    nb.follow_links()


@pytest.mark.parametrize("notebook, step, action", [
    ("01_create_aws_account.ipynb", 1, "Create the AWS account"),
    ("02_link_aws_to_mturk.ipynb", 2, "Link the Requester account"),
    ("03_register_requester_sandbox.ipynb", 3, "Register for the sandbox"),
])
def test_01_to_03_console_checklists(lab, notebook, step, action):
    nb = lab(notebook)
    nb.run_all()
    expect(nb.page.get_by_text(f"next: step {step}, ")).to_be_visible()
    form = nb.form(f"Step {step}: ")
    # In demo mode the website's sub-steps are folded (the pictures show them): one press
    # does the step in the demo world and checks it.
    folded = form.get_by_text(re.compile(r"^On the real website: \d sub-steps$"))
    expect(folded).to_be_visible()
    expect(form.locator("input[type=checkbox]").first).to_be_hidden()
    nb.press(form, "Check this step", f"✗ Problem: step {step} is not done yet")
    done = f"✓ Done: {action}: done in the demo world, then checked: step {step} is done."
    nb.press(form, f"Demo: {action}", done)
    # Undo it, and the check notices; do it again, and it is done again.
    nb.press(form, "Demo: undo it", "✓ Done: undone in the demo world (and un-marked")
    nb.press(form, "Check this step", f"✗ Problem: step {step} is not done yet")
    nb.press(form, f"Demo: {action}", done)
    expect(nb.page.get_by_text(re.compile(rf"\b{step} done; next: step {step + 1}, "))).to_be_visible()
    folded.click()  # unfolded, the sub-steps show ticked: the demo did them
    expect(form.locator("input[type=checkbox]").first).to_be_checked()
    nb.assert_no_secret()
    nb.screenshot()
    nb.follow_links()


def test_04_iam_user_console_route(kit):
    nb = kit("04_create_iam_user.ipynb")
    nb.run_all()
    page = nb.page

    # Route A: the console checklist "downloads" credentials.csv, the learner uploads it.
    console = nb.form("Step 4: ")
    nb.press(console, "Demo: Create the IAM user and download credentials.csv",
             f"the key file is {DEMO_DOWNLOAD}")
    downloaded = kit.root / DEMO_DOWNLOAD
    console_key = load_credentials(downloaded)

    load = nb.form("Load your key file")
    expect(nb.status(load)).to_have_count(0)  # nothing loaded yet
    with page.expect_file_chooser() as chooser:
        load.get_by_role("button", name=re.compile(r"Choose file \(0\)")).click()
    chooser.value.set_files(downloaded)
    # Choosing the file loads it at once (so its bytes never linger in the widget), and the
    # status names the file.
    expect(nb.status(load)).to_contain_text(
        f"✓ Done: loaded access key {console_key.masked_id} from credentials.csv; step 4 is done "
        "(the doctor checked it).")
    # The key is step 4's proof: the progress line says so without another press.
    expect(page.get_by_text(re.compile(r"\b4 done; next: step \d"))).to_be_visible()
    table = load.locator("table")
    expect(table.locator("tr", has_text="Read from")).to_contain_text("credentials.csv")
    expect(table.locator("tr", has_text="Read from")).not_to_contain_text("secrets/")
    expect(table.locator("tr", has_text="Secret Access Key")).to_contain_text("**** (never shown)")
    expect(table.locator("tr", has_text="IAM user")).to_contain_text("mturk-requester")
    expect(table.locator("tr", has_text="AWS account")).to_contain_text("123456789012")
    # The file's bytes are dropped right after reading (they hold the secret); the button
    # still counts the one file chosen, as it would had it kept it.
    expect(load.locator(".widget-upload")).to_have_text(re.compile(r"^\s*Choose file \(1\)$"))

    nb.assert_no_secret(console_key.reveal_secret())
    nb.screenshot()
    nb.follow_links()


def test_08_route_b_creates_the_iam_user_from_code(lab):
    nb = lab("08_manage_keys.ipynb")
    nb.run_all()
    # Route B: the programmatic form, with a user name the learner types.
    create = nb.form("Create the IAM user for MTurk")
    create.locator(".widget-text", has_text="User name").locator("input").fill("browser-learner")
    nb.press(create, "Create IAM user", "✓ Done: the IAM user is ready.")
    expect(create.locator("ul")).to_contain_text("IAM user browser-learner in account 123456789012 (created)")
    expect(create.locator("ul")).to_contain_text("the key works")
    programmatic_key = load_credentials(lab.root / "secrets" / "credentials.csv")
    expect(create.locator("ul")).to_contain_text(programmatic_key.masked_id)
    create.screenshot(path=str(nb.screenshot_path("route-b")))  # the form's own picture

    nb.assert_no_secret(programmatic_key.reveal_secret())
    nb.screenshot()
    nb.follow_links()


@pytest.mark.parametrize("notebook", ["01_create_aws_account.ipynb", "02_link_aws_to_mturk.ipynb",
                                      "03_register_requester_sandbox.ipynb",
                                      "05_link_turkprime.ipynb"])
def test_website_lessons_show_their_pictures_in_the_app(voila, notebook):
    """The app draws the lessons' pictures too (Voilà serves them beside the notebook).
    Every screenshot checks that its lesson's pictures loaded; 04 has its own walk here."""
    app = voila(notebook)
    app.run_all()
    assert app.assert_pictures_load() >= 1
    app.assert_no_secret()
    app.screenshot()


def test_05_turkprime_handoff(kit):
    nb = kit("05_link_turkprime.ipynb")
    nb.run_all()
    handoff = nb.form("Hand the key to CloudResearch (TurkPrime)")
    nb.press(handoff, "Check and show the form", "✓ Done: both endpoints answer")
    expect(handoff.locator("table")).to_contain_text("Access Key ID")
    expect(handoff.locator("table")).to_contain_text("(never shown)")
    handoff.screenshot(path=str(nb.screenshot_path("handoff")))  # the table, full size
    step5 = nb.form("Step 5: ")
    nb.press(step5, "Check this step", "ℹ Note: the kit cannot see step 5 being done")
    nb.press(step5, "Demo: Link CloudResearch", "so the step's boxes are ticked for you, then checked: "
             "step 5 is done (the doctor checked it).")
    nb.assert_no_secret()
    nb.screenshot()
    nb.follow_links()


def be_your_own_worker(nb, form, kit) -> None:
    """The preview link opens the demo world's worker site (JupyterLab: through the notebook
    server's proxy; the Voilà app: the world's own address); there the learner previews the
    HIT, accepts it, answers it in its sandboxed frame and submits it."""
    link = form.locator('a[href*="workersandbox.mturk.com/mturk/preview?hitId="]')
    where = r"^/proxy/\d+/" if nb.where == "lab" else r"^http://127\.0\.0\.1:\d+/"
    expect(link).to_have_attribute("href", re.compile(where + r"workersandbox\.mturk\.com/"))
    with nb.page.context.expect_page() as opened:
        link.click()
    worker = nb.opened(opened.value, "worker")
    site, hit = worker.page, worker.page.frame_locator("#hit-frame")
    expect(site.get_by_text("You are previewing this HIT")).to_be_visible()
    expect(hit.get_by_text("You are previewing this task. Accept it to answer.")).to_be_visible()
    expect(hit.get_by_role("button", name="Submit")).to_be_disabled()
    worker.window_shot("preview")

    site.get_by_role("button", name="Accept", exact=True).click()
    expect(site.get_by_text("You accepted this HIT")).to_be_visible()
    expect(hit.get_by_role("button", name="Submit")).to_be_enabled()
    hit.get_by_label("Clear", exact=True).check()
    hit.get_by_label("2. Any comments? (optional)").fill(MY_ANSWER)
    worker.window_shot("accepted")

    hit.get_by_role("button", name="Submit").click()
    expect(site.get_by_text("Your answer was submitted")).to_be_visible()
    expect(site.locator("table")).to_contain_text(MY_ANSWER)
    worker.window_shot("submitted")
    token = json.loads((kit.home / ".mturklink" / "world.json").read_text())["token"]
    worker.assert_no_secret(token)
    site.close()


MY_ANSWER = "My own answer, typed on the worker page."


def test_06_sandbox_test_hit(kit):
    nb = kit("06_sandbox_test_hit.ipynb")
    nb.run_all()
    form = nb.form("A test HIT in the sandbox")
    cost = form.locator(".widget-html", has_text="Cost: ")
    expect(cost).to_contain_text("$0.04 (2 × $0.01 + $0.02 MTurk fee)")  # min $0.01 fee each
    form.locator(".widget-text", has_text="Reward $").locator("input").fill("0.10")
    expect(cost).to_contain_text("$0.24 (2 × $0.10 + $0.04 MTurk fee)")  # 20% commission
    review = form.locator(".widget-dropdown", has_text="Assignment")
    expect(review).to_be_hidden()  # nothing to review yet
    nb.form_shot(form, "opened")

    nb.press(form, "Show answers", "✗ Problem: Create the test HIT first")
    # A double click, as a hurried learner gives one. Both clicks mostly reach the kernel
    # before the button is disabled (JupyterLab's on two threads at once), and the second
    # finds the HIT the first made; clean-up below finds that one HIT.
    form.get_by_role("button", name="Create test HIT", exact=True).dblclick()
    expect(nb.status(form)).to_contain_text(re.compile(
        r"✓ Done: (created your test HIT\.|your test HIT is there \(one at a time)"))
    preview = form.get_by_role("link", name="Open the preview (what a worker sees) ↗")
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("title", re.compile(r"workersandbox\.mturk\.com/"))
    # It looks like a link: blue and underlined, not the text around it.
    look = preview.evaluate(
        "a => [getComputedStyle(a).color, getComputedStyle(a).textDecorationLine]")
    assert look == ["rgb(23, 92, 211)", "underline"], look
    nb.form_shot(form, "created")
    nb.check_links()  # the HIT's preview: the world's worker site, in a new tab
    be_your_own_worker(nb, form, kit)
    nb.page.bring_to_front()
    nb.press(form, "Demo: workers answer", "✓ Done: 1 simulated worker answered.")
    expect(review).to_be_hidden()
    nb.form_shot(form, "workers-answered")
    nb.press(form, "Show answers", "✓ Done: 2 answers, 1 of them yours.")
    expect(preview).to_be_visible()  # the HIT's links stay above its answers
    nb.form_shot(form, "answers")
    rows = form.locator("table.dataframe tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Submitted")).to_have_count(2)
    mine = rows.filter(has_text="(you)")
    expect(mine).to_contain_text(MY_ANSWER)
    mine_id = mine.locator("td").first.inner_text()
    nb.screenshot("answers")  # the answers table fits the page

    assignment = form.locator(".widget-dropdown", has_text="Assignment").locator("select")
    # The list says whose answer each is: the learner's own as "you: <its id>" (ipywidgets
    # shows the labels' spaces as no-break spaces).
    labels = [o.replace("\xa0", " ") for o in assignment.locator("option").all_inner_texts()]
    assert f"you: {mine_id}" in labels, labels
    chosen = assignment.evaluate("s => s.options[s.selectedIndex].textContent")
    assert chosen.replace("\xa0", " ") == f"you: {mine_id}", chosen  # chosen for the learner
    other_id = next(o for o in labels if o != f"you: {mine_id}").split(": ", 1)[1]
    nb.press(form, "Approve", "approved 1")
    nb.form_shot(form, "approved")
    expect(rows.filter(has_text=mine_id)).to_contain_text("Approved")
    # What is left to review (the approved answer has left the list).
    labels = [o.replace("\xa0", " ") for o in assignment.locator("option").all_inner_texts()]
    assignment.select_option(index=next(i for i, o in enumerate(labels) if o.endswith(other_id)))
    nb.press(form, "Reject", "✗ Problem: To reject, write feedback first")
    form.locator(".widget-text", has_text="Feedback").locator("input").fill("The answer was empty.")
    nb.press(form, "Reject", "rejected 1")
    expect(rows.filter(has_text=other_id)).to_contain_text("Rejected")
    expect(review).to_be_hidden()  # nothing left to review
    nb.form_shot(form, "rejected")

    nb.press(form, "Clean up", "✓ Done: nothing of the kit is left in the sandbox.")
    nb.form_shot(form, "cleaned-up")
    expect(form.get_by_text(re.compile(r"found 1 kit HIT: deleted 1"))).to_be_visible()  # one HIT
    nb.assert_no_secret()
    nb.screenshot()
    nb.follow_links()


def test_07_doctor_names_the_missing_step(kit):
    nb = kit("07_troubleshooting.ipynb")
    nb.run_all()
    problems = nb.form("Demo: break something on purpose")
    doctor = nb.form("The doctor")
    nb.press(doctor, "Run the doctor", "✓ Done: All checks passed")

    problem = problems.locator("select")
    problem.select_option(label="Step 3 skipped: not registered for the Requester Sandbox")
    nb.press(problems, "Make this problem", "now has this problem: Step 3 skipped")
    nb.press(doctor, "Run the doctor", "guide step 3")
    expect(nb.status(doctor)).to_contain_text("✗ Problem:")

    problem.select_option(label="Nothing: everything is set up right")
    nb.press(problems, "Make this problem", "now has this problem: Nothing")
    nb.press(doctor, "Run the doctor", "✓ Done: All checks passed")
    expect(doctor.locator("table", has_text="Amazon Account Name")).to_be_visible()
    nb.screenshot("all-passed")  # the doctor's table, every check passed

    # Step 3 skipped again, the final state: the failed row links to lesson 03 (a tab in
    # JupyterLab, the next page in Voilà), where it is fixed.
    problem.select_option(label="Step 3 skipped: not registered for the Requester Sandbox")
    nb.press(problems, "Make this problem", "now has this problem: Step 3 skipped")
    nb.press(doctor, "Run the doctor", "guide step 3")
    to_lesson = doctor.get_by_role("link", name=re.compile(r"^step 3 → notebook 03$"))
    expect(to_lesson).to_be_visible()
    nb.assert_no_secret()
    nb.screenshot()
    followed = nb.follow_links()
    # Followed: the doctor's link (in its form) and the list of every known failure's
    # (the lesson's output, folded until opened).
    to_03 = [link.in_form for link in followed if link.text.startswith("step 3 →")]
    assert sorted(to_03) == [False, True], to_03
