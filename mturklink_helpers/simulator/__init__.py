"""An offline MTurk Requester service, built the way moto builds a service.

    from moto import mock_aws
    from mturklink_helpers.simulator import mock_mturk

    with mock_aws(), mock_mturk(seed=0) as sim:
        ...  # any boto3 MTurk client on either real endpoint is answered in-process

Or as a local HTTP server: ``python -m mturklink_helpers.simulator serve --port 5000``.
See docs/simulator.md.
"""

from __future__ import annotations

from .clock import Clock
from .core import MTurkSimulator, mock_mturk
from .faults import Faults
from .models import DEFAULT_ACCOUNT_ID, MTurkBackend

__all__ = ["DEFAULT_ACCOUNT_ID", "Clock", "Faults", "MTurkBackend", "MTurkSimulator", "mock_mturk"]
