"""
Tests for the bundled certificates (C{certs/}) and L{harness.tls}.

They check the files with C{cryptography}/pyOpenSSL directly, then run real
TLS handshakes between L{harness.tls}'s creators over an in-memory pump
(no sockets, no reactor).
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL, crypto
from service_identity import VerificationError
from service_identity.cryptography import (
    verify_certificate_hostname,
    verify_certificate_ip_address,
)
from twisted.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLServerConnectionCreator,
)
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import Clock
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.python.failure import Failure
from twisted.test.iosim import connect, makeFakeClient, makeFakeServer
from twisted.trial.unittest import SynchronousTestCase

from harness import tls

CERTS = Path(__file__).resolve().parent.parent.parent / "certs"
SERVERS = {
    "primary.example.test": "127.0.1.10",
    "secondary.example.test": "127.0.1.20",
    "fallback.example.test": "127.0.1.15",
}


def cert(name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((CERTS / name).read_bytes())


def sans(c: x509.Certificate) -> tuple[list[str], list[str]]:
    ext = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (ext.get_values_for_type(x509.DNSName),
            [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)])


def chain_ok(leaf: str, ca: str = "ca.pem") -> bool:
    store = crypto.X509Store()
    store.add_cert(crypto.X509.from_cryptography(cert(ca)))
    ctx = crypto.X509StoreContext(store, crypto.X509.from_cryptography(cert(leaf)))
    try:
        ctx.verify_certificate()
    except crypto.X509StoreContextError:
        return False
    return True


class CertificateFileTests(SynchronousTestCase):
    def test_ca(self) -> None:
        """The CA is a self-signed CA valid 2026-01-01 .. 2036-01-01."""
        ca = cert("ca.pem")
        self.assertTrue(ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        ca.verify_directly_issued_by(ca)
        self.assertEqual(ca.not_valid_before_utc,
                         datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        self.assertEqual(ca.not_valid_after_utc,
                         datetime.datetime(2036, 1, 1, tzinfo=datetime.UTC))

    def test_leaves_signed_by_ca_with_names(self) -> None:
        """Every server leaf chains to the CA and names its host and address."""
        ca = cert("ca.pem")
        for name, ip in [*SERVERS.items(), ("example.test", None)]:
            leaf = cert(f"{name}.pem")
            leaf.verify_directly_issued_by(ca)
            self.assertTrue(chain_ok(f"{name}.pem"), name)
            verify_certificate_hostname(leaf, name)
            names = [name]
            if name in ("primary.example.test", "secondary.example.test"):
                names.append("example.test")  # the SIP domain they serve (RFC 5922)
                verify_certificate_hostname(leaf, "example.test")
            self.assertEqual(sans(leaf), (names, [ip] if ip else []))
            if ip:
                verify_certificate_ip_address(leaf, ip)

    def test_keys_match(self) -> None:
        """Each PEM's key is the key of its certificate."""
        for name in [*SERVERS, "example.test", "wrong-name", "selfsigned"]:
            data = (CERTS / f"{name}.pem").read_bytes()
            key = serialization.load_pem_private_key(data, None)
            self.assertEqual(
                key.public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
                cert(f"{name}.pem").public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
            )

    def test_wrong_name(self) -> None:
        """wrong-name.pem chains to our CA but names nobody we use."""
        self.assertTrue(chain_ok("wrong-name.pem"))
        self.assertEqual(sans(cert("wrong-name.pem")), (["other.invalid"], []))
        self.assertRaises(VerificationError, verify_certificate_hostname,
                          cert("wrong-name.pem"), "primary.example.test")

    def test_untrusted_issuer(self) -> None:
        """selfsigned.pem has the primary's name but chains only to the untrusted CA."""
        self.assertFalse(chain_ok("selfsigned.pem"))
        self.assertTrue(chain_ok("selfsigned.pem", "untrusted-ca.pem"))
        verify_certificate_hostname(cert("selfsigned.pem"), "primary.example.test")


class Sender(Protocol):
    """Client side: sends a greeting once connected; remembers why it was lost."""

    lost: Failure | None = None

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(b"hello")

    def connectionLost(self, reason: Failure = Failure(Exception())) -> None:  # noqa: B008
        self.lost = reason


class Receiver(Protocol):
    data = b""

    def dataReceived(self, data: bytes) -> None:
        self.data += data


def handshake(server_name: str, hostname: str) -> tuple[Receiver, Sender]:
    """TLS between C{server_context(server_name)} and C{client_creator(hostname)}."""
    clock = Clock()
    receiver, sender = Receiver(), Sender()
    server_factory = TLSMemoryBIOFactory(
        tls.server_context(server_name), False, Factory.forProtocol(lambda: receiver),
        clock=clock)
    client_factory = TLSMemoryBIOFactory(
        tls.client_creator(hostname), True, Factory.forProtocol(lambda: sender), clock=clock)
    server = server_factory.buildProtocol(None)
    client = client_factory.buildProtocol(None)
    pump = connect(server, makeFakeServer(server), client, makeFakeClient(client), clock=clock)
    for _ in range(20):
        clock.advance(0)
        pump.flush()
    return receiver, sender


class TlsHelperTests(SynchronousTestCase):
    def test_load_ca(self) -> None:
        """The default trust root is the bundled CA."""
        ca = tls.load_ca()
        self.assertEqual(ca.getSubject().commonName, b"SIP Harness Test CA")
        self.assertEqual(tls.load_ca(CERTS / "ca.pem"), ca)

    def test_creators_provide_interfaces(self) -> None:
        self.assertTrue(IOpenSSLServerConnectionCreator.providedBy(
            tls.server_context("primary.example.test")))
        self.assertTrue(IOpenSSLClientConnectionCreator.providedBy(
            tls.client_creator("primary.example.test")))

    def test_env_var(self) -> None:
        """SIP_HARNESS_CERTS replaces the bundled directory."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copy(CERTS / "untrusted-ca.pem", Path(tmp) / "ca.pem")
        os.environ[tls.CERTS_ENV] = tmp
        self.addCleanup(os.environ.pop, tls.CERTS_ENV)
        self.assertEqual(tls.certs_dir(), Path(tmp))
        self.assertEqual(tls.load_ca().getSubject().commonName, b"Untrusted Test CA")
        self.assertRaises(FileNotFoundError, tls.server_context, "primary.example.test")

    def test_handshake_ok(self) -> None:
        """A client trusting the CA accepts the primary by name and by address."""
        for hostname in ["primary.example.test", "127.0.1.10"]:
            server, client = handshake("primary.example.test", hostname)
            self.assertEqual(server.data, b"hello", hostname)
            self.assertIsNone(client.lost)

    def test_handshake_wrong_name(self) -> None:
        """A trusted certificate for another name is refused."""
        server, client = handshake("wrong-name", "primary.example.test")
        self.assertEqual(server.data, b"")
        assert client.lost is not None
        self.assertTrue(client.lost.check(VerificationError))

    def test_handshake_untrusted_issuer(self) -> None:
        """The right name from an unknown CA is refused."""
        server, client = handshake("selfsigned", "primary.example.test")
        self.assertEqual(server.data, b"")
        assert client.lost is not None
        self.assertTrue(client.lost.check(SSL.Error))
        self.assertIn("certificate verify failed", str(client.lost.value))

    def test_handshake_other_server(self) -> None:
        """The secondary's certificate does not pass for the primary."""
        server, _ = handshake("secondary.example.test", "primary.example.test")
        self.assertEqual(server.data, b"")
