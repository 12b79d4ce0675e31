"""The instructors' room view: a JupyterHub service at ``/services/mturklink-room/``.

deploy/jupyterhub's config starts it (``python -m mturklink_helpers.room_service``) as a
managed service: the hub gives it its address, prefix and API token in the environment.

* ``GET  {prefix}``            the page (the hub's admins only; anyone else gets a 403 page);
* ``GET  {prefix}api/room``    what the page shows, as JSON (admins only), polled every 5 s;
* ``POST {prefix}api/report``  a learner's kernel reports (room.py): the sender is whoever
  the hub says owns the token, never a name in the report.

What the room knows is kept in ``$MTURKLINK_ROOM_STATE`` (a JSON file, written whole and
atomically after each report), so a restarted service shows the room as it was. It holds
what :func:`mturklink_helpers.room.clean` let through, the time each report arrived, and
nothing else.
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path
from urllib.parse import quote, urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web

from . import room as reports
from .credentials import write_private_file
from .steps import step

PAGE = Path(__file__).with_name("room_page.html")
STATE_ENV = "MTURKLINK_ROOM_STATE"
ADMIN_CACHE = 30.0  # seconds an answer "is NAME an admin?" is trusted
USERS_CACHE = 10.0  # seconds the hub's list of users is trusted
FORMAT = 1


class Room:
    """Each learner's last report, as received (kept in ``path``)."""

    def __init__(self, path: Path):
        self.path = path
        self.learners: dict[str, dict] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT:
                self.learners = {name: entry for name, entry in data["learners"].items()
                                 if isinstance(entry, dict)}
        except (OSError, ValueError, AttributeError, KeyError):
            pass  # no room yet (or a damaged file): start empty

    def receive(self, name: str, report: dict, now: float | None = None) -> dict:
        """Store ``report`` (already cleaned) as ``name``'s latest, with when it came."""
        now = time.time() if now is None else now
        entry = self.learners.setdefault(name, {})
        if report.get("steps_done", entry.get("steps_done")) != entry.get("steps_done"):
            entry["progress_at"] = now  # progress moved: an older failed verdict is history
        entry.update(report)
        entry["received"] = now
        if "verdict" in report:
            entry["verdict_at"] = now
        self.save()
        return entry

    def save(self) -> None:
        write_private_file(self.path, json.dumps({"format": FORMAT, "learners": self.learners},
                                                 indent=1, sort_keys=True), overwrite=True)

    def view(self, hub_users: list[str], now: float | None = None) -> dict:
        """The page's JSON: a row per learner (those who reported, and the hub's other
        users), stuck ones first, and the summary line."""
        now = time.time() if now is None else now
        names = sorted(set(self.learners) | set(hub_users))
        rows = [row(name, self.learners.get(name), now) for name in names]
        rows.sort(key=lambda r: (_ORDER[r["state"]], r["stuck_step"] or r["current_step"] or 7,
                                 r["name"]))
        return {"summary": summary(rows), "learners": rows, "now": now}


_ORDER = {"stuck": 0, "working": 1, "waiting": 2, "finished": 3}


def row(name: str, entry: dict | None, now: float) -> dict:
    """One learner's row: their step, the doctor's last verdict, how long ago, and a state:
    stuck (the doctor's last verdict named a missing step, and no progress since), working,
    finished (every step done), or waiting (no report yet)."""
    if entry is None:
        return {"name": name, "state": "waiting", "current_step": None, "step_label": "",
                "steps_done": [], "verdict": "no report yet", "stuck_step": None,
                "mode": "", "seconds_ago": None}
    current = entry.get("current_step")
    # Stuck: the verdict named a missing step, and the learner has not got past it since
    # (the doctor's own run un-marks the steps it disproves, which is no progress).
    failed = (entry.get("verdict", "").startswith(("step ", "problem"))
              and (entry.get("verdict_at", 0) >= entry.get("progress_at", 0)
                   or entry.get("verdict_step") not in entry.get("steps_done", [])))
    state = ("stuck" if failed else "finished" if current is None and entry.get("steps_done")
             else "working")
    return {
        "name": name, "state": state, "current_step": current,
        "step_label": f"{current}. {step(current).short}" if current else "all steps done",
        "steps_done": entry.get("steps_done", []), "verdict": entry.get("verdict", "—"),
        "stuck_step": entry.get("verdict_step") if state == "stuck" else None,
        "mode": entry.get("mode", ""),
        "seconds_ago": max(0, round(now - entry.get("received", now))),
    }


def summary(rows: list[dict]) -> str:
    """"12 of 30 stuck at step 3 · 10 of 30 finished · 8 working": the room in a line."""
    total = len(rows)
    if not total:
        return "No learners yet: their rows appear when they sign in to the hub."
    stuck: dict = {}
    for r in rows:
        if r["state"] == "stuck":
            stuck[r["stuck_step"]] = stuck.get(r["stuck_step"], 0) + 1
    parts = [f"{n} of {total} stuck at step {s}" if s else f"{n} of {total} stuck"
             for s, n in sorted(stuck.items(), key=lambda kv: (-kv[1], kv[0] or 9))]
    for state, words in (("finished", "finished"), ("working", "working"),
                         ("waiting", "not reporting yet")):
        count = sum(r["state"] == state for r in rows)
        if count:
            parts.append(f"{count} of {total} {words}")
    return " · ".join(parts)


# --- the web service --------------------------------------------------------------------------


class _Handler(HubOAuthenticated, web.RequestHandler):
    @property
    def room(self) -> Room:
        return self.settings["room"]

    async def hub_api(self, path: str):
        """GET the hub's REST API with this service's own token."""
        answer = await httpclient.AsyncHTTPClient().fetch(
            url_path_join(self.hub_auth.api_url, path), request_timeout=10,
            headers={"Authorization": f"token {self.hub_auth.api_token}"})
        return json.loads(answer.body)

    async def is_admin(self, name: str) -> bool:
        cache = self.settings["admins"]
        known = cache.get(name)
        if known is None or time.monotonic() - known[1] > ADMIN_CACHE:
            model = await self.hub_api(f"users/{quote(name)}")
            known = cache[name] = (bool(model.get("admin")), time.monotonic())
        return known[0]

    async def hub_users(self) -> list[str]:
        """The hub's users who are not admins (learners who signed in but never reported)."""
        cache = self.settings["users"]
        if time.monotonic() - cache.get("at", -USERS_CACHE) > USERS_CACHE:
            try:
                models = await self.hub_api("users")
                cache.update(names=[m["name"] for m in models if not m.get("admin")],
                             at=time.monotonic())
            except (httpclient.HTTPError, OSError, ValueError):
                cache.setdefault("names", [])
        return cache["names"]

    async def admin_or_403(self) -> bool:
        user = self.current_user
        if user.get("kind", "user") == "user" and await self.is_admin(user["name"]):
            return True
        self.set_status(403)
        return False


class PageHandler(_Handler):
    @web.authenticated
    async def get(self):
        if not await self.admin_or_403():
            self.finish(FORBIDDEN.format(name=html.escape(self.current_user["name"]),
                                         home=html.escape(self.settings["hub_prefix"])))
            return
        self.set_header("Cache-Control", "no-store")
        # The page's fetches carry the xsrf token: the hub's auth checks it on every request
        # a script makes with the login cookie.
        token = self.xsrf_token.decode() if isinstance(self.xsrf_token, bytes) else self.xsrf_token
        self.finish(PAGE.read_text(encoding="utf-8").replace("{{xsrf}}", html.escape(token)))


class RoomHandler(_Handler):
    @web.authenticated
    async def get(self):
        self.set_header("Cache-Control", "no-store")
        if not await self.admin_or_403():
            self.finish({"error": "the room view is for the hub's admins"})
            return
        self.finish(self.room.view(await self.hub_users()))


class ReportHandler(_Handler):
    @web.authenticated
    def post(self):
        user = self.current_user
        if user.get("kind", "user") != "user":
            raise web.HTTPError(403, "only learners report")
        try:
            report = reports.clean(json.loads(self.request.body or b"null"))
        except ValueError as exc:
            raise web.HTTPError(400, str(exc)) from None
        self.room.receive(user["name"], report)
        self.set_status(204)


FORBIDDEN = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Room view: for instructors only</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:3em auto">
<h1>403: the room view is for the workshop's instructors</h1>
<p>You are signed in as <b>{name}</b>, who is not one of this hub's admins. The room view
shows the instructors every learner's progress; your own is in your notebooks.</p>
<p><a href="{home}home">Back to your hub home page</a></p></body></html>"""


def make_app(room: Room, prefix: str, hub_prefix: str = "/hub/",
             report_handler: type[ReportHandler] = ReportHandler) -> web.Application:
    return web.Application(
        [(prefix, PageHandler), (url_path_join(prefix, "api/room"), RoomHandler),
         (url_path_join(prefix, "api/report"), report_handler),
         (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
         (prefix.rstrip("/"), web.RedirectHandler, {"url": prefix})],
        cookie_secret=os.urandom(32), room=room, admins={}, users={}, hub_prefix=hub_prefix)


def main(report_handler: type[ReportHandler] = ReportHandler) -> None:
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{reports.SERVICE}/")
    where = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8099"))
    room = Room(Path(os.environ.get(STATE_ENV, "mturklink-room.json")))
    hub_prefix = url_path_join(os.environ.get("JUPYTERHUB_BASE_URL", "/"), "hub/")
    make_app(room, prefix, hub_prefix, report_handler).listen(where.port, where.hostname)
    print(f"mturklink-room: {len(room.learners)} learner(s) in {room.path}; serving {prefix}",
          flush=True)
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
