#!/usr/bin/env python3
"""
Generate the test PKI for the fake SIP servers (run: C{python certs/make_certs.py}).

Why a script and committed output: TLS scenarios (and an external phone under
test, which must be given C{ca.pem}) need certificates that are stable across
runs, and regenerating must not need anything beyond C{cryptography}, which
the harness already depends on through pyOpenSSL.  Keys are ECDSA P-256; every
certificate is valid for ten years from 2026-01-01T00:00:00Z.

The private keys here protect nothing: they are published test fixtures.

Output (in the directory of this script, or C{--out DIR}):

  - C{ca.pem}, C{ca.key}: the harness CA ("SIP Harness Test CA").
  - C{example.test.pem}, C{primary.example.test.pem}, C{secondary.example.test.pem},
    C{fallback.example.test.pem}: leaf certificate followed by its key (PKCS#8 PEM),
    loadable with C{twisted.internet.ssl.PrivateCertificate.loadPEM}.  The server
    leaves also carry their loopback address as an IP SAN (127.0.1.10/.20/.15);
    the primary's and the secondary's also name the SIP domain C{example.test}.
  - C{wrong-name.pem}: a leaf for C{other.invalid}, signed by the harness CA.
  - C{untrusted-ca.pem} (+ C{untrusted-ca.key}): a second CA nobody trusts.
  - C{selfsigned.pem}: a leaf for C{primary.example.test} (and 127.0.1.10) signed by
    the untrusted CA: right name, wrong issuer.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2036, 1, 1, tzinfo=datetime.UTC)

#: leaf file stem -> (DNS names, IP addresses)
LEAVES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "example.test": (("example.test",), ()),
    # A server of the SIP domain presents a certificate for the domain (RFC 5922:
    # the phone checks the domain it was configured with) and for its own name.
    "primary.example.test": (("primary.example.test", "example.test"), ("127.0.1.10",)),
    "secondary.example.test": (("secondary.example.test", "example.test"), ("127.0.1.20",)),
    "fallback.example.test": (("fallback.example.test",), ("127.0.1.15",)),
}


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed CA certificate (path length 0: it signs leaves only)."""
    key = _key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sip-redundancy-harness"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    dns_names: tuple[str, ...],
    ips: tuple[str, ...] = (),
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A server+client leaf for C{dns_names} (first one is the CN) and C{ips}."""
    key = _key()
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sip-redundancy-harness"),
                    x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0]),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def generate(out: Path) -> list[Path]:
    """Write every file into C{out}; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, data: bytes) -> None:
        path = out / name
        path.write_bytes(data)
        written.append(path)

    ca, ca_key = make_ca("SIP Harness Test CA")
    write("ca.pem", _cert_pem(ca))
    write("ca.key", _key_pem(ca_key))
    for stem, (names, ips) in LEAVES.items():
        cert, key = make_leaf(ca, ca_key, names, ips)
        write(f"{stem}.pem", _cert_pem(cert) + _key_pem(key))

    cert, key = make_leaf(ca, ca_key, ("other.invalid",))
    write("wrong-name.pem", _cert_pem(cert) + _key_pem(key))

    bad_ca, bad_ca_key = make_ca("Untrusted Test CA")
    write("untrusted-ca.pem", _cert_pem(bad_ca))
    write("untrusted-ca.key", _key_pem(bad_ca_key))
    cert, key = make_leaf(
        bad_ca, bad_ca_key, ("primary.example.test", "example.test"), ("127.0.1.10",)
    )
    write("selfsigned.pem", _cert_pem(cert) + _key_pem(key))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
