"""deploy/jupyterhub: the one-machine configuration as JupyterHub loads it (no hub started:
tests/hub starts one), and the Kubernetes config.yaml, which is checked only for valid YAML,
key names and the same settings (it is not run here)."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "jupyterhub"
pytest.importorskip("jupyterhub", reason="the hub extra is not installed: pip install -e '.[hub]'")

# Every key config.yaml sets outside the chart's free-form maps (hub.config is JupyterHub's
# own config, templateVars and extraEnv are free-form), as the Zero to JupyterHub chart's
# jupyterhub/values.schema.yaml names them (github.com/jupyterhub/zero-to-jupyterhub-k8s,
# chart appVersion 5.5.0; read for this test, and each value validated against it then).
CHART_KEYS = {
    "cull.enabled", "cull.every", "cull.timeout", "hub.config", "hub.templateVars",
    "singleuser.cpu.guarantee", "singleuser.cpu.limit", "singleuser.defaultUrl",
    "singleuser.extraEnv", "singleuser.image.name", "singleuser.image.tag",
    "singleuser.memory.guarantee", "singleuser.memory.limit", "singleuser.startTimeout",
    "singleuser.storage.capacity", "singleuser.storage.homeMountPath",
}
FREE_FORM = {"hub.config", "hub.templateVars", "singleuser.extraEnv"}


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    """jupyterhub_config.py as `jupyterhub -f` loads it, with its state in tmp_path."""
    from traitlets.config.loader import PyFileConfigLoader

    for name in list(os.environ):
        if name.startswith("MTURKLINK_HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MTURKLINK_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the config puts its folder first
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()
    return config, tmp_path / "state"


def test_learners_get_demo_mode_the_lessons_and_a_token_that_may_reach_the_room(loaded):
    c, _state = loaded
    assert c.Spawner.environment["MTURKLINK_MODE"] == "demo"
    assert c.Spawner.environment["MTURKLINK_ROOM_URL"] == "http://127.0.0.1:8099/services/mturklink-room/"
    assert "access:services!service=mturklink-room" in c.Spawner.server_token_scopes
    assert {"users:activity!user", "access:servers!server"} <= set(c.Spawner.server_token_scopes)
    assert c.Spawner.default_url == "/lab/tree/mturklink/00_start_here.ipynb"
    assert c.JupyterHub.spawner_class == "localprocess"
    user_role = next(r for r in c.JupyterHub.load_roles if r["name"] == "user")
    assert user_role["scopes"] == ["self", "access:services!service=mturklink-room"]
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["mturklink-room"]["command"][-2:] == ["-m", "mturklink_helpers.room_service"]
    assert services["idle-culler"]["command"][-1] == "--timeout=3600"


def test_passwords_not_given_are_made_once_and_kept_private(loaded, tmp_path, monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    c, state = loaded
    auth = c.WorkshopAuthenticator
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for name, password, shortest in (("workshop-password", auth.user_password, 8),
                                     ("admin-password", auth.admin_password, 32)):
        kept = state / name
        assert kept.read_text().strip() == password and len(password) >= shortest
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert not re.search(r"[01oli]", password)  # read off a board without doubt
    again = PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()
    assert again.WorkshopAuthenticator.user_password == auth.user_password
    assert auth.admin_users == {"instructor"}


def test_names_that_are_no_learners_unix_account_are_refused():
    sys.path.insert(0, str(DEPLOY))
    try:
        import workshop
    finally:
        sys.path.remove(str(DEPLOY))
    auth = workshop.WorkshopAuthenticator(user_password="a-workshop-password", allow_all=True)
    assert auth.normalize_username("  Maria Lopez ") == "maria-lopez"
    for bad in ("", "1st", "ana;rm", "a" * 32, "josé"):
        assert not auth.validate_username(bad), bad
    assert auth.check_allowed("root") is False  # an account the workshop did not make
    assert auth.check_allowed("a-name-with-no-account-yet") is True


def test_the_kubernetes_config_is_yaml_with_the_charts_keys_and_the_same_settings():
    config = yaml.safe_load((DEPLOY / "config.yaml").read_text())

    def paths(d, prefix=""):
        for k, v in d.items():
            path = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict) and path not in FREE_FORM:
                yield from paths(v, path)
            else:
                yield path

    assert set(paths(config)) <= CHART_KEYS
    hub = config["hub"]["config"]
    sys.path.insert(0, str(DEPLOY))
    try:
        import workshop
    finally:
        sys.path.remove(str(DEPLOY))
    from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

    assert set(hub["SharedPasswordAuthenticator"]) <= set(
        SharedPasswordAuthenticator.class_trait_names(config=True))
    assert hub["JupyterHub"]["authenticator_class"] == "shared-password"
    assert hub["SharedPasswordAuthenticator"]["admin_users"] == ["instructor"]
    one_machine = (DEPLOY / "jupyterhub_config.py").read_text()
    assert config["singleuser"]["extraEnv"]["MTURKLINK_MODE"] == "demo"
    assert f'"MTURKLINK_HUB_MEM_LIMIT", "{config["singleuser"]["memory"]["limit"]}"' in one_machine
    assert f'"MTURKLINK_HUB_IDLE_TIMEOUT", "{config["cull"]["timeout"]}"' in one_machine
    assert " ".join(config["hub"]["templateVars"]["announcement_login"].split()) == workshop.LOGIN_HINT


def test_instructors_guide_names_every_setting_an_instructor_changes():
    guide = (DEPLOY.parents[1] / "instructors.md").read_text()
    section = guide[guide.index("## Run a workshop on JupyterHub"):guide.index("## The five failures")]
    in_config = set(re.findall(r'"(MTURKLINK_HUB_\w+)"', (DEPLOY / "jupyterhub_config.py").read_text()))
    in_guide = set(re.findall(r"`(MTURKLINK_HUB_\w+)`", section))
    inside_the_machine = {"MTURKLINK_HUB_IP", "MTURKLINK_HUB_HOMES", "MTURKLINK_HUB_GROUP",
                          "MTURKLINK_HUB_NOTEBOOKS", "MTURKLINK_HUB_INTERNAL_PORT",
                          "MTURKLINK_HUB_PROXY_API_PORT", "MTURKLINK_HUB_ROOM_PORT"}
    assert in_guide <= in_config
    assert in_config - inside_the_machine <= in_guide
    assert "deploy/jupyterhub/jupyterhub_config.py" in section and "/services/mturklink-room/" in section
