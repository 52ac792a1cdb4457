"""
TLS on the simulated network: real OpenSSL in memory over simulated TCP,
driven by the virtual clock (TLSMemoryBIOFactory / wrapClientTLS with clock=).
"""

from __future__ import annotations

from typing import Any

import trustme
from OpenSSL.SSL import Error as SSLError
from service_identity import VerificationError
from twisted.internet import ssl
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    wrapClientTLS,
    wrapServerTLS,
)
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from harness.net import SimWorld
from harness.trace.events import ConnEvent, PacketEvent

A, B = "127.0.1.10", "127.0.1.20"
NAME = "sip.example.test"

_CA = trustme.CA()
_LEAF = _CA.issue_cert(NAME)
_OTHER_CA = trustme.CA()


def server_options() -> Any:
    return ssl.PrivateCertificate.loadPEM(_LEAF.private_key_and_cert_chain_pem.bytes()).options()


def client_options(name: str = NAME, ca: trustme.CA = _CA) -> Any:
    return ssl.optionsForClientTLS(name, trustRoot=ssl.Certificate.loadPEM(ca.cert_pem.bytes()))


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data.upper())


class Collect(Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.reason: Failure | None = None

    def connectionMade(self) -> None:
        self.transport.write(b"register")

    def dataReceived(self, data: bytes) -> None:
        self.data += data

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        self.reason = reason


class ServerCollect(Factory):
    def __init__(self) -> None:
        self.protocols: list[Collect] = []

    def buildProtocol(self, addr: object) -> Protocol:
        p = Collect()
        p.connectionMade = lambda: None  # type: ignore[method-assign]
        self.protocols.append(p)
        return p


class TLSTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(latency=0.01)
        self.a = self.world.host(A)
        self.b = self.world.host(B)

    def serve(self) -> ServerCollect:
        collect = ServerCollect()
        endpoint = wrapServerTLS(server_options(), TCP4ServerEndpoint(self.b, 5061), clock=self.b)
        self.successResultOf(endpoint.listen(collect))
        return collect

    def connect(self, options: Any) -> Any:
        endpoint = wrapClientTLS(options, TCP4ClientEndpoint(self.a, B, 5061), clock=self.a)
        return endpoint.connect(Factory.forProtocol(Collect))

    def test_handshake_and_exchange_with_endpoints(self) -> None:
        endpoint = wrapServerTLS(server_options(), TCP4ServerEndpoint(self.b, 5061), clock=self.b)
        self.successResultOf(endpoint.listen(Factory.forProtocol(Echo)))
        d = self.connect(client_options())
        self.world.run()
        client = self.successResultOf(d)
        self.assertEqual(client.data, b"REGISTER")
        cert = client.transport.getPeerCertificate()
        self.assertIn(NAME, str(cert.get_subject()) + str(cert.to_cryptography().extensions))
        # the ciphertext is redacted from the trace (it is nondeterministic)
        self.assertEqual({e.payload for e in self.world.trace.of(PacketEvent)}, {b""})

    def test_listen_ssl_connect_ssl(self) -> None:
        self.b.listenSSL(5061, Factory.forProtocol(Echo), server_options())
        client = Collect()

        class F(ClientFactory):
            def buildProtocol(self, addr: object) -> Protocol:
                return client

        self.a.connectSSL(B, 5061, F(), client_options())
        self.world.run()
        self.assertEqual(client.data, b"REGISTER")

    def test_hostname_mismatch(self) -> None:
        server = self.serve()
        d = self.connect(client_options(name="other.example.test"))
        self.world.run()
        client = self.successResultOf(d)
        assert client.reason is not None
        client.reason.trap(VerificationError)
        self.assertEqual(server.protocols[0].data, b"")
        self.assertIsNotNone(server.protocols[0].reason)

    def test_untrusted_ca(self) -> None:
        server = self.serve()
        d = self.connect(client_options(ca=_OTHER_CA))
        self.world.run()
        client = self.successResultOf(d)
        assert client.reason is not None
        client.reason.trap(SSLError)
        self.assertIn("certificate verify failed", str(client.reason.value))
        assert server.protocols[0].reason is not None
        self.assertIn("unknown ca", str(server.protocols[0].reason.value))

    def test_handshake_survives_loss(self) -> None:
        world = SimWorld(3, latency=0.01, loss=0.2)
        b, a = world.host(B), world.host(A)
        endpoint = wrapServerTLS(server_options(), TCP4ServerEndpoint(b, 5061), clock=b)
        self.successResultOf(endpoint.listen(Factory.forProtocol(Echo)))
        d = wrapClientTLS(client_options(), TCP4ClientEndpoint(a, B, 5061), clock=a).connect(
            Factory.forProtocol(Collect)
        )
        world.run()
        self.assertEqual(self.successResultOf(d).data, b"REGISTER")
        self.assertIn("lost", {e.fate for e in world.trace.of(PacketEvent)})

    def test_server_down_client_times_out(self) -> None:
        self.serve()
        self.world.set_host_down(B, True)
        endpoint = wrapClientTLS(
            client_options(), TCP4ClientEndpoint(self.a, B, 5061, timeout=4), clock=self.a
        )
        d = endpoint.connect(Factory.forProtocol(Collect))
        self.world.run()
        from twisted.internet.error import TimeoutError

        self.failureResultOf(d, TimeoutError)
        self.assertEqual(self.world.seconds(), 4.0)
        self.assertEqual([e.what for e in self.world.trace.of(ConnEvent)], ["timeout"])
