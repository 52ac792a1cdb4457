"""
The wire network: the same per-host reactor views as L{harness.net.simulated},
over a real reactor and real sockets.

Why a view per address: in wire mode each fake server sits on its own loopback
address (127.0.1.10 primary, 127.0.1.20 secondary, ...), so an external phone,
SIPp, Wireshark and dig see distinct hosts.  A L{WireHost} binds every listen
and connect to its address, so a component written against a host view cannot
accidentally listen on all interfaces or send from the wrong source address.

Only connection facts are recorded (L{ConnEvent}, for TCP and TLS through
this view); there is no packet capture here - use a real capture for that.
Times are wall seconds since the L{WireNetwork} was created.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import (
    IConnector,
    IDelayedCall,
    IListeningPort,
    IProtocolFactory,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUDP,
)
from twisted.internet.protocol import AbstractDatagramProtocol, ClientFactory
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure
from zope.interface import implementer

from harness.trace.events import ConnEvent, Trace, Transport

__all__ = ["WireHost", "WireNetwork", "check_local_address"]


def check_local_address(address: str) -> None:
    """
    Raise C{ValueError} naming C{address} unless a UDP socket can be bound
    to it (port 0): the cheapest honest test that it is on this machine.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((address, 0))
    except (OSError, OverflowError, TypeError) as e:
        raise ValueError(f"{address!r} is not an address of this machine: {e}") from None
    finally:
        sock.close()


def _addr(a: object) -> tuple[str, int]:
    if isinstance(a, IPv4Address):
        return (a.host, a.port)
    return ("", 0)


class _RecordingProtocol(ProtocolWrapper):
    """Records connect/accept and close/reset around the wrapped protocol."""

    factory: _RecordingFactory

    _local: tuple[str, int] = ("", 0)
    _remote: tuple[str, int] = ("", 0)

    def connectionMade(self) -> None:
        f = self.factory
        # addresses are read now: after the socket closes getHost() no longer works
        assert self.transport is not None
        self._local = _addr(self.transport.getHost())
        self._remote = _addr(self.transport.getPeer())
        f.network._record(f.kind, f.observer, f.made, self._local, self._remote)
        super().connectionMade()

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        from twisted.internet.error import ConnectionDone

        f = self.factory
        what = "close" if reason.check(ConnectionDone) else "reset"
        detail = "" if what == "close" else reason.getErrorMessage()
        f.network._record(f.kind, f.observer, what, self._local, self._remote, detail)
        super().connectionLost(reason)


class _RecordingFactory(WrappingFactory):
    protocol = _RecordingProtocol

    def __init__(
        self,
        network: WireNetwork,
        observer: str,
        made: str,
        wrapped: IProtocolFactory,
        transport: Transport = "tcp",
    ) -> None:
        super().__init__(wrapped)
        self.kind = transport
        self.network = network
        self.observer = observer
        self.made = made
        self.destination: tuple[str, int] = ("", 0)

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        from twisted.internet.error import ConnectionRefusedError, TimeoutError

        what = (
            "refused"
            if reason.check(ConnectionRefusedError)
            else "timeout"
            if reason.check(TimeoutError)
            else "error"
        )
        self.network._record(
            self.kind,
            self.observer,
            what,
            (self.observer, 0),
            self.destination,
            reason.getErrorMessage(),
        )
        super().clientConnectionFailed(connector, reason)


@implementer(IReactorTime, IReactorUDP, IReactorTCP, IReactorSSL)
class WireHost:
    """A real reactor, bound to one local address."""

    def __init__(self, network: WireNetwork, address: str) -> None:
        self.network = network
        self.reactor: Any = network.reactor
        self.address = address

    def __repr__(self) -> str:
        return f"<WireHost {self.address}>"

    # IReactorTime

    def seconds(self) -> float:
        return float(self.reactor.seconds())

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        return self.reactor.callLater(delay, callable, *args, **kw)

    def getDelayedCalls(self) -> list[IDelayedCall]:
        return list(self.reactor.getDelayedCalls())

    def callWhenRunning(self, callable: Callable[..., Any], *args: object, **kw: object) -> None:
        self.reactor.callWhenRunning(callable, *args, **kw)

    def callFromThread(self, callable: Callable[..., Any], *args: object, **kw: object) -> None:
        self.reactor.callFromThread(callable, *args, **kw)

    # binding

    def _interface(self, interface: str) -> str:
        if interface not in ("", "0.0.0.0", self.address):
            raise ValueError(f"host view {self.address} cannot bind to {interface!r}")
        return self.address

    def _bind(self, bindAddress: tuple[str, int] | None) -> tuple[str, int]:
        if bindAddress is None:
            return (self.address, 0)
        return (self._interface(bindAddress[0]), int(bindAddress[1]))

    # IReactorUDP

    def listenUDP(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
    ) -> IListeningPort:
        return self.reactor.listenUDP(
            port, protocol, interface=self._interface(interface), maxPacketSize=maxPacketSize
        )

    # IReactorTCP

    def listenTCP(
        self, port: int, factory: IProtocolFactory, backlog: int = 50, interface: str = ""
    ) -> IListeningPort:
        wrapped = _RecordingFactory(self.network, self.address, "accept", factory)
        return self.reactor.listenTCP(
            port, wrapped, backlog=backlog, interface=self._interface(interface)
        )

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory[Any],
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        wrapped = _RecordingFactory(self.network, self.address, "connect", factory)
        wrapped.destination = (host, int(port))
        return self.reactor.connectTCP(
            host, port, wrapped, timeout=timeout, bindAddress=self._bind(bindAddress)
        )

    # IReactorSSL

    def listenSSL(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> IListeningPort:
        wrapped = _RecordingFactory(self.network, self.address, "accept", factory, "tls")
        return self.reactor.listenSSL(
            port, wrapped, contextFactory, backlog=backlog, interface=self._interface(interface)
        )

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory[Any],
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        wrapped = _RecordingFactory(self.network, self.address, "connect", factory, "tls")
        wrapped.destination = (host, int(port))
        return self.reactor.connectSSL(
            host,
            port,
            wrapped,
            contextFactory,
            timeout=timeout,
            bindAddress=self._bind(bindAddress),
        )


class WireNetwork:
    """
    Host views over one real reactor.  C{host(address)} raises C{ValueError}
    naming the address if it is not on this machine.
    """

    def __init__(self, reactor: Any, trace: Trace) -> None:
        self.reactor = reactor
        self.trace = trace
        self._start = float(reactor.seconds())
        self._hosts: dict[str, WireHost] = {}

    def host(self, address: str) -> WireHost:
        found = self._hosts.get(address)
        if found is None:
            check_local_address(address)
            found = self._hosts[address] = WireHost(self, address)
        return found

    def seconds(self) -> float:
        """Wall seconds since this network was created (the trace's time base)."""
        return float(self.reactor.seconds()) - self._start

    def _record(
        self,
        transport: Transport,
        observer: str,
        what: str,
        local: tuple[str, int],
        remote: tuple[str, int],
        detail: str = "",
    ) -> None:
        self.trace.record(
            ConnEvent(self.seconds(), observer, what, transport, local, remote, detail)
        )
