"""The package stays light to import, and its version is known."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["boto3", "botocore", "moto", "pandas", "ipywidgets"]


def test_import_pulls_in_nothing_heavy():
    code = (
        "import sys, mturklink_helpers, mturklink_helpers.credentials, mturklink_helpers.endpoints;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_is_the_installed_one():
    from importlib.metadata import version

    import mturklink_helpers

    assert mturklink_helpers.__version__ == version("mturklink")
