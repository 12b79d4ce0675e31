"""Settings for every test, the notebooks (nbval) included: demo mode, the notebooks' own
self-test cells switched on, and the progress checklist kept out of the tester's home."""

import os
import tempfile

os.environ["MTURKLINK_MODE"] = "demo"
os.environ["MTURKLINK_SELFTEST"] = "1"
os.environ.setdefault("MTURKLINK_HOME", tempfile.mkdtemp(prefix="mturklink-home-"))
