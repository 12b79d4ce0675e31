# JupyterHub for an mturklink workshop on one machine (instructors.md, "Run a workshop on
# JupyterHub"). Start it as root from the kit's folder:
#
#     .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
#
# Each learner signs in with a name of their choice and the workshop password, and gets a
# Unix user of their own (created at first sign-in, home folder mode 0700), a JupyterLab
# running as that user, the lessons copied into ~/mturklink, and their own demo world.
# The instructors (admin users) see the room view at /services/mturklink-room/.
#
# What an instructor changes is just below, read from environment variables (or edit the
# defaults here). Everything after that is wiring.

import os
import sys
from pathlib import Path

# --- settings ---------------------------------------------------------------------------------
# The address learners open: http://THIS-MACHINE:PORT/ (all interfaces unless IP is set).
PORT = int(os.environ.get("MTURKLINK_HUB_PORT", "8000"))
IP = os.environ.get("MTURKLINK_HUB_IP", "")
# HTTPS: a certificate and its key (e.g. from certbot). Without them the hub speaks plain
# HTTP, which is fine on a room's own network and not on the open internet.
SSL_CERT = os.environ.get("MTURKLINK_HUB_SSL_CERT", "")
SSL_KEY = os.environ.get("MTURKLINK_HUB_SSL_KEY", "")
# The workshop password (8 characters or more), said aloud or written on the board. Unset:
# one is made at the first start and kept in STATE/workshop-password.
PASSWORD = os.environ.get("MTURKLINK_HUB_PASSWORD", "")
# The instructors' sign-in names (comma-separated) and their own password (32 characters or
# more). Unset password: one is made and kept in STATE/admin-password.
ADMINS = [n.strip() for n in os.environ.get("MTURKLINK_HUB_ADMINS", "instructor").split(",")
          if n.strip()]
ADMIN_PASSWORD = os.environ.get("MTURKLINK_HUB_ADMIN_PASSWORD", "")
# Memory per learner (JupyterLab, kernels and demo world together; the kit's walk needs
# about 600M). The local spawner shows it to learners but cannot enforce it: see instructors.md.
MEM_LIMIT = os.environ.get("MTURKLINK_HUB_MEM_LIMIT", "1G")
# A learner's server is stopped after this many seconds without activity (files are kept).
IDLE_TIMEOUT = int(os.environ.get("MTURKLINK_HUB_IDLE_TIMEOUT", "3600"))
# demo (no AWS account needed) or live (learners' real accounts: only on a hub you trust).
MODE = os.environ.get("MTURKLINK_HUB_MODE", "demo")
# Where the hub keeps its database, cookie secret, passwords and the room view's state.
STATE = Path(os.environ.get("MTURKLINK_HUB_STATE", "/srv/mturklink-hub"))
# Where learners' home folders are made, and the Unix group that marks a learner's account.
HOMES = Path(os.environ.get("MTURKLINK_HUB_HOMES", "/home"))
GROUP = os.environ.get("MTURKLINK_HUB_GROUP", "mturklink-learners")
# The lessons copied into each new learner's ~/mturklink (default: this kit's notebooks/).
NOTEBOOKS = Path(os.environ.get("MTURKLINK_HUB_NOTEBOOKS",
                                Path(__file__).resolve().parents[2] / "notebooks"))
# Ports on 127.0.0.1 the hub uses inside the machine: change them only if they clash.
HUB_PORT = int(os.environ.get("MTURKLINK_HUB_INTERNAL_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("MTURKLINK_HUB_PROXY_API_PORT", "8001"))
ROOM_PORT = int(os.environ.get("MTURKLINK_HUB_ROOM_PORT", "8099"))

# --- wiring -----------------------------------------------------------------------------------
sys.path.insert(0, str(Path(__file__).resolve().parent))
import workshop  # noqa: E402  (beside this file: accounts, passwords, the lessons)

c = get_config()  # noqa: F821  (JupyterHub's config loader provides it)
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
os.chmod(STATE, 0o700)
ROOM = "mturklink-room"
ROOM_URL = f"http://127.0.0.1:{ROOM_PORT}"
KIT = Path(__file__).resolve().parents[2]  # this kit's folder
BIN = Path(sys.executable).parent  # this environment: the hub's, the learners' and the kit's

c.JupyterHub.bind_url = f"{'https' if SSL_CERT else 'http'}://{IP}:{PORT}/"
if SSL_CERT:
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = SSL_CERT, SSL_KEY
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_PORT}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "cookie_secret")

# Sign-in: any name and the workshop password; admins' names with the admin password.
c.JupyterHub.authenticator_class = workshop.WorkshopAuthenticator
c.WorkshopAuthenticator.user_password = PASSWORD or workshop.kept_password(STATE / "workshop-password")
c.WorkshopAuthenticator.admin_password = ADMIN_PASSWORD or workshop.kept_password(
    STATE / "admin-password", groups=8)
c.WorkshopAuthenticator.admin_users = set(ADMINS)
c.WorkshopAuthenticator.allow_all = True
c.WorkshopAuthenticator.homes = str(HOMES)
c.WorkshopAuthenticator.group = GROUP
c.JupyterHub.template_vars = {"announcement_login": workshop.LOGIN_HINT}

# One Unix user per learner: their server, kernels and demo world run as them.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/mturklink/00_start_here.ipynb"
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.start_timeout = 120  # a busy 2-core machine starting many servers at once
c.Spawner.http_timeout = 90
c.Spawner.pre_spawn_hook = workshop.lessons_copier(NOTEBOOKS, "mturklink")
c.Spawner.environment = {
    "MTURKLINK_MODE": MODE,
    "MTURKLINK_ROOM_URL": f"{ROOM_URL}/services/{ROOM}/",
    "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
    # The kit's JupyterLab settings (jupyter-config/README.md): no Jupyter news question.
    "JUPYTER_CONFIG_PATH": str(KIT / "jupyter-config"),
}
# The learner's server token ($JUPYTERHUB_API_TOKEN in their kernels) may also call the
# room view: that is how their notebooks report progress (and nothing else of theirs).
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server",
                                 f"access:services!service={ROOM}"]

c.JupyterHub.services = [
    {"name": ROOM, "url": ROOM_URL, "display": False, "oauth_no_confirm": True,
     "command": [sys.executable, "-m", "mturklink_helpers.room_service"],
     "environment": {"MTURKLINK_ROOM_STATE": str(STATE / "room.json")}},
    {"name": "idle-culler",
     "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}"]},
]
c.JupyterHub.load_roles = [
    # Every user may reach the room view; the page itself admits admins only.
    {"name": "user", "scopes": ["self", f"access:services!service={ROOM}"]},
    # The room view lists the hub's users and asks who is an admin.
    {"name": ROOM, "services": [ROOM], "scopes": ["list:users", "read:users"]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
