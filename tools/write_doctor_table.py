"""Write the doctor's failure table into docs/doctor.md from mturklink_helpers/failures.py.

    .venv/bin/python tools/write_doctor_table.py

tests/test_doctor_failures.py fails while the table in the docs differs from the code's.
"""

from pathlib import Path

from mturklink_helpers.failures import markdown_table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "doctor.md"
BEGIN, END = "<!-- failures table: begin -->\n", "\n<!-- failures table: end -->"


def main() -> None:
    text = DOCS.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN)
    _old, tail = rest.split(END)
    DOCS.write_text(head + BEGIN + markdown_table() + END + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
