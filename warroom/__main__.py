"""`python -m warroom` runs the CLI."""

from warroom.app.launch import main

raise SystemExit(main())
