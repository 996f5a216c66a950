"""`python -m warroom` runs the CLI."""

from warroom.app.cli import main

raise SystemExit(main())
