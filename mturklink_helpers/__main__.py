"""python -m mturklink_helpers: see cli.py."""

from .cli import main

raise SystemExit(main())
