"""MTurk's worker website for the simulator's own HITs: preview a HIT, accept it, answer it,
submit it, as a worker does on workersandbox.mturk.com. The person at the keyboard is one
worker of the world ("you", :meth:`~.core.MTurkSimulator.learner_id`); what they submit is an
assignment like any other, listed by ListAssignmentsForHIT, reviewed and cleaned up as usual.

Paths name the real site they play, so a HIT's script that looks for "workersandbox" in its
referrer (as MTurk's own examples do) finds it::

    GET  /workersandbox.mturk.com/mturk/preview?hitId=H     the HIT, previewed
    POST /workersandbox.mturk.com/mturk/accept               hitId → a new assignment → task
    GET  /workersandbox.mturk.com/mturk/task?assignmentId=A  the HIT to answer
    GET  /workersandbox.mturk.com/mturk/frame?hitId=H&…      the HTMLQuestion's HTML (sandboxed)
    POST /workersandbox.mturk.com/mturk/externalSubmit       assignmentId + the form's fields
    POST /workersandbox.mturk.com/mturk/return               assignmentId: give it back
    GET  /workersandbox.mturk.com/mturk/done?assignmentId=A  what you submitted, and its status

(``/www.mturk.com/mturk/…`` for production.) As on MTurk, the HIT's frame gets
``assignmentId`` (``ASSIGNMENT_ID_NOT_AVAILABLE`` while previewing), ``hitId``, ``workerId``
and ``turkSubmitTo`` in its address (AWS: "How Mechanical Turk tasks are rendered").

No page needs an AWS key or the world's admin token, and none shows either: a HIT's or an
assignment's id (30 random capitals and digits) is what opens its page, and nothing lists
HITs. Links are relative, so the pages work at the world's own address and behind Jupyter's
proxy (``…/proxy/PORT/…``). The changes (accept, submit, return) go through ``act``: the
world's journal, so they survive a restart.
"""

from __future__ import annotations

import html
import re
import secrets
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode, urlparse

from ..endpoints import Environment
from . import worker_pages as pages
from .exceptions import WorkerRefusal
from .questions import NS_EXTERNAL, NS_HTML

HOSTS = {urlparse(e.worker_site).netloc: e.value for e in Environment}
PREVIEWING = "ASSIGNMENT_ID_NOT_AVAILABLE"  # the assignmentId MTurk gives a preview
_ID = re.compile(r"[A-Z0-9]{30}")  # HIT and assignment ids: 30 capitals and digits
MAX_ANSWER = 128 * 1024  # bytes of one submitted form (MTurk's own limit is not known)
MAX_FIELDS = 500
_DOCTYPE = re.compile(r"^\s*<!DOCTYPE[^>]*>", re.IGNORECASE)


# --- the changes, journaled by the world (also its console actions) ---------------------------


def _environment(params: dict) -> str:
    environment = params.get("environment", "sandbox")
    if environment not in HOSTS.values():
        raise ValueError("environment must be 'sandbox' or 'production'")
    return environment


def _an_id(value, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise WorkerRefusal(f"The address names no {what}: a {what} id is 30 capital letters "
                            "and digits.", 404)
    return value


def _accept(sim, p: dict) -> dict:
    return {"assignment_id": sim.learner_accept(_an_id(p.get("hit_id"), "HIT"),
                                                _environment(p))}


def _submit(sim, p: dict) -> dict:
    fields = p.get("fields")
    if not (isinstance(fields, list) and len(fields) <= MAX_FIELDS
            and all(isinstance(f, list | tuple) and len(f) == 2
                    and all(isinstance(x, str) for x in f) for f in fields)):
        raise ValueError(f"fields must be at most {MAX_FIELDS} [name, value] pairs of text")
    assignment_id = _an_id(p.get("assignment_id"), "assignment")
    return {"hit_id": sim.learner_submit(assignment_id, [tuple(f) for f in fields],
                                         _environment(p))}


def _return(sim, p: dict) -> dict:
    return {"hit_id": sim.learner_return(_an_id(p.get("assignment_id"), "assignment"),
                                         _environment(p))}


ACTIONS = {"worker-accept": _accept, "worker-submit": _submit, "worker-return": _return}
PARAMS = {"worker-accept": ("environment", "hit_id"),
          "worker-submit": ("environment", "assignment_id", "fields"),
          "worker-return": ("environment", "assignment_id")}


# --- the site -------------------------------------------------------------------------------


class WorkerSite:
    """The pages, as a WSGI app. ``act(name, params)`` makes a change (the world journals it;
    alone, the simulator is called directly); ``lock`` is held while a page is made."""

    def __init__(self, simulator, act=None, lock=None):
        self.sim = simulator
        self.act = act or (lambda name, params: ACTIONS[name](simulator, params))
        self._lock = lock

    @property
    def lock(self):
        return self._lock if self._lock is not None else self.sim.world.lock  # reset: a new one

    @staticmethod
    def serves(path: str) -> bool:
        return path.startswith("/") and path[1:].split("/", 1)[0] in HOSTS

    def __call__(self, environ, start_response):
        host, _, rest = environ.get("PATH_INFO", "").lstrip("/").partition("/")
        environment, method = HOSTS[host], environ.get("REQUEST_METHOD", "GET")
        name = rest.removeprefix("mturk/") if rest.startswith("mturk/") else None
        route = ROUTES.get((method, name))
        try:
            fields = _fields(environ)
            if route is None:
                raise WorkerRefusal("There is no such page on the worker site: open the "
                                    "preview link that notebook 06 shows for your HIT.", 404)
            with self.lock:
                answer = route(_Request(self, environment, host, fields))
        except ValueError as error:  # a WorkerRefusal, or a request no page can take
            refusal = error if isinstance(error, WorkerRefusal) else WorkerRefusal(str(error), 400)
            with self.lock:
                answer = _Request(self, environment, host, {}).refused(refusal)
        status, headers, body = answer
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]


class _Request:
    """One page being made: its environment, the learner, the request's fields."""

    def __init__(self, site: WorkerSite, environment: str, host: str, fields: list):
        self.site, self.sim, self.environment, self.host = site, site.sim, environment, host
        self.fields = fields
        self.you = self.sim.learner_id(environment)

    def field(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    def backend_of_hit(self, hit_id: str):
        return self.sim._hit_owner(hit_id, self.environment)

    def backend_of_assignment(self, assignment_id: str):
        return self.sim._assignment_owner(assignment_id, self.environment)

    # --- answers -------------------------------------------------------------------------

    def html(self, title: str, body: str, *, code: str = "200 OK", script: str = "") -> tuple:
        nonce = secrets.token_urlsafe(12)
        text = pages.page(title, body, host=self.host, worker=self.you,
                          script=(pages.TIME_SCRIPT + script).replace("NONCE", nonce))
        policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
                  "frame-src 'self' https:; connect-src 'self'; form-action 'self'; "
                  "base-uri 'none'; frame-ancestors 'none'")
        return code, [*_COMMON, ("Content-Type", "text/html; charset=utf-8"),
                      ("Content-Security-Policy", policy)], text.encode()

    @staticmethod
    def redirect(location: str) -> tuple:
        # Relative, so that it stays under Jupyter's proxy prefix.
        return "303 See Other", [*_COMMON, ("Location", location),
                                 ("Content-Type", "text/plain")], b""

    def refused(self, refusal: WorkerRefusal) -> tuple:
        body = (f"<h1>{html.escape(_HEADINGS.get(refusal.status, 'Not possible'))}</h1>"
                + pages.status("error", str(refusal), "problem")
                + '<p class="hint">The preview link in notebook 06 opens your HIT; its form '
                  "“Show answers” lists what workers submitted.</p>")
        return self.html("Not possible", body, code=_STATUS_LINES[refusal.status])

    # --- the HIT as a worker sees it ------------------------------------------------------------

    def hit_card(self, backend, hit) -> str:
        described = backend.describe_hit(hit)
        minutes = max(1, round(hit.hit_type.assignment_duration / 60))
        requirements = len(hit.hit_type.qualification_requirements)
        rows = [("Requester", "you"),
                ("Reward", f"${described['Reward']}"),
                ("Time allotted", f"{minutes} minute{'s' if minutes != 1 else ''}"),
                ("Available", f"{described['NumberOfAssignmentsAvailable']} of "
                              f"{hit.max_assignments}"),
                ("Expires", pages.Markup(pages.when(hit.expiration, self.sim.clock.now()))),
                ("Qualifications", f"{requirements} required" if requirements else "none")]
        return (f"<h1>{html.escape(hit.hit_type.title)}</h1>"
                f"<p>{html.escape(hit.hit_type.description)}</p>{pages.facts(rows)}")

    def frame(self, hit, params: dict[str, str]) -> str:
        kind = hit.parsed.kind if hit.parsed else "a HIT layout"
        if kind not in ("HTMLQuestion", "ExternalQuestion"):
            return pages.status("info", f"This HIT's question is {kind}, which MTurk draws "
                                        "itself and this demo site does not: in notebook 06, "
                                        "“Demo: workers answer” answers it.")
        src = "frame"
        if kind == "ExternalQuestion":
            src = ET.fromstring(hit.question).findtext(f"{{{NS_EXTERNAL}}}ExternalURL").strip()
        submit_urls = [Environment(self.environment).external_submit_url,
                       Environment(self.environment).external_submit_url.replace(
                           "https://", "http://", 1)]
        return ('<div id="relay" class="status" role="status"></div>'
                + pages.frame(src, params, height=hit.parsed.frame_height or 0,
                              submit_urls=submit_urls))

    def answerable(self, hit) -> bool:
        return bool(hit.parsed) and hit.parsed.kind in ("HTMLQuestion", "ExternalQuestion")


def _preview(r: _Request) -> tuple:
    hit_id = _an_id(r.field("hitId"), "HIT")
    backend = r.backend_of_hit(hit_id)
    hit = backend.worker_hit(hit_id)
    mine = backend.held_by(r.you, hit)
    if mine is not None and mine.status == "Accepted":
        return r.redirect(f"task?{urlencode({'assignmentId': mine.id})}")
    if mine is not None:
        return _done_page(r, backend, mine, "You already submitted this HIT: MTurk takes one "
                                            "answer from each worker.")
    _, available, _ = backend.counts(hit)
    if not available:
        note = pages.status("error", f"This HIT has no assignments left: all "
                                     f"{hit.max_assignments} are taken by workers who accepted "
                                     "or submitted it.", "problem")
    elif r.answerable(hit):
        note = pages.status("info", "You are previewing this HIT: accept it to answer.")
    else:
        note = ""
    accept = pages.button_form("accept", "Accept", {"hitId": hit.id},
                               disabled=not available or not r.answerable(hit))
    body = (f'<div class="card">{r.hit_card(backend, hit)}{note}'
            f'<div class="actions">{accept}</div></div>'
            + r.frame(hit, {"assignmentId": PREVIEWING, "hitId": hit.id}))
    return r.html(hit.hit_type.title, body, script=pages.PAGE_SCRIPT)


def _accept_page(r: _Request) -> tuple:
    hit_id = _an_id(r.field("hitId"), "HIT")
    made = r.site.act("worker-accept", {"environment": r.environment, "hit_id": hit_id})
    return r.redirect(f"task?{urlencode({'assignmentId': made['assignment_id']})}")


def _task(r: _Request) -> tuple:
    assignment_id = _an_id(r.field("assignmentId"), "assignment")
    backend = r.backend_of_assignment(assignment_id)
    mine = backend.held(r.you, assignment_id)
    if mine.status != "Accepted":
        return _done_page(r, backend, mine)
    hit = backend.hits[mine.hit_id]
    due = pages.when(mine.deadline, r.sim.clock.now(), "within")
    note = pages.status("ok", pages.Markup(f"You accepted this HIT. Answer it below and submit "
                                           f"it {due}."))
    give_back = pages.button_form("return", "Return", {"assignmentId": mine.id}, secondary=True,
                                  tip="Give the HIT back, for another worker")
    body = (f'<div class="card">{r.hit_card(backend, hit)}{note}'
            f'<div class="actions">{give_back}</div></div>'
            + r.frame(hit, {"assignmentId": mine.id, "hitId": hit.id, "workerId": r.you}))
    return r.html(hit.hit_type.title, body, script=pages.PAGE_SCRIPT)


def _frame(r: _Request) -> tuple:
    hit_id = _an_id(r.field("hitId"), "HIT")
    hit = r.backend_of_hit(hit_id).hits.get(hit_id)
    if hit is None or hit.disposed or not hit.parsed or hit.parsed.kind != "HTMLQuestion":
        raise WorkerRefusal(f"There is no HTML question of a HIT {hit_id} here.", 404)
    content = ET.fromstring(hit.question).findtext(f"{{{NS_HTML}}}HTMLContent") or ""
    doctype = _DOCTYPE.match(content)
    at = doctype.end() if doctype else 0
    page = content[:at] + "\n" + pages.FRAME_SCRIPT + content[at:]
    # Sandboxed by its own answer too: opened by itself it still has no origin of its own.
    return "200 OK", [*_COMMON, ("Content-Type", "text/html; charset=utf-8"),
                      ("Content-Security-Policy",
                       "sandbox allow-scripts allow-forms; frame-ancestors 'self'")], page.encode()


def _external_submit(r: _Request) -> tuple:
    assignment_id = r.field("assignmentId")
    if not assignment_id:
        raise WorkerRefusal("The form sent no assignmentId: a HIT's form must send the "
                            "assignmentId from its address, or MTurk cannot take its answers.",
                            400)
    if assignment_id == PREVIEWING:
        raise WorkerRefusal("You are previewing this HIT: accept it before you submit its "
                            "form.", 400)
    assignment_id = _an_id(assignment_id, "assignment")
    r.site.act("worker-submit", {"environment": r.environment, "assignment_id": assignment_id,
                                 "fields": [list(f) for f in r.fields]})
    return r.redirect(f"done?{urlencode({'assignmentId': assignment_id})}")


def _return_page(r: _Request) -> tuple:
    assignment_id = _an_id(r.field("assignmentId"), "assignment")
    made = r.site.act("worker-return", {"environment": r.environment,
                                        "assignment_id": assignment_id})
    return r.redirect(f"preview?{urlencode({'hitId': made['hit_id']})}")


def _done(r: _Request) -> tuple:
    assignment_id = _an_id(r.field("assignmentId"), "assignment")
    backend = r.backend_of_assignment(assignment_id)
    mine = backend.held(r.you, assignment_id)
    if mine.status == "Accepted":
        return r.redirect(f"task?{urlencode({'assignmentId': mine.id})}")
    return _done_page(r, backend, mine)


def _done_page(r: _Request, backend, mine, note: str = "") -> tuple:
    from ..hits import parse_answers

    hit = backend.hits[mine.hit_id]
    said = {"Submitted": "Your answer was submitted: the requester will approve or reject it.",
            "Approved": "The requester approved your answer: you are paid its reward.",
            "Rejected": f"The requester rejected your answer: “{mine.feedback or ''}”."}
    body = (f'<div class="card"><h1>{html.escape(hit.hit_type.title)}</h1>'
            + (pages.status("info", note) if note else "")
            + pages.status("ok" if mine.status != "Rejected" else "error", said[mine.status])
            + pages.facts([("Assignment", mine.id),
                           ("Submitted", pages.Markup(pages.at(mine.submit_time)))])
            + pages.answers_table(parse_answers(mine.answer)) + "</div>"
            + '<p class="hint">Next, in notebook 06: “Show answers” lists it, marked '
              "<i>(you)</i>.</p>")
    return r.html("Submitted", body)


ROUTES = {("GET", "preview"): _preview, ("POST", "accept"): _accept_page,
          ("GET", "task"): _task, ("GET", "frame"): _frame,
          ("POST", "externalSubmit"): _external_submit, ("POST", "return"): _return_page,
          ("GET", "done"): _done}
_COMMON = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
           ("Referrer-Policy", "same-origin")]
_STATUS_LINES = {400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found",
                 409: "409 Conflict", 410: "410 Gone", 413: "413 Content Too Large"}
_HEADINGS = {404: "Not found", 410: "No longer available", 403: "Not for you",
             409: "Not possible", 400: "The form cannot be taken", 413: "Too large"}


def _fields(environ) -> list[tuple[str, str]]:
    """The query's fields, then a urlencoded form body's, in order (a form may repeat one)."""
    fields = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("REQUEST_METHOD") == "POST":
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_ANSWER:
            raise WorkerRefusal(f"This answer is larger than the demo takes "
                                f"({MAX_ANSWER // 1024} KB).", 413)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        if (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
            fields += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                                max_num_fields=MAX_FIELDS + 10)
    return fields
