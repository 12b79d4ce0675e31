"""The worker site's HTML: its pages, their style (the kit's colours and ✓/ℹ/✗ status lines),
and the two small scripts that carry a HIT's answers out of its sandboxed frame.

Everything a requester wrote (title, description, answers) is escaped; the HIT's own HTML is
served only into the sandboxed frame (``frame``), never into these pages.
"""

from __future__ import annotations

import datetime as dt
import html
import json

STATUS = {  # as the kit's forms show them (widgets/base.py)
    "ok": ("✓", "Done", "#1a7f37"),
    "error": ("✗", "Problem", "#b42318"),
    "info": ("ℹ", "Note", "#175cd3"),
}

_CSS = """
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 1rem;
         line-height: 1.5; color: #1a1a1a; background: #f6f7f9; margin: 0; }
  header { background: #232f3e; color: #fff; padding: 0.6rem 1.5rem; }
  header b { font-weight: 600; }
  header { display: flex; flex-wrap: wrap; gap: 0 0.5rem; }
  header .where { color: #d5dbe1; } header .who { margin-left: auto; }
  main { max-width: 60rem; margin: 1rem auto 2rem; padding: 0 1.5rem; }
  h1 { font-size: 1.4rem; margin: 0.5rem 0 0.25rem; }
  .card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem 1.25rem;
          margin: 0 0 1rem; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.5rem 0; }
  dl.facts dt { color: #555; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
  .status { font-weight: 600; margin: 0.75rem 0; }
  .actions { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin: 0.75rem 0; }
  .actions form { margin: 0; }
  button { font: inherit; padding: 0.45rem 1.25rem; border-radius: 4px; border: 1px solid #1a5fb4;
           background: #1a5fb4; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #1a5fb4; }
  button:disabled { background: #8a9bb0; border-color: #8a9bb0; cursor: not-allowed; }
  :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
  iframe { display: block; box-sizing: border-box; width: 100%; height: 480px; border: 1px solid #d0d7de;
           border-radius: 6px; background: #fff; }
  table { border-collapse: collapse; margin: 0.5rem 0; }
  th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.75rem; text-align: left; vertical-align: top; }
  th { background: #f0f2f5; font-weight: 600; }
  td { white-space: pre-wrap; overflow-wrap: anywhere; }
  code { font-size: 0.95em; overflow-wrap: anywhere; }
  .hint { color: #444; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{title} · demo worker site</title>
<style>{css}</style>
</head>
<body>
<header><b>Demo worker site</b> <span class="where">for {host}</span>
<span class="who">Worker ID: <b>{worker}</b></span></header>
<main>
{body}
</main>
{script}
</body>
</html>
"""


def page(title: str, body: str, *, host: str, worker: str, script: str = "") -> str:
    return _PAGE.format(title=html.escape(title), css=_CSS, host=html.escape(host),
                        worker=html.escape(worker), body=body, script=script)


def when(moment: dt.datetime, now: dt.datetime, word: str = "in") -> str:
    """A time to come as a worker reads it: "in 10 minutes (by 14:39)" (``word`` "in" or
    "within"), the clock time in the reader's own time zone (TIME_SCRIPT; UTC until then)."""
    minutes = max(0, round((moment - now).total_seconds() / 60))
    if minutes < 120:
        left = f"{minutes} minute{'' if minutes == 1 else 's'}"
    elif minutes < 48 * 60:
        left = f"{round(minutes / 60)} hours"
    else:
        left = f"{round(minutes / 1440)} days"
    return f"{word} {left} (by {at(moment)})"


def at(moment: dt.datetime) -> str:
    """A clock time, shown in the reader's own time zone by TIME_SCRIPT."""
    utc = moment.astimezone(dt.UTC)
    return (f'<time datetime="{utc:%Y-%m-%dT%H:%M:%SZ}">{utc:%H:%M} UTC</time>')


class Markup(str):
    """Text that is HTML already (made here, from nothing a requester wrote)."""


def status(kind: str, text: str, ident: str = "") -> str:
    mark, word, colour = STATUS[kind]
    ident = f' id="{ident}"' if ident else ""
    shown = text if isinstance(text, Markup) else html.escape(text)
    return (f'<div class="status" role="status" style="color:{colour}">{mark} {word}: '
            f'<span{ident}>{shown}</span></div>')


def facts(rows: list[tuple[str, str]]) -> str:
    """A list of label → value; a value of :class:`Markup` is HTML already (a time)."""
    items = "".join(f"<dt>{html.escape(k)}</dt>"
                    f"<dd>{v if isinstance(v, Markup) else html.escape(v)}</dd>"
                    for k, v in rows)
    return f'<dl class="facts">{items}</dl>'


def button_form(action: str, label: str, fields: dict[str, str], *, secondary: bool = False,
                disabled: bool = False, tip: str = "") -> str:
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    css = ' class="secondary"' if secondary else ""
    off = " disabled" if disabled else ""
    title = f' title="{html.escape(tip)}"' if tip else ""
    return (f'<form method="post" action="{html.escape(action)}">{hidden}'
            f'<button type="submit"{css}{off}{title}>{html.escape(label)}</button></form>')


def answers_table(answers: dict[str, str]) -> str:
    if not answers:
        return "<p>(no answer fields)</p>"
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v) or '<i>(empty)</i>'}</td></tr>"
                   for k, v in answers.items())
    return f"<table><tr><th>field</th><th>your answer</th></tr>{rows}</table>"


def frame(src: str, params: dict[str, str], *, height: int, submit_urls: list[str]) -> str:
    """The HIT's frame; its address gets ``turkSubmitTo`` in the browser (the site's own
    address as the browser reaches it, directly or through Jupyter's proxy)."""
    data = html.escape(json.dumps({"src": src, "params": params, "height": height,
                                   "submitUrls": submit_urls}))
    fixed = f' style="height:{height}px"' if height else ""
    return (f'<iframe id="hit-frame" title="The HIT, as a worker sees it" '
            f'sandbox="allow-scripts allow-forms" data-hit="{data}"{fixed}></iframe>'
            '<noscript><p>This page needs JavaScript, as MTurk does.</p></noscript>')


# Every page's: its times (<time datetime>, UTC) in the reader's own time zone.
TIME_SCRIPT = """<script nonce="NONCE">
document.querySelectorAll("time[datetime]").forEach(function (t) {
  var d = new Date(t.getAttribute("datetime"));
  if (!isNaN(d)) t.textContent = d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
});
</script>"""

# The page's own script: points the frame at the HIT (with turkSubmitTo), sizes it, and
# sends what its form submits to externalSubmit. The frame is sandboxed without
# allow-same-origin, so its form's own POST would come from an opaque origin: the Jupyter
# proxy (a hub, Binder) would not see the learner's login on it and refuse it. The frame
# posts its fields here instead (FRAME_SCRIPT), and this page, of the site's own origin,
# submits them to the address the form named, if that is MTurk's externalSubmit.
PAGE_SCRIPT = """<script nonce="NONCE">
(function () {
  "use strict";
  var frame = document.getElementById("hit-frame");
  if (!frame) return;
  var hit = JSON.parse(frame.dataset.hit);
  var submitTo = new URL("..", location.href).href.replace(/\\/$/, "");
  var query = new URLSearchParams(hit.params);
  query.set("turkSubmitTo", submitTo);
  frame.src = hit.src + (hit.src.indexOf("?") < 0 ? "?" : "&") + query.toString();
  var own = new URL("externalSubmit", location.href).href;
  var allowed = hit.submitUrls.concat([own]);
  var box = document.getElementById("relay");
  function say(kind, text) {
    var marks = {ok: ["\\u2713", "Done", "#1a7f37"], error: ["\\u2717", "Problem", "#b42318"],
                 info: ["\\u2139", "Note", "#175cd3"], busy: ["\\u2026", "Working", "#555555"]};
    var m = marks[kind];
    box.style.color = m[2];
    box.textContent = m[0] + " " + m[1] + ": " + text;
  }
  function bare(url) {
    try { var u = new URL(url, location.href); } catch (e) { return ""; }
    return (u.origin + u.pathname).replace(/\\/+$/, "").toLowerCase();
  }
  function relay(action, fields) {
    var target = bare(action);
    if (!allowed.some(function (u) { return bare(u) === target; })) {
      say("error", "this HIT's form sends its answers to " + action + ", not to MTurk: " +
          "on MTurk too, they would not reach the requester.");
      return;
    }
    say("busy", "sending your answer to MTurk (your demo world).");
    var body = new URLSearchParams();
    (fields || []).forEach(function (f) { body.append(String(f[0]), String(f[1])); });
    fetch("externalSubmit", {method: "POST", body: body, credentials: "same-origin"})
      .then(function (answer) {
        return answer.text().then(function (text) {
          if (answer.ok) { location.assign(answer.url); return; }
          var found = new DOMParser().parseFromString(text, "text/html").getElementById("problem");
          say("error", found ? found.textContent : "your demo world answered " + answer.status + ".");
        });
      }, function () {
        say("error", "your demo world did not answer: run a cell of notebook 06 (it starts " +
            "the world again), then submit again.");
      });
  }
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || !event.data) return;
    if (event.data.kind === "mturklink-height" && !hit.height) {
      frame.style.height = Math.min(Math.max(Number(event.data.height) || 0, 150), 6000) + 16 + "px";
    } else if (event.data.kind === "mturklink-submit") {
      relay(String(event.data.action || ""), event.data.fields);
    }
  });
})();
</script>"""

# Put first into the HIT's own HTML: its form's submission (a Submit button, requestSubmit or
# form.submit(), after the HIT's own submit handlers) goes to the page as a message, and so
# does the height of the HIT (MTurk sizes a frame of FrameHeight 0 to its page).
FRAME_SCRIPT = """<script>/* demo worker site: see mturklink_helpers/simulator/worker_pages.py */
(function () {
  "use strict";
  if (window.parent === window) return;
  function send(form, submitter) {
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (e) { data = new FormData(form); }
    var fields = [];
    data.forEach(function (value, name) {
      fields.push([name, typeof value === "string" ? value : (value && value.name) || ""]);
    });
    var action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    window.parent.postMessage({kind: "mturklink-submit", action: action, fields: fields}, "*");
  }
  window.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    event.preventDefault();
    send(event.target, event.submitter);
  });
  HTMLFormElement.prototype.submit = function () { send(this, null); };
  function height() {
    var box = document.documentElement.getBoundingClientRect();
    window.parent.postMessage({kind: "mturklink-height", height: Math.ceil(box.height)}, "*");
  }
  window.addEventListener("load", height);
  if (window.ResizeObserver) {
    document.addEventListener("DOMContentLoaded", function () {
      new ResizeObserver(height).observe(document.documentElement);
    });
  }
})();
</script>
"""
