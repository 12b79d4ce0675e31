"""The lessons' pictures: hand-drawn SVG sketches of the websites' screens (notebooks/images/).

Every picture a lesson shows exists, is SVG a screen reader can name (role=img, <title>,
<desc>), marks what to click (class="highlight") and is safe to serve: no script, no
foreignObject, no reference outside itself, nothing shaped like a key. In its lesson it has
alt text that says what each numbered mark is, and a caption naming the sub-step it shows by
the label the steps registry (and so the checklist) gives it. Every screen issue 13 asks for
is in the lesson of its step, with the button or field the learner uses inside a highlight.
Each is a wireframe a learner takes in at a glance: a few words, the rest grey bars.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mturklink_helpers.steps import STEPS

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
IMAGES = NOTEBOOKS / "images"
SVG = "{http://www.w3.org/2000/svg}"
# A Markdown image, then a blank line and its caption: "*Sub-step 5:*" or "*Sub-steps f–h:*".
PICTURE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)"
                     r"(?:\n\n\*Sub-steps? (?P<first>\w+)(?:–(?P<last>\w+))?:\*)?")
# Anything a secret scanner would flag: 40 or more characters of a secret's alphabet in a
# row, or an access key id (AKIA/ASIA and 16 more).
SECRET_SHAPED = re.compile(r"[A-Za-z0-9/+=]{40,}|(?:AKIA|ASIA)[A-Z0-9]{16}")
LESSON_STEPS = {Path(step.notebook).stem: step for step in STEPS if step.sub_steps}
# A first walk of the lessons must fit in 20 minutes: a sketch shows its heading, the labels of
# what to use and a few to recognise the screen by; the rest of its text is grey bars.
MAX_WORDS = 25

# The screens issue 13 asks for: (step, picture, the words on what the learner uses there).
SCREENS = [
    (1, "aws-support-plan.svg", ["Basic support –", "Complete sign up"]),
    (2, "mturk-developer-page-link.svg", ["Link your AWS Account"]),
    (2, "mturk-link-this-account.svg", ["Link This Account", "Accounts Successfully Linked"]),
    (3, "mturk-developer-page-register.svg", ["Register for the Requester Sandbox"]),
    (3, "sandbox-registration.svg", ["Sign in", "Continue"]),
    (4, "iam-create-user.svg", ["mturk-requester", "Next"]),
    (4, "iam-set-permissions.svg", ["Attach policies directly", "AmazonMechanicalTurkFullAccess"]),
    (4, "iam-create-access-key.svg", ["Third-party service", "Next"]),
    (4, "iam-retrieve-access-keys.svg", ["****************", "Download .csv file"]),
    (5, "cloudresearch-link-mturk.svg", ["Link Mechanical Turk", "Access Key ID",
                                         "Secret Access Key", "Submit"]),
]


def pictures(lesson: str) -> list[re.Match]:
    return list(PICTURE.finditer((NOTEBOOKS / f"{lesson}.md").read_text(encoding="utf-8")))


ALL = [(lesson, m) for lesson in sorted(LESSON_STEPS) for m in pictures(lesson)]
FILES = sorted(IMAGES.glob("*.svg"))


def svg_root(path: Path) -> ET.Element:
    return ET.fromstring(path.read_text(encoding="utf-8"))


def readable_words(path: Path) -> list[str]:
    """The words a learner reads in a sketch: those of its <text> (not <title>/<desc>)."""
    return [word for t in svg_root(path).iter(f"{SVG}text")
            for word in "".join(t.itertext()).split() if re.search(r"\w", word)]


def highlighted_words(path: Path) -> set[str]:
    """The words of every <text> whose anchor point lies inside a highlight rectangle."""
    root = svg_root(path)
    boxes = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
             for r in root.iter(f"{SVG}rect") if "highlight" in r.get("class", "").split()]
    return {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")
            if any(x <= float(t.get("x")) <= x + w and y <= float(t.get("y")) <= y + h
                   for x, y, w, h in boxes)}


def test_every_lesson_of_a_website_step_has_pictures_and_every_picture_is_used():
    used = {m["src"] for _lesson, m in ALL}
    assert all(pictures(lesson) for lesson in LESSON_STEPS), "a lesson of steps 1–5 has no picture"
    assert {f"images/{f.name}" for f in FILES} == used, "an image is missing or unused"


@pytest.mark.parametrize("lesson, match", ALL, ids=[f"{lesson}-{m['src']}" for lesson, m in ALL])
def test_each_picture_has_alt_text_naming_its_marks_and_a_sub_step_caption(lesson, match):
    path = NOTEBOOKS / match["src"]
    assert path.is_file(), f"{lesson}.md shows {match['src']}, which does not exist"
    marks = {"".join(c.itertext()).strip() for g in svg_root(path).iter(f"{SVG}g")
             if g.get("class") == "callout" for c in g if c.get("class") == "n"}
    alt = match["alt"].strip()
    assert len(alt) > 60 and alt.startswith("Sketch of"), f"{lesson}: alt text of {path.name}"
    missing = [n for n in sorted(marks) if f"({n})" not in alt]
    assert not missing, f"{lesson}: the alt text of {path.name} does not say what {missing} mark"
    assert "$" not in alt, "JupyterLab would render text between two $ as mathematics"
    step = LESSON_STEPS[lesson]
    assert match["first"], f"{lesson}: {path.name} has no '*Sub-step X:*' caption after it"
    for label in filter(None, (match["first"], match["last"])):
        assert label in step.sub_step_labels, (
            f"{lesson}: caption of {path.name} names sub-step {label!r}; step {step.number} "
            f"has {step.sub_step_labels}")


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_each_svg_is_small_scalable_accessible_and_marks_what_to_click(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) < 15_000
    assert text.startswith("<!-- Sketch, not a screenshot; labels as of 2026.")
    root = svg_root(path)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    x0, y0, width, height = (float(v) for v in root.get("viewBox").split())
    assert (x0, y0, width) == (0, 0, 720) and float(root.get("width")) == width
    assert float(root.get("height")) == height  # so an <img> keeps its shape as it shrinks
    for part in ("title", "desc"):
        element = root.find(f"{SVG}{part}")
        assert element is not None and element.text.strip(), f"{path.name} has no <{part}>"
        assert element.get("id") in root.get("aria-labelledby").split()
    assert any("highlight" in r.get("class", "").split() for r in root.iter(f"{SVG}rect"))
    fonts = [e.get("font-family") for e in root.iter() if e.get("font-family")]
    fonts += re.findall(r"font-family:([^;}]+)", text)
    assert fonts and all(f.strip().endswith(("sans-serif", "monospace")) for f in fonts), fonts


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_each_svg_is_a_wireframe_with_few_words_to_read(path):
    words = readable_words(path)
    assert len(words) <= MAX_WORDS, (
        f"{path.name} has {len(words)} words to read (at most {MAX_WORDS}); draw the text the "
        f"learner does not need as grey bars: {' '.join(words)}")


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_no_svg_holds_a_script_an_outside_reference_or_anything_key_shaped(path):
    text = path.read_text(encoding="utf-8")
    shaped = SECRET_SHAPED.findall(text)
    assert not shaped, f"{path.name}: {len(shaped)} secret-shaped string(s)"
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', ""), path.name
    for element in svg_root(path).iter():
        tag = element.tag.removeprefix(SVG)
        assert tag not in ("script", "foreignObject", "image", "use", "a", "iframe"), tag
        for name, value in element.attrib.items():
            assert not name.endswith("href") and not name.startswith("on"), (path.name, name)
            assert "url(" not in value, (path.name, name)
    assert "@import" not in text and "url(" not in text


@pytest.mark.parametrize("step, name, words", SCREENS, ids=[f"{s}-{n}" for s, n, _ in SCREENS])
def test_each_screen_of_the_guide_is_in_its_lesson_with_what_to_use_highlighted(step, name, words):
    lesson = Path(next(s.notebook for s in STEPS if s.number == step)).stem
    assert f"images/{name}" in {m["src"] for m in pictures(lesson)}, f"{lesson}.md lacks {name}"
    marked = highlighted_words(IMAGES / name)
    missing = [w for w in words if not any(t.startswith(w) for t in marked)]
    assert not missing, f"{name}: {missing} not inside a highlight (highlighted: {sorted(marked)})"


def test_the_highlight_check_sees_a_label_outside_every_highlight():
    """The screens' test would fail if a highlight moved off what the learner uses."""
    path = IMAGES / "iam-set-permissions.svg"
    marked = highlighted_words(path)
    assert "AmazonMechanicalTurkFullAccess" in marked
    assert "AmazonMechanicalTurkReadOnly" in readable_words(path)
    assert "AmazonMechanicalTurkReadOnly" not in marked
