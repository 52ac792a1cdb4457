"""
Hypothesis strategies for SIP values: URIs, Via, name-addr, whole messages.

Public so other parts (transactions, servers, checkers) can generate the
same well-formed messages the parser's round-trip properties use.  Every
value generated here can be written out and parsed back unchanged.
"""

from __future__ import annotations

from hypothesis import strategies as st

from harness.sip import _abnf
from harness.sip.message import (
    CSeq,
    Headers,
    NameAddr,
    Request,
    Response,
    Via,
)
from harness.sip.uri import SipURI

__all__ = [
    "headers_text",
    "hosts",
    "messages",
    "name_addrs",
    "requests",
    "responses",
    "sip_uris",
    "tokens",
    "vias",
]

_TOKEN_ALPHABET = "".join(sorted(_abnf.TOKEN_CHARS))
_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)

tokens = st.text(_TOKEN_ALPHABET, min_size=1, max_size=12)

# Printable text without controls or surrogates: what a header value may hold.
headers_text = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30
).map(lambda s: s.strip(" \t"))


@st.composite
def _hostname(draw: st.DrawFn) -> str:
    labels = draw(st.lists(_LABEL, min_size=0, max_size=3))
    top = draw(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6))
    return ".".join([*labels, top])


hosts = st.one_of(
    _hostname(),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)

_uri_text = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=10)


@st.composite
def sip_uris(draw: st.DrawFn) -> SipURI:
    user = draw(st.none() | _uri_text)
    password = draw(st.none() | st.text(max_size=5)) if user is not None else None
    if password is not None and any("\ud800" <= c <= "\udfff" for c in password):
        password = None
    params = draw(
        st.lists(st.tuples(_uri_text, st.none() | _uri_text), max_size=3)
    )
    headers = draw(st.lists(st.tuples(_uri_text, st.text(max_size=5)), max_size=2))
    headers = [(k, v) for k, v in headers if not any("\ud800" <= c <= "\udfff" for c in v)]
    return SipURI(
        scheme=draw(st.sampled_from(["sip", "sips"])),
        user=user,
        password=password,
        host=draw(hosts),
        port=draw(st.none() | st.integers(0, 65535)),
        params=tuple(params),
        headers=tuple(headers),
    )


_params = st.lists(st.tuples(tokens, st.none() | tokens), max_size=3).map(tuple)


@st.composite
def name_addrs(draw: st.DrawFn) -> NameAddr:
    display = draw(st.none() | headers_text)
    return NameAddr(display, draw(sip_uris()), draw(_params))


@st.composite
def vias(draw: st.DrawFn) -> Via:
    params: list[tuple[str, str | None]] = [("branch", "z9hG4bK" + draw(tokens))]
    if draw(st.booleans()):
        params.append(("rport", draw(st.none() | st.integers(0, 65535).map(str))))
    params += [p for p in draw(_params) if p[0].lower() not in ("branch", "rport")]
    return Via(
        draw(st.sampled_from(["UDP", "TCP", "TLS", "SCTP"])),
        draw(hosts),
        draw(st.none() | st.integers(0, 65535)),
        tuple(params),
    )


@st.composite
def _common_headers(draw: st.DrawFn, method: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = [
        ("Via", str(v)) for v in draw(st.lists(vias(), min_size=1, max_size=3))
    ]
    pairs.append(("From", str(draw(name_addrs()).with_tag(draw(tokens)))))
    pairs.append(("To", str(draw(name_addrs()))))
    pairs.append(("Call-ID", draw(tokens) + "@" + draw(hosts)))
    pairs.append(("CSeq", str(CSeq(draw(st.integers(0, 2**31 - 1)), method))))
    pairs.append(("Max-Forwards", str(draw(st.integers(0, 255)))))
    for na in draw(st.lists(name_addrs(), max_size=2)):
        pairs.append(("Contact", str(na)))
    for _ in range(draw(st.integers(0, 3))):
        pairs.append(("X-" + draw(tokens), draw(headers_text)))
    if draw(st.booleans()):
        pairs.append(("Allow", ", ".join(draw(st.lists(tokens, min_size=1, max_size=4)))))
    pairs = draw(st.permutations(pairs))
    return pairs


@st.composite
def requests(draw: st.DrawFn) -> Request:
    method = draw(st.sampled_from(["REGISTER", "INVITE", "ACK", "BYE", "OPTIONS"]) | tokens)
    uri = str(draw(sip_uris()))
    return Request(
        method, uri, Headers(draw(_common_headers(method))), draw(st.binary(max_size=40))
    )


@st.composite
def responses(draw: st.DrawFn) -> Response:
    method = draw(st.sampled_from(["REGISTER", "INVITE"]) | tokens)
    return Response(
        draw(st.integers(100, 699)),
        draw(headers_text),
        Headers(draw(_common_headers(method))),
        draw(st.binary(max_size=40)),
    )


messages = st.one_of(requests(), responses())
