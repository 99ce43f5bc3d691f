"""SSRF at fetch time: every connection's resolved address is checked, each redirect hop and
each DNS answer. Real servers on 127.0.0.1 ("public" in these tests) and 127.0.0.2 ("internal")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import FetchOptions
from belowthefold.errors import FetchError
from belowthefold.fetch import Fetcher
from belowthefold.fetch.addresses import address_problem, is_public_address
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import rss, send, serve

OPTS = FetchOptions(per_host_delay_s=0.0, timeout_s=3.0, deadline_s=3.0, retries=0)
SECRET = rss(
    [("INTERNAL SECRET", "http://internal.example/secret", "Tue, 01 Apr 2025 08:00:00 GMT")]
)


def _only_127_0_0_1(address: str) -> bool:
    """Stands in for 'public' here: 127.0.0.1 plays the internet, 127.0.0.2 the internal net."""
    return address == "127.0.0.1"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.100.100.200",
        "::1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",
        "2002:a00:1::1",
        "2002:a9fe:a9fe::",
        "64:ff9b::a00:1",
        "fd00::1",
        "fe80::1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_private_forms_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "2002:808:808::"])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def test_a_redirect_to_an_internal_address_is_refused_at_connect() -> None:
    with serve({"/secret": lambda h: send(h, SECRET)}, host="127.0.0.2") as internal:
        routes = {
            "/feed": lambda h: send(
                h, b"", status=302, headers={"Location": internal.url("/secret")}
            )
        }
        with serve(routes) as public, Fetcher(OPTS, allowed=_only_127_0_0_1) as fetcher:
            with pytest.raises(FetchError) as info:
                fetcher.get(public.url("/feed"))
            assert public.hits("/feed")
        assert info.value.kind == "private_address" and "127.0.0.2" in str(info.value)
        assert internal.requests == []


def test_dns_rebinding_is_caught_at_connect_time() -> None:
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"], ["127.0.0.2"]])

    def rebinding(host: str) -> Sequence[str]:
        assert host == "rebind.example"
        return next(answers)

    with serve({"/secret": lambda h: send(h, SECRET)}, host="127.0.0.2") as internal:
        port = internal.base.rsplit(":", 1)[1]
        url = f"http://rebind.example:{port}/secret"
        # at add time (the web's check) the name is "public" ...
        assert address_problem("rebind.example", rebinding, _only_127_0_0_1)[1] is None
        # ... at fetch time it answers the internal address: the connection is refused
        with (
            Fetcher(OPTS, resolve=rebinding, allowed=_only_127_0_0_1) as fetcher,
            pytest.raises(FetchError) as info,
        ):
            fetcher.get(url)
        assert info.value.kind == "private_address"
        assert internal.requests == []


def test_a_feed_on_loopback_is_refused_unless_the_run_opts_in(tmp_path: Path) -> None:
    with serve({"/feed": lambda h: send(h, SECRET)}) as srv, Store(tmp_path / "s.db") as store:
        source = Source("Loop", "other", (), (srv.url("/feed"),))
        with Fetcher(OPTS) as fetcher:
            report = pipeline.fetch_sources(store, OPTS, [source], fetcher)
        assert srv.requests == [] and store.articles.count() == 0
        assert report.sources[0].failures[0].error_kind == "private_address"
        allowed = replace(OPTS, allow_private_addresses=True)
        with Fetcher(allowed) as fetcher:
            pipeline.fetch_sources(store, allowed, [source], fetcher)
        assert store.articles.count() == 1
