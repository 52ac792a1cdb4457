"""
TLS helpers: the bundled test PKI as Twisted connection creators.

Why a module of its own: the fake servers need a server context per name, the
built-in phone and the tests need a client creator that trusts the harness CA
and checks the server's name (TLS-1), and both should find C{certs/} the same
way whether the harness runs from a checkout or with C{SIP_HARNESS_CERTS} set.

pyOpenSSL 26 makes Twisted's C{_sslverify} emit C{DeprecationWarning}s; they
are harmless here and deliberately not turned into errors.
"""

from __future__ import annotations

import os
from pathlib import Path

from twisted.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLServerConnectionCreator,
)
from twisted.internet.ssl import Certificate, PrivateCertificate, optionsForClientTLS

#: environment variable naming a directory that replaces the bundled C{certs/}
CERTS_ENV = "SIP_HARNESS_CERTS"


def certs_dir() -> Path:
    """
    The certificate directory: C{$SIP_HARNESS_CERTS} if set, else C{certs/}
    beside the C{harness} package (the repository layout).
    """
    env = os.environ.get(CERTS_ENV)
    if env:
        return Path(env)
    return _BUNDLED_CERTS


#: the bundled C{certs/} (resolving a path costs several system calls: once only)
_BUNDLED_CERTS = Path(__file__).resolve().parent.parent / "certs"


def _resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """A bare name (C{"primary.example.test"}) means C{certs_dir()/<name>.pem}."""
    path = Path(name_or_path)
    if path.exists():
        return path
    text = os.fspath(name_or_path)
    if os.sep not in text and "/" not in text:
        candidate = certs_dir() / (text if text.endswith(".pem") else f"{text}.pem")
        if candidate.exists():
            return candidate
        raise FileNotFoundError(f"no certificate {text!r} in {certs_dir()}")
    raise FileNotFoundError(f"no certificate file {text!r}")


def load_ca(path: str | os.PathLike[str] | None = None) -> Certificate:
    """The trust root: C{path}, or the bundled C{ca.pem}."""
    if path is None:
        # Every world's phone asks for it: parse the PEM once per certificate
        # directory (a Certificate is never mutated).
        key = os.environ.get(CERTS_ENV)
        ca = _DEFAULT_CA.get(key)
        if ca is None:
            ca = _DEFAULT_CA[key] = Certificate.loadPEM((certs_dir() / "ca.pem").read_bytes())
        return ca
    return Certificate.loadPEM(_resolve(path).read_bytes())


_DEFAULT_CA: dict[str | None, Certificate] = {}


def load_private(name: str | os.PathLike[str]) -> PrivateCertificate:
    """A leaf with its key, by bundled name (C{"primary.example.test"}) or path."""
    return PrivateCertificate.loadPEM(_resolve(name).read_bytes())


def server_context(name: str | os.PathLike[str]) -> IOpenSSLServerConnectionCreator:
    """
    A server connection creator presenting the leaf C{name} (a bundled name such
    as C{"secondary.example.test"} or C{"wrong-name"}, or a PEM path holding the
    certificate and key).  Clients are not asked for certificates.
    """
    # Finding the file costs several system calls, loading and building an SSL
    # context ~0.7 ms: both are shared (a name resolves against the cwd and
    # $SIP_HARNESS_CERTS, so both are part of the key).
    fast_key = (os.fspath(name), os.environ.get(CERTS_ENV), os.getcwd())
    options = _BY_NAME.get(fast_key)
    if options is not None:
        return options
    path = _resolve(name)
    key = str(path)
    options = _SERVER_CONTEXTS.get(key)
    if options is None:
        options = _SERVER_CONTEXTS[key] = PrivateCertificate.loadPEM(path.read_bytes()).options()
    _BY_NAME[fast_key] = options
    return options


_SERVER_CONTEXTS: dict[str, IOpenSSLServerConnectionCreator] = {}
_BY_NAME: dict[tuple[str, str | None, str], IOpenSSLServerConnectionCreator] = {}


def client_creator(
    hostname: str, trust_root: Certificate | None = None
) -> IOpenSSLClientConnectionCreator:
    """
    A client connection creator that trusts only C{trust_root} (default: the
    bundled CA) and verifies that the server's certificate names C{hostname}
    (a DNS name, sent as SNI, or an IP address, matched against IP SANs).
    """
    root = trust_root if trust_root is not None else load_ca()
    return optionsForClientTLS(hostname, trustRoot=root)


__all__ = [
    "CERTS_ENV",
    "certs_dir",
    "client_creator",
    "load_ca",
    "load_private",
    "server_context",
]
