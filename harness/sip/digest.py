"""
HTTP digest authentication as SIP uses it (RFC 3261 22.4, RFC 7616, with the
RFC 2617 / RFC 2069 forms older phones still send).

Algorithms: MD5, MD5-sess, SHA-256, SHA-256-sess; qop C{auth} or none.

Secrets: no object here ever holds a password.  L{answer} and
L{DigestServer.verify} take it as an argument and drop it; L{Credentials}
carries only the response hash (its repr shows nothing more secret).  The
server's nonces are MACed with a key drawn from the injected RNG, so it
recognises its own nonces without keeping a table of them (bounded memory for
ten thousand simulated phones), and nonces are timestamped with the injected
clock, so staleness works on virtual time.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from dataclasses import dataclass, field
from typing import Literal

from twisted.internet.interfaces import IReactorTime

from harness.sip.message import ParseError, split_list

__all__ = [
    "ALGORITHMS",
    "Challenge",
    "Credentials",
    "DigestServer",
    "answer",
    "parse_challenge",
    "parse_credentials",
]

ALGORITHMS = {
    "MD5": hashlib.md5,
    "MD5-SESS": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-256-SESS": hashlib.sha256,
}
_CANONICAL_ALG = {"MD5": "MD5", "MD5-SESS": "MD5-sess", "SHA-256": "SHA-256",
                  "SHA-256-SESS": "SHA-256-sess"}  # fmt: skip


def _algorithm(name: str) -> str:
    """The canonical spelling of a supported algorithm, or ValueError."""
    canon = _CANONICAL_ALG.get(name.upper())
    if canon is None:
        raise ValueError(f"unsupported digest algorithm {name!r}")
    return canon


def _h(algorithm: str, text: str) -> str:
    return ALGORITHMS[algorithm.upper()](text.encode("utf-8")).hexdigest()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_PARAM_RE = re.compile(
    r'[ \t]*([A-Za-z0-9\-_.!%*+`\'~]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^ \t,"]*)[ \t]*\Z', re.S
)


def _parse_auth_params(value: str, what: str) -> dict[str, str]:
    """C{Digest k=v, k="v", ...} -> lower-cased names to unquoted values."""
    scheme, _, rest = value.strip(" \t").partition(" ")
    if scheme.lower() != "digest":
        raise ParseError(f"{what} is not Digest: {value!r}", header=what)
    out: dict[str, str] = {}
    try:
        items = split_list(rest)
    except ParseError as e:
        raise ParseError(e.reason, header=what) from None
    for item in items:
        if not item:
            continue
        m = _PARAM_RE.match(item)
        if m is None:
            raise ParseError(f"bad {what} parameter {item!r}", header=what)
        name, raw = m.group(1).lower(), m.group(2)
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1], flags=re.S)
        if name in out:
            raise ParseError(f"duplicate {what} parameter {name!r}", header=what)
        out[name] = raw
    return out


@dataclass(frozen=True)
class Challenge:
    """A WWW-Authenticate / Proxy-Authenticate digest challenge."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ("auth",)
    opaque: str | None = None
    stale: bool = False

    def to_header(self) -> str:
        parts = [f"realm={_quote(self.realm)}", f"nonce={_quote(self.nonce)}"]
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        parts.append(f"algorithm={self.algorithm}")
        if self.qop:
            parts.append(f"qop={_quote(','.join(self.qop))}")
        if self.stale:
            parts.append("stale=TRUE")
        return "Digest " + ", ".join(parts)


def parse_challenge(value: str) -> Challenge:
    """Parse a challenge header value; L{ParseError} if it is not a digest challenge."""
    p = _parse_auth_params(value, "WWW-Authenticate")
    if "realm" not in p or "nonce" not in p:
        raise ParseError(f"challenge without realm or nonce: {value!r}", header="WWW-Authenticate")
    qop = tuple(q.strip() for q in p["qop"].split(",") if q.strip()) if "qop" in p else ()
    return Challenge(
        realm=p["realm"],
        nonce=p["nonce"],
        algorithm=p.get("algorithm", "MD5"),
        qop=qop,
        opaque=p.get("opaque"),
        stale=p.get("stale", "").lower() == "true",
    )


@dataclass(frozen=True)
class Credentials:
    """
    An Authorization / Proxy-Authorization digest answer.  C{nc} is the
    nonce count as an integer (written as 8 hex digits); C{qop}, C{nc} and
    C{cnonce} are None in the legacy (no-qop) form.
    """

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    qop: str | None = None
    nc: int | None = None
    cnonce: str | None = None
    opaque: str | None = None

    def to_header(self) -> str:
        parts = [
            f"username={_quote(self.username)}",
            f"realm={_quote(self.realm)}",
            f"nonce={_quote(self.nonce)}",
            f"uri={_quote(self.uri)}",
            f"response={_quote(self.response)}",
            f"algorithm={self.algorithm}",
        ]
        if self.cnonce is not None:
            parts.append(f"cnonce={_quote(self.cnonce)}")
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.qop is not None:
            parts.append(f"qop={self.qop}")
        if self.nc is not None:
            parts.append(f"nc={self.nc:08x}")
        return "Digest " + ", ".join(parts)


def parse_credentials(value: str) -> Credentials:
    """Parse an Authorization value; L{ParseError} if malformed or incomplete."""
    p = _parse_auth_params(value, "Authorization")
    missing = [k for k in ("username", "realm", "nonce", "uri", "response") if k not in p]
    if missing:
        raise ParseError(
            f"Authorization without {', '.join(missing)}", header="Authorization"
        )
    nc: int | None = None
    if "nc" in p:
        if not re.fullmatch(r"[0-9A-Fa-f]{8}", p["nc"]):
            raise ParseError(f"bad nc {p['nc']!r}", header="Authorization")
        nc = int(p["nc"], 16)
    return Credentials(
        username=p["username"],
        realm=p["realm"],
        nonce=p["nonce"],
        uri=p["uri"],
        response=p["response"],
        algorithm=p.get("algorithm", "MD5"),
        qop=p.get("qop"),
        nc=nc,
        cnonce=p.get("cnonce"),
        opaque=p.get("opaque"),
    )


def _response(
    algorithm: str,
    *,
    username: str,
    realm: str,
    password: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None,
    nc: int | None,
    cnonce: str | None,
) -> str:
    """The request-digest of RFC 7616 3.4.1 (RFC 2617 3.2.2.1 for no qop)."""
    alg = algorithm.upper()
    ha1 = _h(alg, f"{username}:{realm}:{password}")
    if alg.endswith("-SESS"):
        ha1 = _h(alg, f"{ha1}:{nonce}:{cnonce or ''}")
    ha2 = _h(alg, f"{method}:{uri}")
    if qop is None:
        return _h(alg, f"{ha1}:{nonce}:{ha2}")
    return _h(alg, f"{ha1}:{nonce}:{(nc or 0):08x}:{cnonce or ''}:{qop}:{ha2}")


def answer(
    challenge: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str,
    nc: int = 1,
) -> Credentials:
    """
    Answer C{challenge} for a C{method} request to C{uri}.  Uses qop=auth
    when offered, the legacy form when no qop is offered; ValueError for an
    unsupported algorithm or a challenge offering only qop values other than
    C{auth} (C{auth-int} would need the body).
    """
    algorithm = _algorithm(challenge.algorithm)
    qop: str | None
    if not challenge.qop:
        qop = None
    elif "auth" in (q.lower() for q in challenge.qop):
        qop = "auth"
    else:
        raise ValueError(f"unsupported qop {challenge.qop!r}")
    response = _response(
        algorithm,
        username=username,
        realm=challenge.realm,
        password=password,
        nonce=challenge.nonce,
        method=method,
        uri=uri,
        qop=qop,
        nc=nc if qop else None,
        cnonce=cnonce if (qop or algorithm.upper().endswith("-SESS")) else None,
    )
    return Credentials(
        username=username,
        realm=challenge.realm,
        nonce=challenge.nonce,
        uri=uri,
        response=response,
        algorithm=algorithm,
        qop=qop,
        nc=nc if qop else None,
        cnonce=cnonce if (qop or algorithm.upper().endswith("-SESS")) else None,
        opaque=challenge.opaque,
    )


@dataclass
class DigestServer:
    """
    Issue and check digest challenges for one realm (a fake registrar's).

    Nonces are C{<issued-ms hex>.<random hex>.<MAC>}: the server can tell its
    own nonces from forged ones and how old they are, with no state per nonce.
    L{verify} does not check that C{credentials.uri} matches the request (the
    caller has the request) nor replayed nonce counts.
    """

    realm: str
    clock: IReactorTime
    rng: random.Random
    nonce_lifetime: float = 300.0
    algorithm: str = "MD5"
    _key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.algorithm = _algorithm(self.algorithm)
        self._key = self.rng.getrandbits(128).to_bytes(16, "big")

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode("ascii"), hashlib.sha256).hexdigest()[:16]

    def challenge(self, stale: bool = False) -> Challenge:
        issued = max(0, int(self.clock.seconds() * 1000))
        body = f"{issued:x}.{self.rng.getrandbits(64):016x}"
        return Challenge(
            realm=self.realm,
            nonce=f"{body}.{self._mac(body)}",
            algorithm=self.algorithm,
            qop=("auth",),
            stale=stale,
        )

    def _issued(self, nonce: str) -> float | None:
        """When we issued C{nonce} (seconds), or None if it is not ours."""
        parts = nonce.split(".")
        if len(parts) != 3 or not nonce.isascii():
            return None
        body = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._mac(body), parts[2]):
            return None
        try:
            return int(parts[0], 16) / 1000.0
        except ValueError:
            return None

    def verify(
        self, method: str, credentials: Credentials, password: str
    ) -> Literal["ok", "stale", "bad"]:
        """
        C{"ok"}, C{"stale"} (right password, expired nonce of ours: challenge
        again with C{stale=True}) or C{"bad"}.
        """
        if credentials.realm != self.realm or not credentials.response.isascii():
            return "bad"
        try:
            if _algorithm(credentials.algorithm) != self.algorithm:
                return "bad"
        except ValueError:
            return "bad"
        issued = self._issued(credentials.nonce)
        if issued is None:
            return "bad"
        if credentials.qop is not None and (
            credentials.qop.lower() != "auth" or credentials.nc is None or not credentials.cnonce
        ):
            return "bad"
        expected = _response(
            self.algorithm,
            username=credentials.username,
            realm=self.realm,
            password=password,
            nonce=credentials.nonce,
            method=method,
            uri=credentials.uri,
            qop=credentials.qop,
            nc=credentials.nc,
            cnonce=credentials.cnonce,
        )
        if not hmac.compare_digest(expected, credentials.response.lower()):
            return "bad"
        if self.clock.seconds() - issued > self.nonce_lifetime:
            return "stale"
        return "ok"
