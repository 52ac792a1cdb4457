"""
The simulated network: one virtual clock, one seeded RNG, many hosts.

Why: a failover scenario is mostly waiting (a 32-second Timer B, a 30-second
retry interval, TTLs); on a virtual clock that jumps from event to event it
costs well under a millisecond, and with one seeded RNG drawing every jitter
and loss decision the same seed gives the same trace byte for byte.  The
components under test (DNS client and server, SIP transports, TLS) are stock
Twisted code: they only see per-host reactor views (L{SimHost}), so the same
objects run unchanged on the real reactor (L{harness.net.wire}).

Link model (per packet, in this order; one-way latency):

 1. C{"down"}: either host is down, the pair is partitioned, or the
    destination host does not exist;
 2. C{"lost"}: the link's loss probability (drawn from the world RNG only
    when loss > 0, so lossless runs do not consume randomness);
 3. C{"toobig"} (UDP only, checked first): larger than C{max_datagram};
 4. C{"closed"} (UDP): nothing listens on the destination port when the
    datagram is sent; C{"blackhole"} (TCP SYN only, see L{SimWorld.blackhole_tcp});
 5. otherwise C{"delivered"} after latency + uniform(0, jitter).

Each datagram and segment is one L{PacketEvent} recorded when it is sent.  A
datagram whose fate changes in flight (the receiver went down, or closed the
port, before it arrived) gets a second event at arrival time with the new fate.

TCP is modelled in L{harness.net._tcp}.  TLS ciphertext is nondeterministic
(OpenSSL draws its own randomness), so by default (C{redact_tls=True}) the
payload of segments of a connection that starts with a TLS handshake record is
recorded as C{b""}; the plaintext is in the SIP layer's L{SipEvent}s.

The one global thing ever patched is C{twisted.names.dns.randomSource}, and
only inside L{SimWorld.deterministic_dns}.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from twisted.internet.error import CannotListenError, ConnectionLost
from twisted.internet.interfaces import (
    IListeningPort,
    IProtocolFactory,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUDP,
)
from twisted.internet.protocol import AbstractDatagramProtocol, ClientFactory
from twisted.names import dns
from twisted.protocols.tls import TLSMemoryBIOFactory
from zope.interface import implementer

from harness.net._clock import VirtualClock, VirtualDelayedCall
from harness.net._tcp import SimConnector, SimTCPPort, SimTCPTransport
from harness.net._udp import SimUDPPort
from harness.trace.events import Address, ConnEvent, PacketEvent, Trace

__all__ = ["LinkParams", "SimHost", "SimWorld", "StopReason"]

#: Linux's default ephemeral port range (net.ipv4.ip_local_port_range).
EPHEMERAL_LOW = 32768
EPHEMERAL_HIGH = 60999

StopReason = Literal["idle", "until", "predicate", "max_steps"]


@dataclass(frozen=True, slots=True)
class LinkParams:
    """One-way latency (s), jitter (s, uniform 0..jitter added) and loss probability."""

    latency: float
    jitter: float
    loss: float


def _check_address(address: str) -> str:
    if address in _VALID_ADDRESSES:  # parsing costs ~20 us; every world asks for the same few
        return address
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise ValueError(f"{address!r} is not an IPv4 address") from None
    if len(_VALID_ADDRESSES) < 100_000:
        _VALID_ADDRESSES.add(address)
    return address


_VALID_ADDRESSES: set[str] = set()


@implementer(IReactorTime, IReactorUDP, IReactorTCP, IReactorSSL)
class SimHost:
    """
    One host's reactor view: every socket it opens is bound to C{address}.
    Time is the world's clock (so C{getDelayedCalls} lists every host's timers).
    """

    def __init__(self, world: SimWorld, address: str) -> None:
        self.world = world
        self.address = address
        self._udp: dict[int, SimUDPPort] = {}
        self._tcp_listeners: dict[int, SimTCPPort] = {}
        self._tcp_used: set[int] = set()
        self._next_port = {"udp": EPHEMERAL_LOW, "tcp": EPHEMERAL_LOW}

    def __repr__(self) -> str:
        return f"<SimHost {self.address}>"

    # IReactorTime

    def seconds(self) -> float:
        return self.world.clock._now

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> VirtualDelayedCall:
        # VirtualClock.callLater written out (every timer of every host comes
        # here: one call and one re-packing of the arguments fewer per timer)
        if delay < 0:
            raise ValueError(f"{delay} is not greater than or equal to 0 seconds")
        clock = self.world.clock
        return clock._schedule(clock._now + delay, callable, args, kw, False)

    def getDelayedCalls(self) -> list[VirtualDelayedCall]:
        return self.world.clock.getDelayedCalls()

    # IReactorCore-lite

    def callWhenRunning(self, callable: Callable[..., Any], *args: object, **kw: object) -> None:
        """The simulated reactor is always running: call on the next step."""
        self.world.clock.callLater(0, callable, *args, **kw)

    def callFromThread(self, callable: Callable[..., Any], *args: object, **kw: object) -> None:
        self.world.clock.callLater(0, callable, *args, **kw)

    # ports

    def _bind_error(self, interface: str, port: int, code: int) -> CannotListenError:
        return CannotListenError(interface, port, OSError(code, os.strerror(code)))

    def _check_interface(self, interface: str, port: int) -> None:
        if interface not in ("", "0.0.0.0", self.address):
            raise self._bind_error(interface, port, errno.EADDRNOTAVAIL)

    def _allocate(
        self, proto: Literal["udp", "tcp"], port: int, used: set[int] | dict[int, Any]
    ) -> int:
        if port:
            if port in used:
                raise self._bind_error(self.address, port, errno.EADDRINUSE)
            return port
        span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1
        candidate = self._next_port[proto]
        for _ in range(span):
            if candidate > EPHEMERAL_HIGH:
                candidate = EPHEMERAL_LOW
            if candidate not in used:
                self._next_port[proto] = candidate + 1
                return candidate
            candidate += 1
        raise self._bind_error(self.address, 0, errno.EADDRINUSE)

    # IReactorUDP

    def listenUDP(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
    ) -> SimUDPPort:
        self._check_interface(interface, port)
        number = self._allocate("udp", port, self._udp)
        udp = SimUDPPort(self, number, protocol, maxPacketSize)
        self._udp[number] = udp
        udp.startListening()
        return udp

    def _udp_closed(self, port: SimUDPPort) -> None:
        if self._udp.get(port.port) is port:
            del self._udp[port.port]

    # IReactorTCP

    def listenTCP(
        self, port: int, factory: IProtocolFactory, backlog: int = 50, interface: str = ""
    ) -> SimTCPPort:
        self._check_interface(interface, port)
        number = self._allocate("tcp", port, self._tcp_listeners.keys() | self._tcp_used)
        listener = SimTCPPort(self, number, factory, backlog)
        self._tcp_listeners[number] = listener
        listener.startListening()
        return listener

    def listen_tcp_lazily(
        self,
        port: int,
        make_factory: Callable[[], IProtocolFactory],
        backlog: int = 50,
        interface: str = "",
    ) -> SimTCPPort:
        """
        C{listenTCP(port, make_factory())}, the factory built only when the
        first connection arrives (L{SimTCPPort.accepting}): the same port,
        number and behaviour, without building a factory no one connects to.
        """
        self._check_interface(interface, port)
        number = self._allocate("tcp", port, self._tcp_listeners.keys() | self._tcp_used)
        listener = SimTCPPort(self, number, None, backlog, make_factory)
        self._tcp_listeners[number] = listener
        listener.startListening()
        return listener

    def _tcp_listener_closed(self, port: SimTCPPort) -> None:
        if self._tcp_listeners.get(port.port) is port:
            del self._tcp_listeners[port.port]

    def _bind_tcp_client(self, bindAddress: tuple[str, int] | None) -> int:
        wanted = 0
        if bindAddress is not None:
            self._check_interface(bindAddress[0], bindAddress[1])
            wanted = int(bindAddress[1])
        number = self._allocate("tcp", wanted, self._tcp_listeners.keys() | self._tcp_used)
        self._tcp_used.add(number)
        return number

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory[Any],
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> SimConnector:
        connector = SimConnector(self, host, port, factory, timeout, bindAddress)
        connector.connect()
        return connector

    # IReactorSSL: TLS in memory on top of simulated TCP

    def listenSSL(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> IListeningPort:
        """
        C{listenTCP} with C{factory} wrapped in C{TLSMemoryBIOFactory(...,
        clock=self)}; C{contextFactory} may be any server connection creator
        (e.g. C{CertificateOptions}).
        """
        wrapped = TLSMemoryBIOFactory(contextFactory, False, factory, clock=self)
        return self.listenTCP(port, wrapped, backlog, interface)

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory[Any],
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> SimConnector:
        """
        C{connectTCP} with C{factory} wrapped in C{TLSMemoryBIOFactory(...,
        clock=self)}; C{contextFactory} is typically C{optionsForClientTLS(...)}.
        """
        wrapped = TLSMemoryBIOFactory(contextFactory, True, factory, clock=self)
        return self.connectTCP(host, port, wrapped, timeout, bindAddress)


class SimWorld:
    """
    A simulated network of L{SimHost}s sharing one L{VirtualClock} and one
    seeded C{random.Random}.  See the module docstring for the link model.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        trace: Trace | None = None,
        latency: float = 0.005,
        jitter: float = 0.0,
        loss: float = 0.0,
        max_datagram: int = 65507,
        icmp: bool = False,
        redact_tls: bool = True,
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.trace = trace if trace is not None else Trace()
        self.clock = VirtualClock()
        self.default_link = LinkParams(latency, jitter, loss)
        self.max_datagram = max_datagram
        #: deliver C{connectionRefused} to connected UDP senders whose datagram hit a closed port
        self.icmp = icmp
        self.redact_tls = redact_tls
        self._hosts: dict[str, SimHost] = {}
        self._links: dict[frozenset[str], dict[str, float]] = {}
        self._link_cache: dict[frozenset[str], LinkParams] = {}
        self._down: set[str] = set()
        self._partitions: set[frozenset[str]] = set()
        self._blackholes: set[Address] = set()
        self._conns: dict[int, SimTCPTransport] = {}

    def __repr__(self) -> str:
        return f"<SimWorld seed={self.seed} t={self.clock._now:.6f} hosts={len(self._hosts)}>"

    # hosts and time

    def host(self, address: str) -> SimHost:
        """The reactor view of C{address} (an IPv4 literal), created on first use."""
        found = self._hosts.get(address)
        if found is None:
            found = self._hosts[_check_address(address)] = SimHost(self, address)
        return found

    @property
    def hosts(self) -> dict[str, SimHost]:
        return dict(self._hosts)

    def seconds(self) -> float:
        return self.clock._now

    def dispose(self) -> None:
        """
        Forget the pending timers, the hosts and their sockets and connections:
        the world is over and nothing may run in it again.

        Why: the hosts point at the world and the world at its hosts, and
        every pending timer holds a callable of some object that reaches a
        host; those cycles kept a finished world (every server, phone and
        message in it) alive until the cyclic garbage collector ran, which
        cost about a tenth of a short scenario.  The trace is kept: it is
        the result.  The hosts are emptied: using one afterwards raises
        C{AttributeError}.
        """
        clock = self.clock
        clock._heap = []
        clock._live = clock._stale = 0
        for host in self._hosts.values():
            # Empty: a timer or transaction left in a cycle of its own (the
            # cyclic GC's to free) then holds an empty host, not the world.
            vars(host).clear()
        self._hosts.clear()
        self._conns.clear()

    def run(
        self,
        until: float | None = None,
        *,
        predicate: Callable[[], bool] | None = None,
        max_steps: int = 10_000_000,
    ) -> StopReason:
        """
        Run timers and deliveries in time order, jumping the clock from one to
        the next, and stop at the first of:

         - C{"predicate"}: C{predicate()} is true (checked before the first step
           and after each);
         - C{"until"}: the next event is later than the absolute virtual time
           C{until}; the clock is then set to exactly C{until};
         - C{"idle"}: nothing is scheduled (the clock moves to C{until} if given);
         - C{"max_steps"}: C{max_steps} events ran (a bound against a world
           that never goes idle, such as a periodic timer with C{until=None}).

        Returns which of these stopped it (the contract says None; the reason
        is extra and may be ignored).
        """
        clock = self.clock
        if predicate is None:
            return clock.run_until(until, max_steps)
        if predicate():
            return "predicate"
        steps = 0
        while steps < max_steps:
            due = clock.next_time()
            if due is None:
                if until is not None:
                    clock.set_time(until)
                return "idle"
            if until is not None and due > until:
                clock.set_time(until)
                return "until"
            clock.run_next()  # the timer next_time just found
            steps += 1
            if predicate is not None and predicate():
                return "predicate"
        return "max_steps"

    def advance(self, seconds: float) -> StopReason:
        """Run everything due up to now + C{seconds}; the clock ends exactly there."""
        return self.run(until=self.clock._now + seconds)

    # link model

    def set_link(
        self,
        a: str,
        b: str,
        *,
        latency: float | None = None,
        jitter: float | None = None,
        loss: float | None = None,
    ) -> None:
        """Override the link between C{a} and C{b} (both directions); None keeps the default."""
        key = frozenset((a, b))
        params = self._links.setdefault(key, {})
        for name, value in (("latency", latency), ("jitter", jitter), ("loss", loss)):
            if value is not None:
                params[name] = value
        self._link_cache.pop(key, None)

    def link(self, a: str, b: str) -> LinkParams:
        """The effective parameters of the link between C{a} and C{b}."""
        if not self._links:  # no override anywhere: skip the per-pair cache (memory, time)
            return self.default_link
        key = frozenset((a, b))
        cached = self._link_cache.get(key)
        if cached is None:
            over = self._links.get(key)
            d = self.default_link
            cached = (
                d
                if not over
                else LinkParams(
                    over.get("latency", d.latency),
                    over.get("jitter", d.jitter),
                    over.get("loss", d.loss),
                )
            )
            self._link_cache[key] = cached
        return cached

    def set_host_down(self, address: str, down: bool) -> None:
        """A down host is unplugged: everything to or from it is silently dropped."""
        if down:
            self._down.add(address)
        else:
            self._down.discard(address)

    def is_down(self, address: str) -> bool:
        return address in self._down

    def partition(self, a: str, b: str) -> None:
        """Drop everything between C{a} and C{b} (both directions) until L{heal}."""
        self._partitions.add(frozenset((a, b)))

    def heal(self, a: str, b: str) -> None:
        self._partitions.discard(frozenset((a, b)))

    def blackhole_tcp(self, address: str, port: int, on: bool) -> None:
        """
        Swallow SYNs to C{address:port} (a firewall dropping them): connects
        time out per the connector's timeout.  Established connections are
        unaffected.
        """
        if on:
            self._blackholes.add((address, port))
        else:
            self._blackholes.discard((address, port))

    def reset_tcp(self, address: str, port: int | None = None) -> int:
        """
        Reset every TCP connection with an end at C{address} (and C{port}, if
        given), as a middlebox sending RST both ways: both protocols see
        C{ConnectionLost} now.  Returns how many connection ends were reset.
        """
        count = 0
        for t in list(self._conns.values()):
            ends = (t.local, t.remote)
            if not any(a == address and (port is None or p == port) for a, p in ends):
                continue
            if t.disconnected or t.protocol is None:
                continue
            t.pipe.kill()
            self._record_tcp(t.remote, t.local, b"", "delivered", "R")
            t._close_local(
                ConnectionLost("Connection reset by peer"), "reset", "reset by the network"
            )
            count += 1
        return count

    def connections(self) -> list[SimTCPTransport]:
        """Open TCP connection ends, oldest first."""
        return [t for t in self._conns.values() if not t.disconnected and t.protocol is not None]

    def _fate(self, src: str, dst: str) -> tuple[str, float]:
        """Decide one packet's fate and, if delivered, its one-way delay."""
        if (
            src in self._down
            or dst in self._down
            or dst not in self._hosts
            or (self._partitions and frozenset((src, dst)) in self._partitions)
        ):
            return "down", 0.0
        params = self.link(src, dst) if self._links else self.default_link  # (link's shortcut)
        if params.loss > 0 and self.rng.random() < params.loss:
            return "lost", 0.0
        delay = params.latency
        if params.jitter > 0:
            delay += self.rng.uniform(0, params.jitter)
        return "delivered", delay

    # recording

    def _record_tcp(
        self, src: Address, dst: Address, payload: bytes, fate: str, flags: str, tls: bool = False
    ) -> None:
        if tls and self.redact_tls:
            payload = b""
        self.trace.record(PacketEvent(self.clock._now, "tcp", src, dst, payload, fate, flags))

    def _record_conn(
        self, observer: str, what: str, local: Address, remote: Address, detail: str = ""
    ) -> None:
        self.trace.record(ConnEvent(self.clock._now, observer, what, "tcp", local, remote, detail))

    def _send_control(
        self, src: Address, dst: Address, flags: str, on_arrival: Callable[[], object]
    ) -> None:
        """A one-shot TCP control segment (an RST from a host with no connection)."""
        fate, delay = self._fate(src[0], dst[0])
        self._record_tcp(src, dst, b"", fate, flags)
        if fate == "delivered":
            self.clock.call_at(self.clock._now + delay, on_arrival)

    # UDP

    def _send_udp(self, port: SimUDPPort, data: bytes, dst: Address) -> None:
        src = port._address  # one shared tuple per port: every PacketEvent holds it
        now = self.clock._now
        if len(data) > self.max_datagram:
            self.trace.record(PacketEvent(now, "udp", src, dst, data, "toobig"))
            return
        fate, delay = self._fate(src[0], dst[0])
        if fate == "delivered":
            target = self._hosts[dst[0]]._udp.get(dst[1])
            if target is None:
                fate = "closed"
        self.trace.record(PacketEvent(now, "udp", src, dst, data, fate))
        if fate == "delivered":
            # clock.call_at written out (once per datagram): the arrival is never before now
            arrival = now + delay
            self.clock._schedule(
                now if arrival < now else arrival,
                self._udp_arrive, (port, src, dst, data, delay), {}, True,
            )
        elif fate == "closed":
            self._icmp(port, delay)

    def _udp_arrive(
        self, sender: SimUDPPort, src: Address, dst: Address, data: bytes, delay: float
    ) -> None:
        host = self._hosts[dst[0]]
        if dst[0] in self._down:
            self.trace.record(PacketEvent(self.clock._now, "udp", src, dst, data, "down"))
            return
        target = host._udp.get(dst[1])
        if target is None or (target.connected_to is not None and target.connected_to != src):
            self.trace.record(PacketEvent(self.clock._now, "udp", src, dst, data, "closed"))
            self._icmp(sender, delay, already_there=True)
            return
        target._deliver(data, src)

    def _icmp(self, sender: SimUDPPort, delay: float, already_there: bool = False) -> None:
        """Port unreachable: only a connected socket hears of it, and only with C{icmp=True}."""
        if not self.icmp or sender.connected_to is None:
            return
        back = delay if already_there else 2 * delay
        self.clock.call_at(self.clock._now + back, sender._refused)

    # the one global patch

    def deterministic_dns(self) -> _DeterministicDns:
        """
        Route C{twisted.names.dns.randomSource} (DNS query IDs, and the
        source ports C{twisted.names.client.Resolver} picks) through this
        world's RNG for the duration, and restore the original after.

        This is the ONE place the simulated network patches anything global;
        use it around a run that uses C{twisted.names} so its trace is
        reproducible.  Not thread-safe, and nested worlds must nest properly.
        """
        return _DeterministicDns(self)


class _DeterministicDns:
    """
    The context manager of L{SimWorld.deterministic_dns}.

    Why a class rather than C{@contextmanager}, and C{twisted.names.dns}
    imported with the module: every scenario run enters one, and the
    generator machinery and the import statements cost ~2.5 of its ~3 us.
    """

    def __init__(self, world: SimWorld) -> None:
        self.world = world
        self._saved: Callable[[], int] = dns.randomSource

    def __enter__(self) -> SimWorld:
        self._saved = dns.randomSource
        rng = self.world.rng
        dns.randomSource = lambda: rng.getrandbits(16)
        return self.world

    def __exit__(self, *exc_info: object) -> None:
        dns.randomSource = self._saved
