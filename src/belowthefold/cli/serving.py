"""`belowthefold serve`: the web UI and JSON API on 127.0.0.1, read-only unless given a token."""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated, Any

import typer

from belowthefold.cli.app import CommandFailed, app, get
from belowthefold.store.pg import redact

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
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
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
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also log debugging detail.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No request log; warnings and errors only.")
    ] = False,
) -> None:
    """Serve the week, stories, sources, search, briefs and the JSON API in the browser."""
    import uvicorn

    from belowthefold.web import create_app

    c = get(ctx)
    listening = bound_socket(host, port)  # before anything opens: a busy port is all we say
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
        f"serving {redact(str(c.settings.db))} on http://{host}:{port}/ "
        f"({'admin' if admin_token else 'read-only'}); Ctrl-C stops"
    )
    level = "debug" if verbose else "warning" if quiet else "info"
    config = uvicorn.Config(
        web, host=host, port=port, log_config=log_config(level, access=not quiet)
    )
    with listening:
        uvicorn.Server(config).run(sockets=[listening])


def bound_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound here: a port in use is one red line and exit 1 (uvicorn
    logged it and exited 3, the code that means partial success here)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CommandFailed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise CommandFailed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def log_config(level: str, access: bool) -> dict[str, Any]:
    """uvicorn's logging, timestamped, on stderr: the request log is on unless -q (datasette's
    habit), so a served instance shows what it answered without extra flags."""
    stamp = "%Y-%m-%dT%H:%M:%S%z"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(asctime)s %(levelprefix)s %(message)s",
                "datefmt": stamp,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s',
                "datefmt": stamp,
            },
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {
                "handlers": ["access"],
                "level": "INFO" if access else "WARNING",
                "propagate": False,
            },
        },
    }
