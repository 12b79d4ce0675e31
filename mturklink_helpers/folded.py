"""Technical details kept, folded: a learner reads the plain sentence above them, and whoever
helps opens the fold (a traceback, an AWS error code)."""

from __future__ import annotations

LABEL = "Details for whoever helps you"


def for_helpers(inner_html: str, label: str = LABEL) -> str:
    """``inner_html`` (already escaped) inside a closed <details>."""
    return f"<details><summary>{label}</summary>{inner_html}</details>"
