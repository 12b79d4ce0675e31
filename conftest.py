"""Settings for every test, the notebooks (nbval) included: demo mode, and the progress
checklist kept out of the tester's home. (The lessons' checks run in tests/notebooks.)"""

import os
import tempfile

os.environ["MTURKLINK_MODE"] = "demo"
os.environ.setdefault("MTURKLINK_HOME", tempfile.mkdtemp(prefix="mturklink-home-"))
