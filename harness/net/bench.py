"""
Benchmarks of the simulated network (figures, never timed tests).

C{bench_net()} measures two things a certification run is made of:

 - a bare UDP request with RFC 3261 Timer A retransmissions (T1 = 0.5 s),
   answered by a server that ignores the first three sends, so each exchange
   covers 3.5 virtual seconds and 5 datagrams; a fresh world per exchange, as
   per scenario.  Target: >= 20,000 virtual seconds per wall second.
 - a TLS connect + request + response + close on a fresh world (real OpenSSL
   in memory, certificates made once).  Target: >= 400 per second.

Run: C{python -m harness.net.bench [seconds]}.
"""

from __future__ import annotations

import datetime
import sys
import time
from typing import Any

from twisted.internet import ssl
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import ClientFactory, DatagramProtocol, Factory, Protocol

from harness.net.simulated import SimWorld

A, B = "127.0.1.10", "127.0.1.20"
T1 = 0.5


class _Client(DatagramProtocol):
    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self.done = False
        self.interval = T1
        self.timer_a: IDelayedCall | None = None

    def startProtocol(self) -> None:
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.transport.write(b"REGISTER sip:example.test SIP/2.0\r\n\r\n", (B, 5060))
        self.timer_a = self.clock.callLater(self.interval, self._send)
        self.interval *= 2

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        if not self.done and self.timer_a is not None:
            self.done = True
            self.timer_a.cancel()


class _Server(DatagramProtocol):
    seen = 0

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.seen += 1
        if self.seen == 4 and self.transport is not None:
            self.transport.write(b"SIP/2.0 200 OK\r\n\r\n", addr)


def udp_exchange() -> float:
    """One exchange in a fresh world; returns the virtual seconds it covered."""
    world = SimWorld(0, latency=0.005)
    world.host(B).listenUDP(5060, _Server())
    client = _Client(world.clock)
    world.host(A).listenUDP(0, client)
    world.run()
    assert client.done
    return world.seconds()


def make_tls_options(name: str = "sip.example.test") -> tuple[Any, Any]:
    """A throwaway CA and leaf (cryptography, no test dependency): (server, client) options."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, issuer: x509.Name | None, key: Any, signer: Any, ca: bool) -> Any:
        sub = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        b = (
            x509.CertificateBuilder()
            .subject_name(sub)
            .issuer_name(issuer or sub)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), False)
        return b.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("bench CA", None, ca_key, ca_key, True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build(name, ca_cert.subject, leaf_key, ca_key, False)
    pem = serialization.Encoding.PEM
    key_pem = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    server = ssl.PrivateCertificate.loadPEM(key_pem + leaf.public_bytes(pem)).options()
    trust = ssl.Certificate.loadPEM(ca_cert.public_bytes(pem))
    return server, ssl.optionsForClientTLS(name, trustRoot=trust)


class _Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(b"SIP/2.0 200 OK\r\n\r\n")


class _Ask(Protocol):
    answered = False

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(b"REGISTER sip:example.test SIP/2.0\r\n\r\n")

    def dataReceived(self, data: bytes) -> None:
        self.answered = True
        assert self.transport is not None
        self.transport.loseConnection()


def tls_exchange(server_options: Any, client_options: Any) -> bool:
    world = SimWorld(0, latency=0.005)
    world.host(B).listenSSL(5061, Factory.forProtocol(_Echo), server_options)
    ask = _Ask()

    class _One(ClientFactory):
        def buildProtocol(self, addr: Any) -> Protocol:
            return ask

    world.host(A).connectSSL(B, 5061, _One(), client_options)
    world.run()
    return ask.answered


def bench_net(seconds: float = 1.0) -> dict[str, float]:
    """
    Run each benchmark for about C{seconds / 2} of wall time (bounded: at
    most 1,000,000 iterations each) and return the figures.
    """
    half = max(seconds / 2, 0.001)
    out: dict[str, float] = {}

    n = 0
    virtual = 0.0
    start = time.perf_counter()
    while n < 1_000_000:
        virtual += udp_exchange()
        n += 1
        if time.perf_counter() - start >= half:
            break
    wall = time.perf_counter() - start
    out["udp_exchanges_per_s"] = n / wall
    out["udp_virtual_s_per_wall_s"] = virtual / wall
    out["udp_exchanges"] = n

    server_options, client_options = make_tls_options()
    tls_exchange(server_options, client_options)  # warm the contexts
    n = 0
    ok = 0
    start = time.perf_counter()
    while n < 1_000_000:
        ok += tls_exchange(server_options, client_options)
        n += 1
        if time.perf_counter() - start >= half:
            break
    wall = time.perf_counter() - start
    out["tls_exchanges_per_s"] = n / wall
    out["tls_exchanges"] = n
    out["tls_ok"] = ok
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    seconds = float(args[0]) if args else 1.0
    for key, value in bench_net(seconds).items():
        print(f"{key:28} {value:14,.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
