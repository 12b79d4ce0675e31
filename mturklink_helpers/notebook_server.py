"""Where the learner's browser reaches a page served on this machine (the demo world's worker
site, on ``127.0.0.1:PORT``).

A browser on the same machine reaches ``127.0.0.1`` itself (``make app``, a laptop). One on
Binder, a JupyterHub or a workshop server does not: there the page is reached through the
notebook server, at ``{base_url}proxy/PORT/…`` (jupyter-server-proxy, one of the kit's
dependencies), behind the learner's own Jupyter login. The kernel finds its notebook server
as jupyter_client started it: ``JPY_PARENT_PID`` names the server, and the server's
``jpserver-PID.json`` in Jupyter's runtime folder says its ``base_url``. On a hub,
``JUPYTERHUB_SERVICE_PREFIX`` says it too. Voilà run on its own (``make app``) is no Jupyter
server and has no proxy: its link stays direct.

Nothing here reads or returns a token: the links have none (the browser's login carries it).
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from urllib.parse import urlparse

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def browser_url(url: str, environ: dict | None = None, runtime_dir: Path | None = None) -> str:
    """``url`` (of a server on this machine) as the learner's browser reaches it: through the
    notebook server's proxy when the kernel runs under one that has it, else as it is."""
    parsed = urlparse(url)
    if parsed.hostname not in LOCAL_HOSTS or not parsed.port:
        return url
    base = jupyter_base_url(environ, runtime_dir)
    if base is None or importlib.util.find_spec("jupyter_server_proxy") is None:
        return url
    rest = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return f"{base.rstrip('/')}/proxy/{parsed.port}{rest}"


def jupyter_base_url(environ: dict | None = None, runtime_dir: Path | None = None) -> str | None:
    """The base URL (``/``, ``/user/NAME/``) of the Jupyter server this kernel runs under, or
    None when it runs under none (a terminal, Voilà on its own)."""
    env = os.environ if environ is None else environ
    info = _server_info(env.get("JPY_PARENT_PID", ""), env, runtime_dir)
    if info is not None:
        return str(info.get("base_url") or "/")
    return env.get("JUPYTERHUB_SERVICE_PREFIX") or None


def _server_info(pid: str, env, runtime_dir: Path | None) -> dict | None:
    if not pid.isdigit():
        return None
    if runtime_dir is None:
        runtime_dir = _runtime_dir(env)
    try:
        info = json.loads((runtime_dir / f"jpserver-{pid}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and str(info.get("pid")) == pid else None


def _runtime_dir(env) -> Path:
    if env.get("JUPYTER_RUNTIME_DIR"):
        return Path(env["JUPYTER_RUNTIME_DIR"])
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())
