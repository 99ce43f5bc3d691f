"""The local web UI and JSON API over the same store: `belowthefold serve`.

Nothing in the package imports this; it sits on top, like the CLI.
"""

from __future__ import annotations

from belowthefold.web.app import WebOptions, create_app

__all__ = ["WebOptions", "create_app"]
