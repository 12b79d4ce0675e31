"""The simulator's request handler, through its WSGI app, in-process (no sockets).

Whatever comes in (bodies, X-Amz-Target, Authorization, X-Amz-Date, Content-Length), the
answer is 200 or one of the documented JSON errors (exceptions.py) with its documented
status: never a Python exception out of the app (a server would answer 500 and log a
traceback), never a 500 of its own making (faults are off), never a traceback in a body.
A refused request changes nothing. The admin interface answers junk with a JSON 4xx.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fuzz_requests import (
    NS_HTML,
    PREFIX,
    PYTHON_ERRORS,
    Maker,
    call,
    environ_for,
    error_of,
    header_text,
    requests,
    seed_world,
    signed_headers,
    snapshot,
    structure,
    target_for,
    texts,
)
from hypothesis import event, example, given, note, settings
from hypothesis import strategies as st

from mturklink_helpers.simulator import MTurkSimulator
from mturklink_helpers.simulator.models import DEFAULT_ACCOUNT_ID
from mturklink_helpers.simulator.server import ADMIN_ACTIONS, SimulatorApp

AUTH_ERRORS = {"MissingAuthenticationTokenException", "UnrecognizedClientException",
               "InvalidSignatureException", "IncompleteSignatureException",
               "UnknownOperationException"}
# The world's ids are the same in every seeded world: learn them once, for the strategies.
IDS = seed_world(MTurkSimulator(seed=0, auth=False))
UNKNOWN_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


@dataclass
class World:
    app: SimulatorApp
    sim: MTurkSimulator
    key: object  # the requester's AccessKey, known to moto's IAM
    last: tuple | None = None  # the state after the previous request (what the next starts from)

    def reset(self) -> None:
        """Back to the seeded world after a request that was allowed to change it."""
        self.sim.reset()
        assert seed_world(self.sim) == IDS
        self.last = None

    def undo_console_actions(self, base: tuple) -> None:
        """Back to ``base`` after admin actions that changed only accounts, clock, faults or
        key propagation (much cheaper than a new world); anything else: a new world."""
        accounts, backends, now, _faults, delay, _ = base
        if snapshot(self.sim)[1] != backends:
            self.reset()
            return
        self.sim.world.accounts.clear()
        for account_id, (linked, registered, balance) in accounts:
            account = self.sim.world.account(account_id)
            account.linked, account.sandbox_registered = linked, registered
            account.production_balance = balance
        self.sim.clock.set(now)
        self.sim.faults.configure()
        self.sim.set_propagation_delay(delay)
        assert self.after() == base

    def before(self) -> tuple:
        if self.last is None:
            self.last = snapshot(self.sim)
        return self.last

    def after(self) -> tuple:
        self.last = snapshot(self.sim)
        return self.last

    def iam_state(self) -> list:
        from moto.iam.models import iam_backends

        iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
        # repr: the admin interface lets a user be named null (moto does not mind)
        return sorted(repr((u.name, sorted(k.access_key_id for k in u.access_keys),
                            sorted(u.managed_policies))) for u in iam.users.values())


@pytest.fixture(scope="module")
def world():
    from moto import mock_aws

    with mock_aws():
        app = SimulatorApp(MTurkSimulator(seed=0))
        w = World(app, app.simulator, app.simulator.new_requester_key())
        w.reset()
        yield w


def answer(world, path, body, headers, content_length=None):
    return call(world.app, environ_for(path, body, headers, content_length=content_length))


# --- MTurk requests ------------------------------------------------------------------------

# How a request is sent: signed as botocore signs (most), or broken after or instead of that.
TAMPERING = ["no-auth", "junk-auth", "made-up-auth", "unknown-key", "wrong-secret",
             "other-body", "other-target", "other-date", "no-date", "other-signature",
             "other-host", "security-token", "content-sha"]
SENDING = ["signed"] * 26 + TAMPERING
CONTENT_LENGTHS = [None] * 60 + ["", "abc", "-1", "0", "1", "99999", " 2", "1e3", "0x10"]
REQUESTS = requests(IDS)


@st.composite
def mturk_requests(draw):
    op, body, maker = draw(REQUESTS)
    rnd, text = maker.rnd, draw(header_text)
    how, target = rnd.choice(SENDING), target_for(maker, op, text)
    if how == "other-target" and target is None:
        target = PREFIX + op  # a target to change after signing
    return {
        "environment": rnd.choice(["sandbox", "sandbox", "production"]), "op": op,
        "body": body, "target": target, "how": how, "text": text,
        "key_id": rnd.choice(["mine", UNKNOWN_KEY[0], "", text]),
        "signed": rnd.choice(["host;x-amz-date;x-amz-target", "host", "", text,
                              "content-type;host;x-amz-date;x-amz-target"]),
        "content_length": rnd.choice(CONTENT_LENGTHS) if how == "signed" else None,
    }


def sent_headers(world, r) -> dict[str, str]:
    """The request's headers: signed with the requester's key, then broken as ``how`` says."""
    from mturklink_helpers.credentials import AccessKey

    how, text, key = r["how"], r["text"], world.key
    if how == "unknown-key":
        key = AccessKey(*UNKNOWN_KEY)
    elif how == "wrong-secret":
        secret = key.reveal_secret()
        key = AccessKey(key.access_key_id, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    headers = signed_headers(key, r["environment"], r["body"], r["target"])
    if how == "no-auth":
        headers.pop("Authorization")
    elif how == "junk-auth":
        headers["Authorization"] = text
    elif how == "made-up-auth":
        key_id = key.access_key_id if r["key_id"] == "mine" else r["key_id"]
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={key_id}/20240101/us-east-1/mturk-requester/"
            f"aws4_request, SignedHeaders={r['signed']}, Signature={text}")
    elif how == "other-body":
        r["body"] = r["body"] + b" "
    elif how == "other-target":
        other = "GetHIT" if r["target"] != PREFIX + "GetHIT" else "ListHITs"
        headers["X-Amz-Target"] = PREFIX + other
    elif how == "other-date":
        headers["X-Amz-Date"] = text
    elif how == "no-date":
        headers.pop("X-Amz-Date")
    elif how == "other-signature":
        auth = headers["Authorization"]
        headers["Authorization"] = auth[: auth.index("Signature=") + 10] + text
    elif how == "other-host":
        headers["Host"] = text
    elif how == "security-token":
        headers["X-Amz-Security-Token"] = text or "token"
    elif how == "content-sha":
        headers["X-Amz-Content-SHA256"] = text or "0"
    return headers


def request(op, body, how="signed", text="", content_length=None, environment="sandbox"):
    """A request as the strategy draws it (for regression examples)."""
    return {"environment": environment, "op": op, "body": body, "target": PREFIX + op,
            "how": how, "text": text, "key_id": "mine", "signed": "host",
            "content_length": content_length}


def create_hit(question: str, lifetime: int = 3600) -> bytes:
    return json.dumps({"Title": "t", "Description": "d", "Reward": "0.10",
                       "LifetimeInSeconds": lifetime, "AssignmentDurationInSeconds": 600,
                       "Question": question}).encode()


def html_question(content: str, height: str = "450") -> str:
    return (f'<HTMLQuestion xmlns="{NS_HTML}"><HTMLContent><![CDATA[{content}]]></HTMLContent>'
            f"<FrameHeight>{height}</FrameHeight></HTMLQuestion>")


# Regressions: each of these made the app raise (a server's 500 with a traceback) before the
# fix named next to it.
@example(request("ListHITs", b"[" * 100_000))  # responses.py: RecursionError from json
@example(request("ListHITs", b"{}", content_length="abc"))  # server.py: int("abc")
@example(request("GetAccountBalance", b"{}", "other-signature", "\x80"))  # auth.py: compare_digest
@example(request("GetAccountBalance", b"{}", "other-host", "["))  # auth.py: urlsplit
@example(request("UpdateExpirationForHIT",  # shapes.py: datetime out of range
                 json.dumps({"HITId": IDS["HITId"][0], "ExpireAt": 253402300800}).encode()))
@example(request("CreateHIT", create_hit(html_question("<p>"), lifetime=10)))  # models.py:
# refused after its HIT type was made, which stayed (a changed state)
@example(request("CreateHIT", create_hit(html_question("<p>\ud800</p>"))))  # shapes.py
@example(request("CreateHIT", create_hit(html_question("<p>", "\u00b2"))))  # questions.py
@example(request("CreateHIT", create_hit(html_question("<![foo[x]>"))))  # questions.py
@example(request("CreateHIT", create_hit(html_question(  # questions.py: literal_eval
    '<crowd-classifier name="c" categories="{[]}"></crowd-classifier>'))))
@given(mturk_requests())
def test_mturk_requests_get_200_or_a_documented_error_and_refusals_change_nothing(world, r):
    note(repr(r))
    before = world.before()
    headers = sent_headers(world, r)
    status, response_headers, body = answer(world, "/" + r["environment"], r["body"], headers,
                                            r["content_length"])
    if status == 200:
        if r["how"] != "signed":
            # Only a "change" that changed nothing may pass, such as the same date drawn again.
            assert r["how"] in ("other-date", "other-host"), r["how"]
        event("200")
        assert response_headers.get("Content-Type") == "application/x-amz-json-1.1"
        assert isinstance(json.loads(body), dict)
        if world.after() != before:
            event("200, state changed: world reset")
            world.reset()
        return
    error = error_of(status, response_headers, body)
    event(error["__type"] + (f" {error['TurkErrorCode']}" if "TurkErrorCode" in error else ""))
    if r["how"] != "signed":
        assert error["__type"] in AUTH_ERRORS, (r["how"], error)
    assert world.after() == before, (r["op"], error)


# --- the admin interface -----------------------------------------------------------------------

ADMIN_PARAMS = ["account_id", "linked", "registered", "amount", "hit_id", "count", "environment",
                "qualification_type_id", "throttle_rps", "service_fault_rate", "latency", "seed",
                "throttle_clock", "sleep", "drop_rate", "advance", "set", "seconds", "user_name",
                "policy"]
ADMIN_VALUES = [0, 1, -1, 0.5, 2, 1e300, 1e20, 10**30, True, False, None, "", "25.00", "sandbox",
                "production", "real", "simulated", "2030-01-01T00:00:00+00:00",
                "AmazonMechanicalTurkFullAccess", "AmazonMechanicalTurkReadOnly",
                DEFAULT_ACCOUNT_ID, *IDS["HITId"][:2], *IDS["QualificationTypeId"][:2]]
ADMIN_CHOICES = sorted(set(ADMIN_ACTIONS) - {"reset"})


@st.composite
def admin_requests(draw):
    """(action, body): mostly real actions with their own parameter names and junk values.
    "reset" is left out: it also resets moto, and with it the key these tests sign with."""
    rnd = draw(structure)
    maker = Maker(rnd, draw(texts), IDS)
    junk = draw(header_text)
    action = rnd.choice(ADMIN_CHOICES) if rnd.random() < 0.8 else junk
    if action == "reset":
        action = "state"
    kind = rnd.randrange(10)
    if kind < 7:
        params = {}
        for _ in range(rnd.randrange(5)):
            name = rnd.choice(ADMIN_PARAMS) if rnd.random() < 0.9 else maker.text()
            params[name] = rnd.choice(ADMIN_VALUES) if rnd.random() < 0.6 else maker.junk()
        body = json.dumps(params).encode()
    elif kind < 9:
        body = json.dumps(maker.junk()).encode()
    else:
        body = rnd.randbytes(rnd.randrange(64))
    return action, body


def probe_after_admin_change(world) -> None:
    """One MTurk request after the admin interface changed something: it still gets a
    documented answer (faults may be on now, so ServiceFault and throttling count)."""
    faults = world.sim.faults
    if faults.drop_rate or (faults.sleep and 0.01 < faults.latency):
        return  # drops need a real socket; a real sleep would stall the suite
    body = b"{}"
    headers = signed_headers(world.key, "sandbox", body, PREFIX + "GetAccountBalance")
    status, response_headers, payload = answer(world, "/sandbox", body, headers)
    if status != 200:
        error = error_of(status, response_headers, payload, faults_on=True)
        event("probe after an admin change: " + error["__type"])


@example(("clock", b'{"advance": 1e300}'))
@example(("faults", b'{"throttle_rps": "x"}'))
@example(("faults", b'{"latency": NaN}'))
@example(("clock", b'{"advance": 10, "set": "not a date"}'))
@example(("request-qualification", b'{"qualification_type_id": "x", "count": 1e400}'))
@example(("workers-submit", b'{"hit_id": "nope", "account_id": "123456789012"}'))
@example(("requester-key", b'{"user_name": "new-user", "policy": "NoSuchPolicy"}'))
@example(("faults", b'{"seed": []}'))
@example(("requester-key", b'{"user_name": 1e+20}'))  # a number is not a user name
@example(("faults", b'{"service_fault_rate": 1}'))  # every probe faults: ServiceFault's shape
@example(("state", b"[" * 100_000))
@given(admin_requests())
def test_admin_interface_answers_junk_with_a_json_error(world, request):
    action, body = request
    note(repr(request))
    before, iam_before = world.before(), world.iam_state()
    status, headers, payload = answer(world, "/_admin/" + action, body, {})
    assert headers["Content-Type"] == "application/json"
    answer_ = json.loads(payload)
    event(str(status))
    if status == 200:
        if world.after() != before:
            try:
                probe_after_admin_change(world)
            finally:  # a failing probe must not leave its change to the next example
                world.undo_console_actions(before)
        return
    assert status in (400, 404), status
    assert isinstance(answer_, dict) and isinstance(answer_["error"], str), answer_
    for word in PYTHON_ERRORS:
        assert word not in answer_["error"], answer_
    assert world.after() == before, (action, body, answer_)
    assert world.iam_state() == iam_before, (action, body, answer_)



def test_a_third_requester_key_is_refused_before_anything_changes(world):
    # Found by the long profile: the policy was attached, then IAM's two-key limit refused
    # the key, so a refused request had changed the user.
    body = json.dumps({"user_name": "two-keys", "policy": None}).encode()
    for _ in range(2):
        assert answer(world, "/_admin/requester-key", body, {})[0] == 200
    iam_before = world.iam_state()
    status, _, payload = answer(world, "/_admin/requester-key",
                                json.dumps({"user_name": "two-keys"}).encode(), {})
    assert status == 400 and "already has two access keys" in json.loads(payload)["error"]
    assert world.iam_state() == iam_before


# --- the worker site ------------------------------------------------------------------------

SITE_ROUTES = [("GET", "preview"), ("POST", "accept"), ("GET", "task"), ("GET", "frame"),
               ("POST", "externalSubmit"), ("POST", "return"), ("GET", "done")] * 4 + [
               ("GET", ""), ("POST", "nope"), ("PUT", "accept"), ("POST", "externalsubmit")]
SITE_FIELDS = ["hitId", "assignmentId", "workerId", "turkSubmitTo", "mood", "comment"]
SITE_STATUSES = {200, 303, 400, 403, 404, 409, 410, 413}


@st.composite
def worker_site_requests(draw):
    """A browser, or anything else, on the worker site: any page, method, fields, ids."""
    ids = IDS["HITId"] + IDS["AssignmentId"] + ["ASSIGNMENT_ID_NOT_AVAILABLE", "X" * 30]
    value = st.one_of(st.sampled_from(ids), st.sampled_from(ids), texts)
    fields = st.lists(st.tuples(st.sampled_from(SITE_FIELDS), value), max_size=4)
    method, page = draw(st.sampled_from(SITE_ROUTES))
    query, form = draw(fields), draw(fields)
    if draw(st.integers(0, 9)) < 7:  # mostly the field the page needs, with one of the ids
        main = "hitId" if page in ("preview", "accept", "frame") else "assignmentId"
        (query if method == "GET" else form).insert(0, (main, draw(st.sampled_from(ids))))
    return {
        "host": draw(st.sampled_from(["workersandbox.mturk.com"] * 3 + ["www.mturk.com"])),
        "page": page, "method": method, "query": query, "form": form,
        "type": draw(st.sampled_from(["application/x-www-form-urlencoded", "text/plain", ""])),
        "length": draw(st.sampled_from(CONTENT_LENGTHS)),
    }


# Its inputs are few (seven pages, a few fields, the world's ids): 2,000 examples try each
# page with each kind of id many times, in a fifth of the profile's time.
@settings(max_examples=2_000)
@example({"host": "workersandbox.mturk.com", "page": "externalSubmit", "method": "POST",
          "query": [], "form": [("assignmentId", "ASSIGNMENT_ID_NOT_AVAILABLE")],
          "type": "application/x-www-form-urlencoded", "length": "99999999"})
@given(worker_site_requests())
def test_worker_site_answers_anything_with_a_page_in_words(world, request):
    """Any page, any fields: a page (or a relative 303) with a documented status, never a
    traceback; a refused request changes nothing."""
    from urllib.parse import urlencode

    note(repr(request))
    before = world.before()
    body = urlencode(request["form"]).encode("utf-8", "surrogatepass")
    headers = {"Content-Type": request["type"]} if request["type"] else {}
    environ = environ_for(f"/{request['host']}/mturk/{request['page']}", body, headers,
                          method=request["method"], content_length=request["length"])
    environ["QUERY_STRING"] = urlencode(request["query"], encoding="utf-8", errors="surrogatepass")
    status, headers, payload = call(world.app, environ)
    event(str(status))
    assert status in SITE_STATUSES, status
    if status == 303:
        assert not headers["Location"].startswith(("/", "http")), headers["Location"]
        world.reset()  # an accept, a submit or a return: back to the seeded world
        return
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    for word in PYTHON_ERRORS:
        assert word.encode() not in payload, word
    if status != 200 or request["page"] != "frame":
        assert world.after() == before, request
