"""Write what the doctor says into the docs, from the doctor itself:

* docs/doctor.md: the failure table, from mturklink_helpers/failures.py;
* instructors.md: each demo problem with the doctor's status line word for word, from a run
  of the doctor on that problem in a fresh demo world.

    .venv/bin/python tools/write_doctor_table.py

tests/test_doctor_failures.py and tests/test_instructors_guide.py fail while the docs differ.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mturklink_helpers.failures import markdown_table

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "doctor.md"
GUIDE = ROOT / "instructors.md"
BEGIN, END = "<!-- failures table: begin -->\n", "\n<!-- failures table: end -->"
QUOTES_BEGIN, QUOTES_END = "<!-- doctor quotes: begin -->\n", "\n<!-- doctor quotes: end -->"


def replace_between(path: Path, begin: str, end: str, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(begin)
    _old, tail = rest.split(end)
    path.write_text(head + begin + body + end + tail, encoding="utf-8")


def doctor_quotes() -> str:
    """One line per demo problem: its name, and the status line notebook 07's doctor shows."""
    from mturklink_helpers import world
    from mturklink_helpers.kit import Kit
    from mturklink_helpers.problems import DEMO_PROBLEMS
    from mturklink_helpers.widgets import DemoProblems, DoctorPanel

    home = Path(tempfile.mkdtemp(prefix="mturklink-docs-"))
    os.chdir(home)
    kit = Kit("demo", home_dir=home)
    lines = []
    try:
        breaker, doctor = DemoProblems(kit=kit), DoctorPanel(kit=kit)
        for problem, label in DEMO_PROBLEMS.items():
            if problem == "none":
                continue
            breaker.problem.value = problem
            breaker.apply_button.click()
            doctor.run_button.click()
            lines.append(f"- **{label}** (`{problem}`): *{doctor.status_text}*")
    finally:
        world.stop(home)
    return "\n".join(lines)


def main() -> None:
    replace_between(DOCS, BEGIN, END, markdown_table())
    replace_between(GUIDE, QUOTES_BEGIN, QUOTES_END, doctor_quotes())


if __name__ == "__main__":
    main()
