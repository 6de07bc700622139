"""Connections that would starve the hall: a client that sends its request a byte at a time, or one address
holding hundreds of connections open. A thin protocol in front of aiohttp's:

- the first request's headers must arrive within `header_timeout_s` of connecting, or the connection is closed;
- an address may hold at most `per_address` connections at once (this machine itself and the reverse proxies in
  MOTCUA_TRUSTED_PROXIES are exempt: they carry many clients); beyond that a connection is answered 429 and
  closed at once.
Idle keep-alive connections are closed by aiohttp (keepalive_timeout), and a body that arrives too slowly by the
body reader (services.api.body)."""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import Counter
from typing import Any, Callable

log = logging.getLogger("motcua.access")

_TOO_MANY = "Quá nhiều kết nối từ một địa chỉ / too many connections from one address\n".encode()
REFUSED = (b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
           b"Retry-After: 10\r\nContent-Length: " + str(len(_TOO_MANY)).encode() + b"\r\n\r\n" + _TOO_MANY)


class Guard:
    def __init__(self, *, per_address: int = 64, header_timeout_s: float = 10.0,
                 trusted: tuple[str, ...] = (), exempt_loopback: bool = True) -> None:
        self.per_address = per_address
        self.header_timeout_s = header_timeout_s
        self.trusted = [ipaddress.ip_network(n) for n in trusted]
        self.exempt_loopback = exempt_loopback
        self.open: Counter[str] = Counter()
        self.refused = 0

    def exempt(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return (self.exempt_loopback and ip.is_loopback) or any(ip in n for n in self.trusted)

    def wrap(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: GuardedProtocol(factory(), self)


class GuardedProtocol(asyncio.Protocol):
    def __init__(self, inner: asyncio.Protocol, guard: Guard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: Any = None
        self.address = ""
        self.admitted = False
        self.timer: asyncio.TimerHandle | None = None
        self.tail = b""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.address = peer[0] if isinstance(peer, tuple) else ""
        if self.guard.open[self.address] >= self.guard.per_address and not self.guard.exempt(self.address):
            self.guard.refused += 1
            if self.guard.refused % 100 == 1:
                log.warning("refusing connections from %s: %d already open", self.address, self.guard.per_address)
            transport.write(REFUSED)
            transport.close()
            return
        self.admitted = True
        self.guard.open[self.address] += 1
        self.timer = asyncio.get_running_loop().call_later(self.guard.header_timeout_s, self._too_slow)
        self.inner.connection_made(transport)

    def _too_slow(self) -> None:
        log.warning("closing a connection from %s: no complete request headers within %.0f s", self.address,
                    self.guard.header_timeout_s)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if not self.admitted:
            return
        if self.timer is not None:
            seen = self.tail + data
            if b"\r\n\r\n" in seen:
                self.timer.cancel()
                self.timer = None
            self.tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.admitted else None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.admitted:
            return
        if self.timer is not None:
            self.timer.cancel()
        self.guard.open[self.address] -= 1
        if self.guard.open[self.address] <= 0:
            del self.guard.open[self.address]
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()
