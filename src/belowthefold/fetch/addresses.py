"""Which addresses a fetch may connect to: public ones only, checked at every connection.

Checking a feed URL when it is added is not enough: the feed can later redirect to
`http://127.0.0.1/`, or its name can resolve to a public address at the check and to a private
one at the fetch (DNS rebinding). So the network backend resolves each host itself, refuses the
connection when any answer is not public, and connects to the checked address, never to the
name again. Tests that serve on 127.0.0.1 opt in with `allow_private_addresses`.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Callable, Iterable, Sequence

import httpcore

Resolver = Callable[[str], Sequence[str]]
Allowed = Callable[[str], bool]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve_host(host: str) -> list[str]:
    """Every address a host name resolves to (IP literals resolve to themselves)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """True only for globally routable unicast addresses.

    `is_global` is False for loopback, private, link-local, shared (100.64.0.0/10, where cloud
    metadata such as 100.100.100.200 lives), reserved and documentation ranges; IPv6 forms that
    carry an IPv4 address (::ffff:a.b.c.d, 6to4 2002::/16, Teredo, NAT64) are judged by it.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            return is_public_address(str(inner))
    return ip.is_global and not ip.is_multicast


def address_problem(
    host: str, resolve: Resolver = resolve_host, allowed: Allowed = is_public_address
) -> tuple[list[str], str | None]:
    """(addresses, None) when every address of `host` is public, else (addresses, why not).

    Every answer must be public: a name with one private record is refused, since a connection
    could use either.
    """
    try:
        addresses = list(resolve(host))
    except (OSError, UnicodeError) as exc:
        return [], f"cannot resolve {host}: {exc}"
    if not addresses:
        return [], f"cannot resolve {host}"
    bad = [a for a in addresses if not allowed(a)]
    if bad:
        return addresses, f"{host} resolves to a loopback, private or link-local address ({bad[0]})"
    return addresses, None


class PrivateAddressError(httpcore.ConnectError):
    """A connection refused because its address is not public (raised inside the transport)."""


class GuardedBackend(httpcore.NetworkBackend):
    """A network backend that connects only to public addresses, resolved and checked here."""

    def __init__(
        self,
        inner: httpcore.NetworkBackend,
        resolve: Resolver = resolve_host,
        allowed: Allowed = is_public_address,
    ) -> None:
        self._inner = inner
        self._resolve = resolve
        self._allowed = allowed

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses, problem = address_problem(host, self._resolve, self._allowed)
        if problem:
            raise PrivateAddressError(f"refused: {problem}")
        last: Exception | None = None
        for address in addresses:  # the checked address itself: the name is not asked again
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise PrivateAddressError("refused: a unix socket is not a public address")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
