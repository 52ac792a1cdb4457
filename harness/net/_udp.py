"""
UDP ports of the simulated network.

A L{SimUDPPort} is what C{SimHost.listenUDP} returns and what the protocol
gets as its C{transport}: it provides L{IListeningPort} and L{IUDPTransport}
like C{twisted.internet.udp.Port}, including connected UDP (C{connect}), whose
peer filter and C{connectionRefused} (when the world has C{icmp=True}) match a
connected socket on Linux.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet import error
from twisted.internet.abstract import isIPAddress
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IListeningPort, IUDPTransport
from twisted.internet.protocol import AbstractDatagramProtocol
from twisted.logger import Logger
from zope.interface import implementer

if TYPE_CHECKING:
    from harness.net.simulated import SimHost

_log = Logger()

#: destinations already found to be IPv4 literals (see L{_is_ip_literal})
_IP_LITERALS: set[str] = set()


def _is_ip_literal(host: str) -> bool:
    """
    Twisted's C{isIPAddress}, remembering the hosts that passed: every
    datagram is written to one of a world's few addresses, and the check
    splits and converts the text each time.
    """
    if host.__class__ is str and host in _IP_LITERALS:
        return True
    if not isIPAddress(host):
        return False
    if host.__class__ is str:
        if len(_IP_LITERALS) >= 4096:
            _IP_LITERALS.clear()
        _IP_LITERALS.add(host)
    return True


@implementer(IListeningPort, IUDPTransport)
class SimUDPPort:
    """One bound UDP socket on a simulated host."""

    def __init__(
        self, host: SimHost, port: int, protocol: AbstractDatagramProtocol, maxPacketSize: int
    ) -> None:
        self.host = host
        self.port = port
        #: C{(address, port)}: the source of every datagram sent (shared, not rebuilt)
        self._address: tuple[str, int] = (host.address, port)
        self.protocol = protocol
        self.maxPacketSize = maxPacketSize
        self.connected_to: tuple[str, int] | None = None
        self.listening = False
        self._broadcast = False

    def __repr__(self) -> str:
        return f"<SimUDPPort {self.host.address}:{self.port}>"

    # IListeningPort

    def startListening(self) -> None:
        self.listening = True
        self.protocol.makeConnection(self)

    def stopListening(self) -> Deferred[None]:
        """
        Close the socket now: nothing more is delivered, the port number is
        free again, and the protocol's C{doStop} runs before this returns (a
        real port does that one reactor turn later).
        """
        if self.listening:
            self.listening = False
            self.host._udp_closed(self)
            self.protocol.doStop()
        return succeed(None)

    loseConnection = stopListening

    def getHost(self) -> IPv4Address:
        return IPv4Address("UDP", self.host.address, self.port)

    # IUDPTransport

    def write(self, packet: bytes, addr: tuple[str, int] | None = None) -> None:
        """
        Send one datagram.  Like C{twisted.internet.udp.Port}: an unconnected
        port needs an IP-literal address, a connected one takes none (or its
        own peer).  Writing on a closed port is silently ignored.
        """
        if not isinstance(packet, bytes):
            raise TypeError(f"Data must be bytes, not {type(packet).__name__}")
        if self.connected_to is not None:
            if addr is not None and tuple(addr) != self.connected_to:
                raise ValueError(f"{addr!r} is not the connected peer {self.connected_to!r}")
            dst = self.connected_to
        else:
            if addr is None:
                raise ValueError("an unconnected UDP port needs an address to write to")
            host = addr[0]
            # (the set look-up of _is_ip_literal first, without its call: once per datagram)
            if not (host.__class__ is str and host in _IP_LITERALS) and not _is_ip_literal(host):
                raise error.InvalidAddressError(host, "write() only accepts IP addresses")
            port = addr[1]
            # The caller's tuple is kept when it already is (str, int): each
            # PacketEvent holds it, so a copy would cost 56 bytes per datagram.
            dst = (
                addr if type(addr) is tuple and len(addr) == 2 and type(port) is int
                else (addr[0], int(port))
            )
        if not self.listening:
            return
        self.host.world._send_udp(self, packet, dst)

    def connect(self, host: str, port: int) -> None:
        if self.connected_to is not None:
            raise RuntimeError("already connected, reconnecting is not currently supported")
        if not isIPAddress(host):
            raise error.InvalidAddressError(host, "not an IPv4 address")
        self.connected_to = (host, int(port))

    def setBroadcastAllowed(self, enabled: bool) -> None:
        self._broadcast = bool(enabled)

    def getBroadcastAllowed(self) -> bool:
        return self._broadcast

    # called by the world

    def _deliver(self, data: bytes, src: tuple[str, int]) -> None:
        """
        Hand one datagram to the protocol, truncated to C{maxPacketSize} as
        C{recvfrom} would.  An exception is logged and the port carries on,
        as in C{twisted.internet.udp.Port.doRead}.
        """
        try:
            self.protocol.datagramReceived(data[: self.maxPacketSize], src)
        except Exception:
            _log.failure("Unhandled error in datagramReceived on {port!r}", port=self)

    def _refused(self) -> None:
        """An ICMP port-unreachable came back for this connected port."""
        if self.listening and self.connected_to is not None:
            refused = getattr(self.protocol, "connectionRefused", None)
            if refused is not None:
                try:
                    refused()
                except Exception:
                    _log.failure("Unhandled error in connectionRefused on {port!r}", port=self)
