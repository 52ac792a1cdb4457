"""
A tiny in-memory network for the DNS tests: per-host reactor views over one
L{task.Clock} with UDP and TCP delivered through C{callLater(0, ...)}.

Why here and not L{harness.net.simulated}: the DNS part must be testable on
its own (the simulated network is another part), and C{MemoryReactorClock}
neither listens on UDP nor delivers anything (TWISTED-NOTES.md).  This fake
does just enough for the stock C{client.Resolver} and our L{DnsServer} to
talk: addresses are honoured, there is no latency, loss or ICMP.
"""

from __future__ import annotations

import itertools
from typing import Any

from twisted.internet import defer, error
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.python.failure import Failure

Addr = tuple[str, int]


class FakeNet:
    """The shared clock and the listening ports of every host."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.udp: dict[Addr, _UDPPort] = {}
        self.tcp: dict[Addr, _TCPPort] = {}
        self.datagrams: list[tuple[Addr, Addr, bytes]] = []
        self.connections = 0
        self._ports = itertools.count(20000)

    def host(self, address: str) -> FakeHost:
        return FakeHost(self, address)

    def next_port(self) -> int:
        return next(self._ports)

    def run(self, d: defer.Deferred[Any] | None = None, limit: float = 1000.0) -> None:
        """Jump from timer to timer until C{d} has a result (or nothing is left)."""
        end = self.clock.seconds() + limit
        done: list[bool] = []
        if d is not None:
            # Not d.called: a Deferred waiting on an inner one is "called" already.
            def _mark(result: Any) -> Any:
                done.append(True)
                return result

            d.addBoth(_mark)
        while True:
            if done:
                return
            calls = self.clock.getDelayedCalls()
            if not calls:
                return
            nxt = min(c.getTime() for c in calls)
            if nxt > end:
                return
            self.clock.advance(max(0.0, nxt - self.clock.seconds()))


class FakeHost:
    """One host's reactor view: IReactorTime, listenUDP, listenTCP, connectTCP."""

    def __init__(self, net: FakeNet, address: str) -> None:
        self.net = net
        self.address = address

    def seconds(self) -> float:
        return self.net.clock.seconds()

    def callLater(self, delay: float, f: Any, *a: Any, **kw: Any) -> Any:
        return self.net.clock.callLater(delay, f, *a, **kw)

    def getDelayedCalls(self) -> Any:
        return self.net.clock.getDelayedCalls()

    def listenUDP(
        self, port: int, protocol: Any, interface: str = "", maxPacketSize: int = 8192
    ) -> _UDPPort:
        addr = (interface or self.address, port or self.net.next_port())
        if addr in self.net.udp:
            raise error.CannotListenError(addr[0], addr[1], OSError("in use"))
        p = _UDPPort(self.net, addr, protocol)
        self.net.udp[addr] = p
        protocol.makeConnection(p)
        return p

    def listenTCP(
        self, port: int, factory: Any, backlog: int = 50, interface: str = ""
    ) -> _TCPPort:
        addr = (interface or self.address, port or self.net.next_port())
        if addr in self.net.tcp:
            raise error.CannotListenError(addr[0], addr[1], OSError("in use"))
        p = _TCPPort(self.net, addr, factory)
        self.net.tcp[addr] = p
        factory.doStart()
        return p

    def connectTCP(
        self, host: str, port: int, factory: Any, timeout: float = 30, bindAddress: Any = None
    ) -> _Connector:
        connector = _Connector(self, (host, port), factory)
        factory.doStart()
        factory.startedConnecting(connector)
        self.net.clock.callLater(0, connector.complete)
        return connector


class _UDPPort:
    def __init__(self, net: FakeNet, addr: Addr, protocol: Any) -> None:
        self.net = net
        self.addr = addr
        self.protocol = protocol

    def write(self, data: bytes, addr: Addr) -> None:
        dst = (str(addr[0]), int(addr[1]))
        self.net.datagrams.append((self.addr, dst, data))
        self.net.clock.callLater(0, self.net_deliver, data, dst)

    def net_deliver(self, data: bytes, dst: Addr) -> None:
        port = self.net.udp.get(dst)
        if port is not None:
            port.protocol.datagramReceived(data, self.addr)

    def getHost(self) -> IPv4Address:
        return IPv4Address("UDP", *self.addr)

    def stopListening(self) -> defer.Deferred[None]:
        if self.net.udp.get(self.addr) is self:
            del self.net.udp[self.addr]
            self.protocol.doStop()
        return defer.succeed(None)

    loseConnection = stopListening


class _TCPPort:
    def __init__(self, net: FakeNet, addr: Addr, factory: Any) -> None:
        self.net = net
        self.addr = addr
        self.factory = factory

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", *self.addr)

    def stopListening(self) -> defer.Deferred[None]:
        if self.net.tcp.get(self.addr) is self:
            del self.net.tcp[self.addr]
            self.factory.doStop()
        return defer.succeed(None)


class _Stream:
    """One end of an in-memory TCP connection."""

    def __init__(self, net: FakeNet, local: Addr, remote: Addr) -> None:
        self.net = net
        self.local = local
        self.remote = remote
        self.protocol: Any = None
        self.peer: _Stream | None = None
        self.closed = False
        self.on_lost: Any = None

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.net.clock.callLater(0, self._deliver, data)

    def writeSequence(self, seq: Any) -> None:
        self.write(b"".join(seq))

    def _deliver(self, data: bytes) -> None:
        if self.peer is not None and not self.peer.closed:
            self.peer.protocol.dataReceived(data)

    def loseConnection(self) -> None:
        for end in (self, self.peer):
            if end is not None and not end.closed:
                end.closed = True
                self.net.clock.callLater(0, end._lost)

    abortConnection = loseConnection

    def _lost(self) -> None:
        reason = Failure(error.ConnectionDone())
        self.protocol.connectionLost(reason)
        if self.on_lost is not None:
            self.on_lost(reason)

    def getPeer(self) -> IPv4Address:
        return IPv4Address("TCP", *self.remote)

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", *self.local)

    def setTcpNoDelay(self, enabled: bool) -> None:
        pass


class _Connector:
    def __init__(self, host: FakeHost, dest: Addr, factory: Any) -> None:
        self.host = host
        self.dest = dest
        self.factory = factory

    def complete(self) -> None:
        net = self.host.net
        listener = net.tcp.get(self.dest)
        if listener is None:
            self.factory.clientConnectionFailed(self, Failure(error.ConnectionRefusedError()))
            return
        net.connections += 1
        local = (self.host.address, net.next_port())
        client_end = _Stream(net, local, self.dest)
        server_end = _Stream(net, self.dest, local)
        client_end.peer, server_end.peer = server_end, client_end
        server_proto = listener.factory.buildProtocol(IPv4Address("TCP", *local))
        client_proto = self.factory.buildProtocol(IPv4Address("TCP", *self.dest))
        server_end.protocol, client_end.protocol = server_proto, client_proto
        client_end.on_lost = lambda reason: self.factory.clientConnectionLost(self, reason)
        server_proto.makeConnection(server_end)
        client_proto.makeConnection(client_end)

    def getDestination(self) -> IPv4Address:
        return IPv4Address("TCP", *self.dest)

    def stopConnecting(self) -> None:
        pass

    def disconnect(self) -> None:
        pass
