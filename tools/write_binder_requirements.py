"""Write binder/requirements.txt: pyproject's dependencies pinned to binder/constraints.txt.

`make pins` runs this after freezing a fresh install into binder/constraints.txt, so a
workshop's Binder link builds the same environment every time.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (ROOT / "binder" / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    lines = [
        "# Written by `make pins` (tools/write_binder_requirements.py); do not edit by hand.",
        "# The kit's direct dependencies, pinned; everything else is pinned in constraints.txt.",
        "-c constraints.txt",
    ]
    for spec in project["dependencies"]:
        req = Requirement(spec)
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        lines.append(f"{req.name}{extras}=={pins[canonicalize_name(req.name)]}")
    (ROOT / "binder" / "requirements.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
