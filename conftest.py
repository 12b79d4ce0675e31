"""Settings for every test, the notebooks (nbval) included: demo mode, and the kit's folder
(progress, settings, the demo world) kept out of the tester's home. (The lessons' checks run
in tests/notebooks.)"""

import os
import tempfile

os.environ["MTURKLINK_MODE"] = "demo"
os.environ.setdefault("MTURKLINK_HOME", tempfile.mkdtemp(prefix="mturklink-home-"))


def pytest_sessionfinish(session, exitstatus):
    """The notebooks' kernels (nbval) start a world in that folder: stop it with the tests."""
    from mturklink_helpers import world

    world.stop(os.environ["MTURKLINK_HOME"])
