"""The kit's forms, one per step, on a shared base (:mod:`.base`). No AWS logic lives here."""

from __future__ import annotations

from .base import Form
from .console import ConsoleChecklist
from .doctor_panel import DoctorPanel
from .keys import CreateIamUserForm, LoadCredentialsForm
from .mode import ModeChooser
from .overview import Overview, ProgressLine, accounts_map
from .problems import DemoProblems
from .room import RoomReports
from .rotation import RevokeKeyForm, RotateKeyForm
from .test_hit import TestHitForm
from .turkprime import TurkPrimeHandoff

__all__ = [
    "ConsoleChecklist", "CreateIamUserForm", "DemoProblems", "DoctorPanel", "Form", "LoadCredentialsForm",
    "ModeChooser", "Overview", "ProgressLine", "RevokeKeyForm", "RoomReports", "RotateKeyForm", "TestHitForm",
    "TurkPrimeHandoff",
    "accounts_map",
]
