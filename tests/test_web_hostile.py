"""Hostile requests get a clear 4xx, never a 500 or a server stuck reading: token before body,
capped bodies, extreme windows, hostile JSON, and the OpenAPI contract the code keeps."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient

from belowthefold.config import Settings
from belowthefold.web import create_app
from belowthefold.web.openapi import schema
from cli_support import run_cli
from web_support import WEEK, build_db, fixed_clock

TOKEN = "s3cret-token-for-tests"
HUGE = 500 * 2**20


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_db(tmp_path_factory.mktemp("webhostile") / "web.db")


@contextmanager
def _served(app: Starlette) -> Iterator[int]:
    """The app on a real uvicorn server on 127.0.0.1 (TestClient reads a body before the app)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(5)


def _post_head(port: int, path: str, headers: str, body_start: bytes = b"x" * 1000) -> bytes:
    """Send a POST announcing a 500 MB body but only its first bytes; the status line back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {HUGE}\r\n{headers}\r\n".encode()
            + body_start
        )
        return conn.recv(200).split(b"\r\n", 1)[0]


def test_a_read_only_server_refuses_a_huge_form_before_reading_it(settings: Settings) -> None:
    with _served(create_app(settings, clock=fixed_clock)) as port:
        ctype = "Content-Type: application/x-www-form-urlencoded\r\n"
        assert b" 403 " in _post_head(port, "/sources/add", ctype)
        assert b" 403 " in _post_head(port, "/sources/remove", ctype)
        assert b" 403 " in _post_head(port, "/api/sources", "Content-Type: application/json\r\n")


def test_an_admin_server_checks_a_header_token_first_and_caps_the_body(
    settings: Settings, tmp_path: Path
) -> None:
    own = build_db(tmp_path / "admin.db")
    with _served(create_app(own, admin_token=TOKEN, clock=fixed_clock)) as port:
        form = "Content-Type: application/x-www-form-urlencoded\r\n"
        assert b" 403 " in _post_head(port, "/sources/add", form + "X-Admin-Token: wrong\r\n")
        assert b" 413 " in _post_head(port, "/sources/add", form)  # token in the body: capped
        json = f"Content-Type: application/json\r\nX-Admin-Token: {TOKEN}\r\n"
        assert b" 413 " in _post_head(port, "/api/sources", json)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=fixed_clock)) as c:
        yield c


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[TestClient]:
    own = build_db(tmp_path / "admin.db")
    app = create_app(own, admin_token=TOKEN, clock=fixed_clock, resolve=lambda h: ["93.184.216.34"])
    with TestClient(app, headers={"X-Admin-Token": TOKEN}) as c:
        yield c


@pytest.mark.parametrize(
    "path",
    [
        "/weeks/0001-W01",
        "/weeks/9999-W52",
        "/weeks/9999-W52/brief",
        "/api/weeks/0001-W01/brief",
        "/api/weeks/9999-W52/brief",
        "/api/pressure?from=9999-12-25",
        "/api/pressure?to=0001-01-01",
    ],
)
def test_extreme_windows_are_a_clear_4xx(client: TestClient, path: str) -> None:
    response = client.get(path)
    # a week in a page URL that cannot exist is 'no such week' (404), as for 2025-W99
    assert response.status_code in (400, 404), (path, response.text[:300])
    assert "outside 1900..2199" in response.text


def test_an_extreme_window_on_the_cli_is_one_line(settings: Settings) -> None:
    result = run_cli("--db", str(settings.db), "articles", "--to", "9999-12-31", timeout=300)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "outside 1900..2199" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "x", "group": "g", "domains": '
        + b"[" * 30_000
        + b"]" * 30_000
        + b"}",  # under the body cap
        b'{"name": "\\ud800", "group": "g"}',
        b'{"name": "x", "group": "g", "feed": null}',
        b'{"name": "x", "group": "g", "domains": 5}',
        b'{"name": "x", "group": "g", "domains": [1, 2]}',
        b'{"name": "", "group": "g"}',
        b"[1]",
        b"9" * 5000,
    ],
)
def test_hostile_admin_json_is_a_400(admin: TestClient, body: bytes) -> None:
    response = admin.post(
        "/api/sources", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text[:300]
    assert response.json()["status"] == 400


@pytest.mark.parametrize("query", ["limit=-1", "limit=0", "limit=201", "offset=-1", "limit=x"])
def test_search_parameters_outside_the_schema_are_a_400(client: TestClient, query: str) -> None:
    assert client.get(f"/api/search?q=dam&{query}").status_code == 400


def test_the_schema_states_the_bounds_and_errors_the_code_enforces() -> None:
    paths = schema()["paths"]
    search = {p["name"]: p["schema"] for p in paths["/api/search"]["get"]["parameters"]}
    assert search["limit"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert search["offset"]["minimum"] == 0
    post = paths["/api/sources"]["post"]
    props = post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert props["name"]["minLength"] == 1 and props["group"]["minLength"] == 1
    assert {"201", "400", "403", "413"} <= set(post["responses"])
    assert {"403", "404"} <= set(paths["/api/sources/{name}"]["delete"]["responses"])


def test_a_valid_admin_json_source_is_still_added(admin: TestClient) -> None:
    body = {
        "name": "Delta",
        "group": "foreign",
        "feed": "https://feeds.example/rss",
        "domains": ["delta.example"],
    }
    response = admin.post("/api/sources", json=body)
    assert response.status_code == 201, response.text
    form = admin.post("/sources/add", data={"name": "Gamma", "group": "foreign", "token": TOKEN})
    assert form.status_code in (200, 303), form.text[:300]


def test_the_first_request_for_a_brief_under_load_gets_a_prompt_answer(settings: Settings) -> None:
    app = create_app(settings, clock=fixed_clock)
    state = app.state.web
    state.options = replace(state.options, first_build_wait_s=0.3)
    answers: list[tuple[int, str | None]] = []

    def ask(c: TestClient) -> None:
        r = c.get(f"/api/weeks/{WEEK}/brief")
        answers.append((r.status_code, r.headers.get("retry-after")))

    with TestClient(app) as c:
        state._build.acquire()  # another brief's long build holds the builder (load)
        try:
            worker = threading.Thread(target=ask, args=(c,))
            started = time.monotonic()
            worker.start()
            worker.join(5)
            waited = time.monotonic() - started
        finally:
            state._build.release()
        worker.join(30)
        assert answers[:1] == [(503, "5")] and waited < 5
        for _ in range(300):  # the background build finishes once the builder is free
            r = c.get(f"/api/weeks/{WEEK}/brief")
            if r.status_code == 200:
                break
            time.sleep(0.1)
        assert r.status_code == 200 and r.json()["week"] == WEEK
