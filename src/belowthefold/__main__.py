"""`python -m belowthefold` runs the CLI."""

from belowthefold.cli import main

raise SystemExit(main())
