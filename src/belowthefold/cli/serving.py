"""`belowthefold serve`: the web UI and JSON API on 127.0.0.1, read-only unless given a token."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from belowthefold.cli.app import app, get

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    admin_token: Annotated[
        str | None,
        typer.Option(
            "--admin-token",
            envvar="BELOWTHEFOLD_ADMIN_TOKEN",
            help="Allow adding/removing sources from the web with this token (default: read-only).",
        ),
    ] = None,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private", help="Allow feed URLs on loopback/private/link-local addresses."
        ),
    ] = False,
) -> None:
    """Serve the week, stories, sources, search, briefs and the JSON API in the browser."""
    import uvicorn

    from belowthefold.web import create_app

    c = get(ctx)
    # On loopback, only loopback Host headers: a page elsewhere cannot DNS-rebind to the API.
    hosts = LOOPBACK_NAMES if _is_loopback(host) else None
    web = create_app(
        c.settings, admin_token=admin_token, allow_private=allow_private, allowed_hosts=hosts
    )
    if not _is_loopback(host):
        c.err.print(
            f"[yellow]warning:[/yellow] listening on {host}: anyone who can reach it can read the data"
        )
    c.err.print(
        f"serving {c.settings.db} on http://{host}:{port}/ "
        f"({'admin' if admin_token else 'read-only'}); Ctrl-C stops"
    )
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
