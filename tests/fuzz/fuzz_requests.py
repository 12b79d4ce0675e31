"""Requests for the simulator's WSGI app, built as a server would hand them over.

``call(app, environ)`` runs one request in-process (no socket); ``mturk_environ`` builds the
WSGI environ of an MTurk request, signed with SigV4 like botocore signs or not at all.
The strategies draw request bodies from botocore's own mturk model (right types, wrong
types, extreme values), Question XML, and junk. ``seed_world`` gives the simulator a small
world with something of everything (HITs in each state, assignments, a bonus,
qualifications, a block, production money), and ``snapshot`` records all of it.
"""

from __future__ import annotations

import functools
import html
import io
import json
import string
from decimal import Decimal

from hypothesis import strategies as st

from mturklink_helpers.hits import survey_question
from mturklink_helpers.simulator import shapes
from mturklink_helpers.simulator.exceptions import MTurkError

HOST = "127.0.0.1:5000"
REGION = "us-east-1"
SIGNING_NAME = "mturk-requester"
PREFIX = shapes.TARGET_PREFIX
OPERATIONS = sorted(shapes.operation_names())
QUESTION_OPERATIONS = ["CreateHIT", "CreateHITWithHITType"]

# Every error class the simulator documents (exceptions.py), with its HTTP status.
ERROR_STATUS = {cls.code: cls.status for cls in (
    *MTurkError.__subclasses__(), MTurkError)}
NO_FAULTS = set(ERROR_STATUS) - {"ServiceFault", "ThrottlingException", "InternalFailure"}
PYTHON_ERRORS = ("Traceback", 'File "', "Error(", "Exception(")

# --- calling the app -------------------------------------------------------------------------


def call(app, environ) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; an exception here is a 500 from the server."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], body


def environ_for(path: str, body: bytes, headers: dict[str, str], method: str = "POST",
                content_length: str | None = None) -> dict:
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "HTTP_HOST": HOST,
        "CONTENT_LENGTH": str(len(body)) if content_length is None else content_length,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[key] = value
        else:
            env["HTTP_" + key] = value
    return env


def signed_headers(key, environment: str, body: bytes, target: str | None) -> dict[str, str]:
    """The headers botocore would send: SigV4 over host, date, target and body."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        headers["X-Amz-Target"] = target
    request = AWSRequest("POST", f"http://{HOST}/{environment}", data=body, headers=headers)
    SigV4Auth(_credentials(key), SIGNING_NAME, REGION).add_auth(request)
    return dict(request.headers.items())


@functools.cache
def _credentials_for(key_id: str, secret: str):
    from botocore.credentials import Credentials

    return Credentials(key_id, secret)


def _credentials(key):
    return _credentials_for(key.access_key_id, key.reveal_secret())


# --- what comes back -------------------------------------------------------------------------


def error_of(status: int, headers: dict, body: bytes, faults_on: bool = False) -> dict:
    """The JSON error body, after checking it is one the simulator documents (ServiceFault
    and throttling only while faults are on)."""
    assert headers.get("Content-Type") == "application/x-amz-json-1.1", headers
    text = body.decode("utf-8")
    for word in PYTHON_ERRORS:
        assert word not in text, text
    error = json.loads(text)
    members = {"__type", "Message", "TurkErrorCode"}
    if error.get("__type") == "ParameterValidationError":  # boto3 #2108: + Parameter
        members.add("Parameter")
        assert isinstance(error.get("Parameter"), str) and error["Parameter"], error
    assert isinstance(error, dict) and set(error) <= members, error
    assert error["__type"] in (set(ERROR_STATUS) if faults_on else NO_FAULTS), error
    assert status == ERROR_STATUS[error["__type"]], (status, error)
    assert isinstance(error["Message"], str) and error["Message"].strip(), error
    if "TurkErrorCode" in error:  # RequestError, ServiceFault, ParameterValidationError
        assert error["__type"] in ("RequestError", "ServiceFault",
                                   "ParameterValidationError"), error
    return error


# --- the world -------------------------------------------------------------------------------

HTML_QUESTION = survey_question("sandbox")  # the kit's own test-HIT form: a valid HTMLQuestion
FORM_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
FILE_QUESTION = (
    f'<QuestionForm xmlns="{FORM_NS}"><Question><QuestionIdentifier>photo</QuestionIdentifier>'
    "<QuestionContent><Text>A photo</Text></QuestionContent><AnswerSpecification>"
    "<FileUploadAnswer><MaxFileSizeInBytes>100000</MaxFileSizeInBytes>"
    "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification>"
    "</Question></QuestionForm>"
)


def _hit(backend, **over):
    args = dict(LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Reward="0.50",
                Title="Fuzz HIT", Description="A HIT to fuzz", MaxAssignments=3,
                Question=HTML_QUESTION)
    args.update(over)
    return backend.create_hit(**args)


def seed_world(sim) -> dict[str, list[str]]:
    """Something of everything, in both environments; returns the ids by kind."""
    sandbox = sim.backend("sandbox")
    open_hit = _hit(sandbox)
    sim.workers_submit(open_hit.id, 2)
    done_hit = _hit(sandbox, MaxAssignments=2, Title="Reviewable HIT")
    sim.workers_submit(done_hit.id)
    first, second = done_hit.assignment_ids
    sandbox.approve_assignment(first)
    sandbox.reject_assignment(second, "Not what was asked")
    reviewing = _hit(sandbox, MaxAssignments=1, Title="Reviewing HIT")
    sim.workers_submit(reviewing.id)
    sandbox.approve_assignment(reviewing.assignment_ids[0])
    sandbox.update_hit_review_status(reviewing.id)
    upload = _hit(sandbox, MaxAssignments=1, Question=FILE_QUESTION, Title="Upload HIT")
    sim.workers_submit(upload.id)
    worker = sandbox.assignments[first].worker_id
    sandbox.send_bonus(worker, "0.25", first, "Thank you")
    qual = sandbox.create_qualification_type(Name="Fuzz skill", Description="A skill",
                                             QualificationTypeStatus="Active")
    auto = sandbox.create_qualification_type(Name="Fuzz auto", Description="Auto granted",
                                             QualificationTypeStatus="Active", AutoGranted=True)
    sandbox.associate_qualification_with_worker(qual.id, worker, 80)
    sim.workers_request_qualification(qual.id, 2)
    sandbox.create_worker_block(WorkerId=sim.world.workers[-1].worker_id, Reason="Spam")
    sim.set_balance("25.00")
    production = sim.backend("production")
    paid = _hit(production, MaxAssignments=1, Reward="1.00", Title="Paid HIT")
    backends = (sandbox, production)
    return {
        "HITId": [h for b in backends for h in b.hits],
        "HITTypeId": [t for b in backends for t in b.hit_types] + [paid.hit_type.id],
        "AssignmentId": [a for b in backends for a in b.assignments],
        "WorkerId": [w.worker_id for w in sim.world.workers[:5]] + [worker],
        "QualificationTypeId": [qual.id, auto.id, "000000000000000000L0", "00000000000000000071",
                                "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"],
        "QualificationRequestId": list(sandbox.qualification_requests),
    }


_STATE = ("hit_types", "_hit_type_keys", "hits", "assignments", "bonuses",
          "qualification_types", "qualifications", "qualification_requests", "worker_blocks",
          "notifications_sent", "notified_workers", "_tokens", "_held", "_released")
_DEFAULT_ACCOUNT = (True, True, Decimal("0.00"))


def snapshot(sim) -> tuple:
    """Everything a request could change: accounts, each backend's contents (and where its
    id generator stands), the clock, faults, key propagation."""
    world = sim.world
    accounts = sorted(
        (account_id, (a.linked, a.sandbox_registered, a.production_balance))
        for account_id, a in world.accounts.items()
        if (a.linked, a.sandbox_registered, a.production_balance) != _DEFAULT_ACCOUNT
    )
    backends = sorted(
        (key, repr([getattr(b, name) for name in _STATE]), b._rng.getstate())
        for key, b in world.backends.items()
        if any(getattr(b, name) for name in _STATE)
    )
    return (accounts, backends, sim.clock.now(), sim.faults.settings(),
            sim.authenticator.propagation_delay, world.propagation_delay)


# --- strategies ----------------------------------------------------------------------------
#
# A request is drawn as a few texts from hypothesis (where the surprises are: any unicode,
# lone surrogates, latin-1 header text) plus one seeded Random that builds the JSON around
# them from botocore's shapes. Drawing every member through hypothesis costs ~10 ms a
# request; this costs well under one, and 4,000 requests per target have to fit in seconds.
# A failing example prints the request itself (see ``note`` in the tests).

# Header values arrive as latin-1 text (PEP 3333); no line breaks survive HTTP.
header_text = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=60)
# JSON strings can carry anything, lone surrogates included ("\ud800").
any_text = st.one_of(st.text(max_size=40), st.text(st.characters(codec=None), max_size=10))
TRICKY_TEXT = ["", " ", "\ud800", "a\udfffb", "\x00", "é", "😀", "<", "&amp;", "%s", "{}",
               "null", "0", "-1", "1e999", "NaN", "x" * 300]
texts = st.tuples(any_text, any_text, any_text)  # (lists make hypothesis discard many draws)
structure = st.randoms(use_true_random=True)

INTEGERS = [0, 1, 2, 3, 10, 30, 100, 101, 3600, 31536000, 31536001, -1, -(2**31), 2**31, 2**63,
            10**30]
TIMESTAMPS = [0, 1.5, 1e10, 1e20, -1e12, 253402300799, 253402300800, 10**30, -(10**30),
              float("nan"), float("inf"), float("-inf")]
MONEY = ["0.01", "0.50", "1", "1.005", "-1.00", "0", "0.00", "1e3", "NaN", "Infinity", " 0.50 ",
         "$0.50", "0,50", "99999999999999999999.99", ""]
DESTINATIONS = ["https://sqs.us-east-1.amazonaws.com/1/q", "arn:aws:sns:us-east-1:1:t",
                "a@b.example"]


def _token(n: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"p:{n}".encode()).decode()


TOKENS = [_token(1), _token(-5), _token(10**9), "cDp4", "cDo=", "===", "p:1"]


class Maker:
    """Builds one request's JSON from a Random, hypothesis's texts and the world's ids."""

    def __init__(self, rnd, texts: list[str], ids: dict[str, list[str]]):
        self.rnd, self.texts, self.ids = rnd, texts, ids

    def text(self) -> str:
        rnd = self.rnd
        return rnd.choice(self.texts) if rnd.random() < 0.7 else rnd.choice(TRICKY_TEXT)

    def junk(self, depth: int = 0):
        """Any JSON value."""
        rnd = self.rnd
        kind = rnd.randrange(8 if depth < 3 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return rnd.random() < 0.5
        if kind == 2:
            return rnd.choice(INTEGERS) if rnd.random() < 0.5 else rnd.randint(-(2**70), 2**70)
        if kind == 3:
            return rnd.choice(TIMESTAMPS) if rnd.random() < 0.5 else rnd.uniform(-1e6, 1e6)
        if kind in (4, 5):
            return self.text()
        if kind == 6:
            return [self.junk(depth + 1) for _ in range(rnd.randrange(4))]
        return {self.text(): self.junk(depth + 1) for _ in range(rnd.randrange(4))}

    def value(self, name: str, shape, depth: int = 0):
        """A value for member ``name``: the right type mostly, anything sometimes."""
        rnd = self.rnd
        if depth and rnd.random() < 0.08:
            return self.junk()
        kind = shape.type_name
        if kind == "structure":
            members = shape.members
            required = set(shape.required_members)
            out = {}
            for member, member_shape in members.items():
                wanted = 0.97 if member in required else 0.8 if member == "Question" else 0.35
                if rnd.random() < wanted:
                    out[member] = self.value(member, member_shape, depth + 1)
            if rnd.random() < 0.05:
                out[self.text()] = self.junk()  # a member the model does not have
            return out
        if kind == "list":
            return [self.value(name, shape.member, depth + 1) for _ in range(rnd.randrange(4))]
        if kind == "string":
            return self.string(name, shape)
        if kind in ("integer", "long"):
            return rnd.choice(INTEGERS) if rnd.random() < 0.7 else rnd.randint(-(2**64), 2**64)
        if kind == "boolean":
            return rnd.random() < 0.5
        if kind == "timestamp":
            return rnd.choice(TIMESTAMPS) if rnd.random() < 0.7 else rnd.uniform(-1e12, 1e12)
        return self.junk()  # no other types in the mturk model today

    def string(self, name: str, shape) -> str:
        rnd = self.rnd
        if rnd.random() < 0.2:
            return self.text()
        if name.endswith("Ids"):  # WorkerIds: a list of WorkerId
            name = name[:-1]
        if shape.enum:
            return rnd.choice(shape.enum)
        if self.ids.get(name):
            return rnd.choice(self.ids[name])
        if name == "Question":
            return self.question()
        if name in ("Reward", "BonusAmount"):
            return rnd.choice(MONEY)
        if name == "NextToken":
            return rnd.choice(TOKENS)
        if name == "Destination":
            return rnd.choice(DESTINATIONS)
        return self.text()

    # --- Question XML ---------------------------------------------------------------------

    def question(self) -> str:
        rnd = self.rnd
        kind = rnd.randrange(4)
        height = rnd.choice(["450", "0", "", " 450 ", "-1", "4.5", "²", "٣", "9" * 30, self.text()])
        if kind == 0:
            ns = rnd.choice([NS_HTML, "urn:other"])
            body = "".join(self.html_piece() for _ in range(rnd.randrange(6)))
            wrap = rnd.choice([_cdata, _xml_text, str])
            return (f'<HTMLQuestion xmlns="{ns}"><HTMLContent>{wrap(body)}</HTMLContent>'
                    f"<FrameHeight>{_xml_text(height)}</FrameHeight></HTMLQuestion>")
        if kind == 1:
            url = rnd.choice(["https://example.com/task", "https://" + self.text(), self.text()])
            return (f'<ExternalQuestion xmlns="{NS_EXTERNAL}"><ExternalURL>{_xml_text(url)}'
                    f"</ExternalURL><FrameHeight>{_xml_text(height)}</FrameHeight>"
                    "</ExternalQuestion>")
        if kind == 2:
            items = "".join(
                f"<Question><QuestionIdentifier>{_xml_text(self.text())}</QuestionIdentifier>"
                f"<AnswerSpecification>{rnd.choice(ANSWERS)}</AnswerSpecification></Question>"
                for _ in range(rnd.randrange(4)))
            return f'<QuestionForm xmlns="{FORM_NS}">{items}</QuestionForm>'
        return self.text()

    def attr(self) -> str:
        rnd = self.rnd
        if rnd.random() < 0.5:
            return "".join(rnd.choices(ATTR_ALPHABET, k=rnd.randrange(14)))
        return self.text()

    def html_piece(self) -> str:
        rnd = self.rnd
        kind = rnd.randrange(5)
        if kind == 0:
            return (f'<{rnd.choice(INPUT_TAGS)} name="{html.escape(self.attr())}" '
                    f'type="{rnd.choice(INPUT_TYPES)}" value="{html.escape(self.attr())}">')
        if kind == 1:
            return f'<option value="{html.escape(self.attr())}">o</option>'
        if kind == 2:
            return (f'<crowd-classifier name="{html.escape(self.attr())}" '
                    f'categories="{html.escape(self.attr())}"></crowd-classifier>')
        if kind == 3:
            return rnd.choice(MARKUP_JUNK)
        return self.text()


NS_HTML = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"
NS_EXTERNAL = ("http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/"
               "ExternalQuestion.xsd")
ANSWERS = ["<FreeTextAnswer/>", "<FileUploadAnswer/>", "",
           "<SelectionAnswer><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier>"
           "</Selection></Selections></SelectionAnswer>"]
ATTR_ALPHABET = string.ascii_letters + string.digits + " []{}():,'\"-._"
INPUT_TAGS = ["input", "textarea", "crowd-input", "crowd-radio-button", "crowd-checkbox",
              "crowd-text-area", "select"]
INPUT_TYPES = ["text", "radio", "checkbox", "number", "submit", "hidden", "file", "RADIO", ""]
MARKUP_JUNK = ["<![CDATA[x]]>", "<![if IE]>", "<![endif]>", "<![foo[ x ]]>", "<!-- c -->", "<!x>",
               "</", "<?pi?>", "&#0;", "&#99999999;", "&bogus;", "<input", '"', "'", "]]>",
               "<br/>"]


def _xml_text(text: str) -> str:
    return html.escape(text, quote=False)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


RAW_BODIES = [b"", b"{", b"null", b"[]", b'"x"', b"{}{}", b"\xff\xfe{}", b'{"a": NaN}',
              b"\xef\xbb\xbf{}", b"{" * 50]


@st.composite
def requests(draw, ids: dict[str, list[str]]):
    """(operation, body bytes, Maker): the operation's params as JSON mostly, junk sometimes."""
    rnd, drawn = draw(structure), draw(texts)
    maker = Maker(rnd, drawn, ids)
    # A quarter CreateHIT: its Question XML is where most of the parsing happens.
    op = rnd.choice(OPERATIONS) if rnd.random() < 0.75 else rnd.choice(QUESTION_OPERATIONS)
    kind = rnd.randrange(10)
    if kind < 7:
        shape = shapes.operation(op).input_shape
        body = json.dumps(maker.value(op, shape) if shape is not None else {}).encode()
    elif kind == 7:
        body = json.dumps(maker.junk()).encode()
    elif kind == 8:
        body = rnd.choice(RAW_BODIES)
    else:
        body = rnd.randbytes(rnd.randrange(64))
    return op, body, maker


def target_for(maker: Maker, op: str, junk_header: str) -> str | None:
    """X-Amz-Target: the real one mostly; other operations, near misses, junk or none."""
    rnd = maker.rnd
    kind = rnd.randrange(20)
    if kind < 16:
        return PREFIX + op
    if kind == 16:
        return PREFIX + rnd.choice(OPERATIONS)
    if kind == 17:
        return rnd.choice([None, "", PREFIX, PREFIX.lower() + op, op, PREFIX + op.lower(),
                           PREFIX + op + " ", "MTurkRequesterServiceV20170117" + op,
                           "AWSMechanicalTurkRequester." + op])
    return rnd.choice([PREFIX + junk_header, junk_header])
