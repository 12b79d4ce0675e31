"""mturklink: link AWS, MTurk, the Requester Sandbox, an IAM key and CloudResearch.

Importing the package stays light: boto3, moto, pandas and ipywidgets are imported
only by the functions that need them (see benchmarks/bench_import.py).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mturklink")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
