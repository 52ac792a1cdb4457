"""
SIP and SIPS URIs (RFC 3261 section 19.1).

A L{SipURI} holds its components I{unescaped} (C{%40} becomes C{@}), so two
spellings of the same URI compare equal field by field; L{SipURI.__str__}
writes the canonical form, escaping exactly the characters the grammar does
not allow to stand as they are.  IPv6 hosts keep their brackets
(C{"[2001:db8::1]"}), as in the grammar's C{IPv6reference}, so C{host} can be
written back without knowing where it came from.

L{ParseError} is defined here (the lowest module of the SIP layer) and
re-exported by L{harness.sip.message}, where the contract names it.
"""

from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass, replace
from typing import Any

from harness.sip import _abnf

__all__ = ["ParseError", "SipURI", "parse_uri"]


class ParseError(ValueError):
    """
    Input that is not a SIP message (or part of one).

    The parser raises only this, whatever the bytes, so a transport can catch
    one exception and drop (or answer 400 to) what it received.  C{line} is
    the 1-based line of the message where the problem was found, C{header}
    the header's canonical name, when either is known.
    """

    #: for a stream: the messages completed in the same read before the error,
    #: which the transport still delivers before closing the connection
    complete: tuple[Any, ...] = ()

    def __init__(self, reason: str, line: int | None = None, header: str | None = None) -> None:
        super().__init__(reason, line, header)
        self.reason = reason
        self.line = line
        self.header = header

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.header is not None:
            where.append(f"header {self.header}")
        return f"{self.reason} ({', '.join(where)})" if where else self.reason

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, int | None, str | None]]:
        return (type(self), (self.reason, self.line, self.header))


_HEX = "0123456789ABCDEF"


def unescape(text: str, what: str = "URI") -> str:
    """
    Decode C{%XX} escapes as UTF-8; a malformed escape or undecodable result
    is a L{ParseError} (never a C{UnicodeError}).
    """
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "%":
            pair = text[i + 1 : i + 3]
            if len(pair) != 2 or pair[0] not in _HEXSET or pair[1] not in _HEXSET:
                raise ParseError(f"bad %-escape in {what}: {text!r}")
            out.append(int(pair, 16))
            i += 3
        else:
            out += c.encode("utf-8")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(f"%-escapes in {what} are not UTF-8: {text!r}") from None


_HEXSET = frozenset("0123456789abcdefABCDEF")


def escape(text: str, safe: frozenset[str]) -> str:
    """%-escape (as UTF-8) every character of C{text} outside C{safe}."""
    if text.isascii() and text.isalnum() and safe in _ALNUM_SAFE:
        # The usual user part or parameter ("alice", "transport", "UDP"): no
        # character to escape, decided in C rather than one character at a
        # time (every contact a registrar stores is serialised per REGISTER).
        return text
    for c in text:
        if c not in safe:
            break
    else:
        return text
    out = []
    for c in text:
        if c in safe:
            out.append(c)
        else:
            for b in c.encode("utf-8", "surrogatepass"):
                out.append("%" + _HEX[b >> 4] + _HEX[b & 15])
    return "".join(out)


#: the safe sets of this grammar that hold every ASCII letter and digit (all of them)
_ALNUM_SAFE = frozenset(
    safe
    for safe in (_abnf.USER_SAFE, _abnf.PASSWORD_SAFE, _abnf.PARAM_SAFE, _abnf.HEADER_SAFE)
    if frozenset(string.ascii_letters + string.digits) <= safe
)


def check_host(host: str, what: str = "host") -> str:
    """
    Validate C{host} (hostname, IPv4 address or bracketed IPv6 reference)
    and return it; L{ParseError} otherwise.
    """
    if len(host) > 255:
        raise ParseError(f"{what} longer than 255 characters")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ParseError(f"bad IPv6 reference in {what}: {host!r}")
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ParseError(f"bad IPv6 address in {what}: {host!r}") from None
        return host
    if _abnf.IPv4address_re.fullmatch(host):
        if any(int(part) > 255 for part in host.split(".")):
            raise ParseError(f"bad IPv4 address in {what}: {host!r}")
        return host
    if not _abnf.hostname_re.fullmatch(host):
        raise ParseError(f"bad {what}: {host!r}")
    return host


def check_port(text: str, what: str = "port") -> int:
    """A decimal port 0..65535, or L{ParseError}."""
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        raise ParseError(f"bad {what}: {text!r}")
    value = int(text)
    if value > 65535:
        raise ParseError(f"{what} out of range: {text!r}")
    return value


@dataclass(frozen=True)
class SipURI:
    """
    A C{sip:} or C{sips:} URI, components unescaped.

    C{params} keep their order and spelling; look-ups (L{param}) ignore case,
    as RFC 3261 19.1.4 compares parameter names case-insensitively.
    """

    scheme: str
    user: str | None
    password: str | None
    host: str
    port: int | None = None
    params: tuple[tuple[str, str | None], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str | None:
        """The value of URI parameter C{name} (C{""} for a bare flag), or None."""
        lname = name.lower()
        for k, v in self.params:
            if k.lower() == lname:
                return "" if v is None else v
        return None

    def has_param(self, name: str) -> bool:
        lname = name.lower()
        return any(k.lower() == lname for k, _ in self.params)

    @property
    def transport(self) -> str | None:
        """The C{transport} parameter, lower-cased (C{"udp"}, C{"tcp"}, ...), or None."""
        value = self.param("transport")
        return value.lower() if value else None

    @property
    def hostport(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def bare_host(self) -> str:
        """C{host} without IPv6 brackets: what a socket or resolver wants."""
        return self.host[1:-1] if self.host.startswith("[") else self.host

    def with_param(self, name: str, value: str | None) -> SipURI:
        """A copy with parameter C{name} set (replaced in place if present)."""
        lname = name.lower()
        params = list(self.params)
        for i, (k, _) in enumerate(params):
            if k.lower() == lname:
                params[i] = (k, value)
                break
        else:
            params.append((name, value))
        return replace(self, params=tuple(params))

    def without_params(self) -> SipURI:
        return replace(self, params=(), headers=())

    def __str__(self) -> str:
        # Written once per URI object (it is frozen): a registrar writes each
        # contact's URI as the binding's key on every REGISTER, and parsed URIs
        # are shared through the parse caches (~2 us per REGISTER, in-process).
        text: str | None = self.__dict__.get("_text")
        if text is None:
            text = self.__dict__["_text"] = self._format()
        return text

    def _format(self) -> str:
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(escape(self.user, _abnf.USER_SAFE))
            if self.password is not None:
                parts.append(":")
                parts.append(escape(self.password, _abnf.PASSWORD_SAFE))
            parts.append("@")
        parts.append(self.host)
        if self.port is not None:
            parts.append(f":{self.port}")
        for k, v in self.params:
            parts.append(";" + escape(k, _abnf.PARAM_SAFE))
            if v is not None:
                parts.append("=" + escape(v, _abnf.PARAM_SAFE))
        for i, (k, v) in enumerate(self.headers):
            parts.append("?" if i == 0 else "&")
            parts.append(escape(k, _abnf.HEADER_SAFE) + "=" + escape(v, _abnf.HEADER_SAFE))
        return "".join(parts)

    def __repr__(self) -> str:
        # A password in a URI is legal but must never reach a log.
        shown = self if self.password is None else replace(self, password="***")
        return f"SipURI({str(shown)!r})"


def parse_uri(text: str) -> SipURI:
    """
    Parse a C{sip:}/C{sips:} URI (RFC 3261 25.1 C{SIP-URI} / C{SIPS-URI}).

    Raises L{ParseError} for anything else, including other schemes.
    """
    if not isinstance(text, str):
        raise ParseError(f"URI must be text, not {type(text).__name__}")
    colon = text.find(":")
    if colon < 0:
        raise ParseError(f"URI has no scheme: {text!r}")
    scheme = text[:colon].lower()
    if scheme not in ("sip", "sips"):
        raise ParseError(f"not a SIP URI (scheme {text[:colon]!r}): {text!r}")
    rest = text[colon + 1 :]
    user: str | None = None
    password: str | None = None
    at = rest.find("@")
    if at >= 0:
        userinfo = rest[:at]
        rest = rest[at + 1 :]
        pcolon = userinfo.find(":")
        raw_user, raw_pw = (
            (userinfo, None) if pcolon < 0 else (userinfo[:pcolon], userinfo[pcolon + 1 :])
        )
        if not _abnf.user_re.fullmatch(raw_user):
            raise ParseError(f"bad user part in URI: {text!r}")
        user = unescape(raw_user, "user part")
        if raw_pw is not None:
            if not _abnf.password_re.fullmatch(raw_pw):
                raise ParseError(f"bad password in URI: {text!r}")
            password = unescape(raw_pw, "password")
    headers_text = None
    q = rest.find("?")
    if q >= 0:
        rest, headers_text = rest[:q], rest[q + 1 :]
    params_text = None
    semi = rest.find(";")
    if semi >= 0:
        rest, params_text = rest[:semi], rest[semi + 1 :]
    port: int | None = None
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise ParseError(f"unterminated IPv6 reference in URI: {text!r}")
        host, tail = rest[: close + 1], rest[close + 1 :]
    else:
        pc = rest.find(":")
        host, tail = (rest, "") if pc < 0 else (rest[:pc], rest[pc:])
    if tail:
        if not tail.startswith(":"):
            raise ParseError(f"bad host:port in URI: {text!r}")
        port = check_port(tail[1:], "URI port")
    if not host:
        raise ParseError(f"URI has no host: {text!r}")
    check_host(host, "URI host")
    params: list[tuple[str, str | None]] = []
    if params_text is not None:
        for item in params_text.split(";"):
            name, eq, value = item.partition("=")
            if not _abnf.pname_re.fullmatch(name):
                raise ParseError(f"bad URI parameter {item!r} in {text!r}")
            if eq:
                if not _abnf.pvalue_re.fullmatch(value):
                    raise ParseError(f"bad URI parameter value {item!r} in {text!r}")
                params.append((unescape(name, "URI parameter"), unescape(value, "URI parameter")))
            else:
                params.append((unescape(name, "URI parameter"), None))
    headers: list[tuple[str, str]] = []
    if headers_text is not None:
        for item in headers_text.split("&"):
            name, eq, value = item.partition("=")
            if not eq or not _abnf.hname_re.fullmatch(name) or not _abnf.hvalue_re.fullmatch(
                value
            ):
                raise ParseError(f"bad URI header {item!r} in {text!r}")
            headers.append((unescape(name, "URI header"), unescape(value, "URI header")))
    return SipURI(scheme, user, password, host, port, tuple(params), tuple(headers))
