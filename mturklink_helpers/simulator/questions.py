"""The ``Question`` parameter: well-formed XML in one of MTurk's three schemas, and the
answer fields a worker fills in (read from the form's inputs)."""

from __future__ import annotations

import ast
import html.parser
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

NS_HTML = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
NS_EXTERNAL = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"
)
NS_FORMS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd",
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd",
)
NS_ANSWERS = (
    "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd"
)
_IGNORED_INPUTS = {"assignmentId", "workerId", "hitId", "turkSubmitTo"}


class QuestionError(ValueError):
    """The Question is not valid; the message says what is wrong and where."""


@dataclass
class Field:
    """One answer a worker gives: free text, a number, or one of ``options``."""

    name: str
    kind: str = "text"  # text | number | choice | file
    options: list[str] = field(default_factory=list)


@dataclass
class Question:
    kind: str  # HTMLQuestion | ExternalQuestion | QuestionForm
    fields: list[Field]
    frame_height: int | None = None


def parse_question(xml: str) -> Question:
    """Check ``xml`` and return its kind and answer fields, or raise QuestionError."""
    try:
        root = ET.fromstring(xml.strip().encode())
    except ET.ParseError as err:
        raise QuestionError(f"The Question is not well-formed XML ({err}).") from None
    namespace, _, tag = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if tag == "HTMLQuestion" and namespace == NS_HTML:
        return _html_question(root, namespace)
    if tag == "ExternalQuestion" and namespace == NS_EXTERNAL:
        return _external_question(root, namespace)
    if tag == "QuestionForm" and namespace in NS_FORMS:
        return _question_form(root, namespace)
    raise QuestionError(
        f"The Question's root element <{tag}> in namespace {namespace or '(none)'!r} is not an "
        "HTMLQuestion, ExternalQuestion or QuestionForm in MTurk's schema namespace."
    )


def _frame_height(root: ET.Element, ns: str) -> int:
    text = (root.findtext(f"{{{ns}}}FrameHeight") or "").strip()
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise QuestionError("The Question needs a <FrameHeight> that is a whole number of pixels.")
    return int(text)


def _html_question(root: ET.Element, ns: str) -> Question:
    content = root.findtext(f"{{{ns}}}HTMLContent")
    if not content or not content.strip():
        raise QuestionError("The HTMLQuestion has no <HTMLContent>.")
    height = _frame_height(root, ns)
    parser = _FormInputs()
    try:
        parser.feed(content)
    except AssertionError:  # html.parser gives up at an unknown "<![foo[": keep what it found
        pass
    return Question("HTMLQuestion", parser.result(), height)


def _external_question(root: ET.Element, ns: str) -> Question:
    url = (root.findtext(f"{{{ns}}}ExternalURL") or "").strip()
    if not url.startswith("https://"):
        raise QuestionError(
            f"The ExternalQuestion's <ExternalURL> must be an https:// URL, not {url or 'empty'!r}."
        )
    # The page is elsewhere: workers answer with one free-text field.
    return Question("ExternalQuestion", [Field("answer")], _frame_height(root, ns))


def _question_form(root: ET.Element, ns: str) -> Question:
    fields = []
    for question in root.iter(f"{{{ns}}}Question"):
        ident = (question.findtext(f"{{{ns}}}QuestionIdentifier") or "").strip()
        if not ident:
            raise QuestionError("A <Question> in the QuestionForm has no <QuestionIdentifier>.")
        spec = question.find(f"{{{ns}}}AnswerSpecification")
        if spec is None:
            raise QuestionError(f"Question {ident!r} has no <AnswerSpecification>.")
        selections = [
            (s.text or "").strip() for s in spec.iter(f"{{{ns}}}SelectionIdentifier")
        ]
        if selections:
            fields.append(Field(ident, "choice", selections))
        elif spec.find(f"{{{ns}}}FileUploadAnswer") is not None:
            fields.append(Field(ident, "file"))
        else:
            fields.append(Field(ident))
    if not fields:
        raise QuestionError("The QuestionForm has no <Question>.")
    return Question("QuestionForm", fields)


class _FormInputs(html.parser.HTMLParser):
    """Collect the named inputs of an HTML form (plain HTML and crowd-html elements)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, Field] = {}
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "option" and self._select is not None:
            value = a.get("value")
            if value:
                self._select.options.append(value)
            return
        if not name or name in _IGNORED_INPUTS:
            return
        kind = (a.get("type") or "text").lower()
        if tag == "input" and kind in ("submit", "button", "hidden", "reset", "image"):
            return
        if tag in ("input", "crowd-radio-button", "crowd-checkbox") and kind in (
            "radio",
            "checkbox",
        ) or tag in ("crowd-radio-button", "crowd-checkbox"):
            existing = self.fields.setdefault(name, Field(name, "choice"))
            existing.options.append(a.get("value") or "on")
        elif tag == "select":
            self._select = self.fields.setdefault(name, Field(name, "choice"))
        elif tag == "crowd-classifier":
            options = _categories(a.get("categories", ""))
            self.fields[name] = Field(name, "choice", options) if options else Field(name)
        elif tag in ("input", "textarea", "crowd-input", "crowd-text-area"):
            self.fields[name] = Field(name, "number" if kind == "number" else "text")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def result(self) -> list[Field]:
        return [f if f.kind != "choice" or f.options else Field(f.name) for f in self.fields.values()]


def _categories(text: str) -> list[str]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):  # {[]}, -----1
        return [c.strip(" '\"") for c in re.split(r"[,\[\]]", text) if c.strip(" '\"")]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def answers_xml(answers: list[tuple[str, str, bool]]) -> str:
    """QuestionFormAnswers XML for (identifier, value, is_selection) triples, laid out as MTurk
    writes it: a UTF-8 declaration, one element a line, an empty answer as ``<FreeText/>``
    (a real ListAssignmentsForHIT answer of an HTML form, boto/botocore #1167, 2017-03)."""
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
             f'<QuestionFormAnswers xmlns="{NS_ANSWERS}">']
    for ident, value, is_selection in answers:
        tag = "SelectionIdentifier" if is_selection else "FreeText"
        text = escape(_XML_UNSAFE.sub("", value))
        lines += ["<Answer>", f"<QuestionIdentifier>{escape(_XML_UNSAFE.sub('', ident))}"
                  "</QuestionIdentifier>", f"<{tag}>{text}</{tag}>" if text else f"<{tag}/>",
                  "</Answer>"]
    return "\n".join([*lines, "</QuestionFormAnswers>"])


# Characters XML 1.0 cannot hold at all (a worker's typed answer may carry them).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
