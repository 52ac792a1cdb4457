"""
Hostile SIP input: RFC 4475-style torture messages, header bombs, garbage,
truncations and Content-Length lies, addressed to a server under test.

Why a public module: the same catalogue drives the hostile-input tests of the
fake servers and of the built-in phone (C{tests/hostile}), seeds the parser
fuzz corpus (L{harness.testing.fuzz}), and can be replayed against an
external SIP element (write each L{Torture.data} to a socket).  The messages
are written after RFC 4475 section 3.1 and the kinds of input the
Kamailio/OpenSIPS/PJSIP torture suites send, not copied from them.

Each L{Torture} says what a robust element must do with it:

 - C{"handle"}: valid but weird; it must be answered normally (any final
   response other than 400), never rejected as malformed;
 - C{"400"}: invalid, but its request line and Via can still be read, so the
   element must answer 400 (with a reason phrase saying why);
 - C{"drop"}: nothing to answer (no readable Via, garbage, a response): drop
   it on a datagram transport, close the connection on a stream.

Every message gets a fresh branch and Call-ID from the caller's RNG, and a
Via that routes the answer back to the sender (C{rport}).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Expect",
    "Sender",
    "Torture",
    "content_length_too_big",
    "content_length_too_small",
    "garbage",
    "header_bomb",
    "huge_header",
    "oversized",
    "torture_cases",
    "truncations",
    "well_formed",
]

Expect = Literal["handle", "400", "drop"]


@dataclass(frozen=True)
class Sender:
    """Who sends the hostile input (for the Via) and to whom (Request-URI host)."""

    transport: str  # "UDP", "TCP", "TLS"
    host: str
    port: int
    target: str  # the element under test: address or domain


@dataclass(frozen=True)
class Torture:
    """One hostile message and what a robust element must do with it."""

    name: str
    data: bytes
    expect: Expect
    why: str = ""


def _ids(rng: random.Random) -> tuple[str, str, str]:
    return (
        f"z9hG4bK{rng.getrandbits(64):016x}",
        f"{rng.getrandbits(96):024x}@hostile",
        f"{rng.getrandbits(32):08x}",
    )


def _join(lines: list[str], body: bytes = b"", *, length: int | None = None) -> bytes:
    cl = len(body) if length is None else length
    head = "\r\n".join([*lines, f"Content-Length: {cl}"])
    return head.encode("utf-8") + b"\r\n\r\n" + body


def well_formed(
    s: Sender, rng: random.Random, method: str = "OPTIONS", *, extra: list[str] | None = None,
    body: bytes = b"", length: int | None = None,
) -> bytes:
    """A plain, valid request from C{s} (the baseline every hostile case bends)."""
    branch, call_id, tag = _ids(rng)
    lines = [
        f"{method} sip:{s.target} SIP/2.0",
        f"Via: SIP/2.0/{s.transport} {s.host}:{s.port};rport;branch={branch}",
        "Max-Forwards: 70",
        f"From: <sip:hostile@{s.host}>;tag={tag}",
        f"To: <sip:hostile@{s.target}>",
        f"Call-ID: {call_id}",
        f"CSeq: 1 {method}",
        *(extra or []),
    ]
    return _join(lines, body, length=length)


def _via(s: Sender, branch: str) -> str:
    return f"SIP/2.0/{s.transport} {s.host}:{s.port};rport;branch={branch}"


def torture_cases(s: Sender, rng: random.Random) -> list[Torture]:
    """
    The catalogue: valid-but-weird messages (RFC 4475 3.1.1), invalid ones
    with a readable Via (3.1.2: answer 400) and unanswerable ones (drop).
    """
    out: list[Torture] = []

    def case(name: str, expect: Expect, text: str, why: str = "", body: str = "") -> None:
        branch, call_id, tag = _ids(rng)
        filled = (
            text.strip("\n")
            .replace("{VIA}", _via(s, branch))
            .replace("{CALLID}", call_id)
            .replace("{TAG}", tag)
            .replace("{T}", s.target)
            .replace("{H}", s.host)
            .replace("{CL}", str(len(body.encode())))
        )
        data = filled.replace("\n", "\r\n").encode("utf-8") + b"\r\n\r\n" + body.encode()
        out.append(Torture(name, data, expect, why))

    # -- 3.1.1: valid but weird: must be answered normally ------------------------
    case("tortuous-folding", "handle", """
OPTIONS sip:{T};unknownparam SIP/2.0
TO :
 sip:hostile@{T} ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\""       <sip:jdrosen@{H}>
  ;
  tag = {TAG}
MaX-fOrWaRdS: 0068
Call-ID: {CALLID}
Content-Length   : {CL}
cseq: 0009
  OPTIONS
Via  : {VIA}
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
""", "folding, blanks around colons, odd case, compact s, empty Subject")
    case("compact-forms", "handle", """
OPTIONS sip:{T} SIP/2.0
v: {VIA}
f: <sip:c@{H}>;tag={TAG}
t: sip:{T}
i: {CALLID}
CSeq: 7 OPTIONS
k: foo, bar
l: {CL}
""", "every header in compact form")
    case("unusual-tokens", "handle", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
To: "BEL:\\\\ DEL:\\\\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@{T}>
From: token1~` token2'+_ token3*%!.- <sip:mundane@{H}>;fromParam''~+*_!.-%="работа";tag={TAG}
Call-ID: intmeth.word%ZK-!.*_+'`~)(><:\\/"][?}{-{CALLID}
CSeq: 139122385 OPTIONS
Max-Forwards: 255
extensionHeader-!.%*+_`'~: \ufeff\u5927\u505c\u96fb
Content-Length: 0
""", "every token character, UTF-8 in quoted strings and header values")
    case("escaped-uris", "handle", """
OPTIONS sip:sips%3Auser%40example.com@{T} SIP/2.0
To: sip:%75se%72@{T}
From: <sip:I%20have%20spaces@{H}>;tag={TAG}
Max-Forwards: 87
Call-ID: {CALLID}
CSeq: 234234 OPTIONS
Via: {VIA}
C: application/sdp
Contact:
  <sip:cal%6Cer@{H};%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: 0
""", "%-escapes in user parts and URI parameters")
    case("escaped-nul", "handle", """
REGISTER sip:{T} SIP/2.0
To: sip:null-%00-null@{T}
From: sip:null-%00-null@{T};tag={TAG}
Max-Forwards: 70
Call-ID: {CALLID}
CSeq: 14398234 REGISTER
Via: {VIA}
Contact: <sip:%00@{H}>
Contact: <sip:%00%00@{H}>
L:0
""", "an escaped NUL in the user part (REGISTER)")
    case("long-values", "handle", "\n".join([
        "OPTIONS sip:{T} SIP/2.0",
        'To: "I have a user name of ' + "x" * 1000 + ' proportion" <sip:u@{T}:6000;p=' +
        "y" * 1000 + ">",
        "From: sip:" + "a" * 300 + "@{H};tag=" + "t" * 1000,
        "Call-ID: {CALLID}" + "c" * 1000,
        "CSeq: 1 OPTIONS",
        "Via: {VIA}",
        *(f"Via: SIP/2.0/TCP sip{i}.example.com;branch=z9hG4bK{i}" for i in range(40)),
        "Unknown-" + "h" * 1000 + "-Header: v" + "v" * 1000,
        "Content-Length: 0",
    ]), "1000-character tags, Call-ID and header name; 41 Vias")
    case("scalar-overflow-optional", "handle", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
Max-Forwards: 70
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 3 OPTIONS
Expires: 1
Timestamp: 99999999999999999999999999999999999999.9999
Unknown-Number: 1234567890123456789012345678901234567890
Content-Length: 0
""", "overlong numbers where nobody reads them")
    branch, call_id, tag = _ids(rng)
    out.append(Torture(
        "lf-only-line-ends",
        (
            f"OPTIONS sip:{s.target} SIP/2.0\nVia: {_via(s, branch)}\n"
            f"From: <sip:a@{s.host}>;tag={tag}\nTo: <sip:a@{s.target}>\n"
            f"Call-ID: {call_id}\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
        ).encode(),
        "handle",
        "bare LF line ends (RFC 3261 7.5 lets a receiver accept them)",
    ))
    case("leading-crlf", "handle", "\n\n" + """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""".strip("\n"), "CRLFs before the start line (keep-alive residue)")
    case("body-with-sdp", "handle", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Type: application/sdp
Content-Length: {CL}
""", "a body", body="v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n")
    case("unknown-method", "handle", """
NEWMETHOD sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 NEWMETHOD
Content-Length: 0
""", "an unknown method (405/501, not 400)")
    case("unknown-scheme-request-uri", "handle", """
OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "RFC 4475 3.3.1: answer 416, not 400")

    # -- 3.1.2: invalid, Via readable: 400 -------------------------------------------
    case("cl-larger-than-body", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 9999
""", "3.1.2.1 (datagram): Content-Length beyond the datagram")
    case("negative-cl", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: -999
""", "3.1.2.2: negative Content-Length")
    case("cseq-overflow", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 36893488147419103232 OPTIONS
Content-Length: 0
""", "3.1.2.3: CSeq beyond 2**31")
    case("cseq-method-mismatch", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 INVITE
Content-Length: 0
""", "3.1.2.11: CSeq method differs from the request method")
    case("unterminated-quote", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: "Bell, Alexander <sip:a.g.bell@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "3.1.2.4: unterminated quoted string in From")
    case("missing-call-id", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
CSeq: 1 OPTIONS
Content-Length: 0
""", "3.1.2.x: a required header is missing")
    case("conflicting-cl", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
Content-Length: 12
""", "3.1.2.16 (kind of): two different Content-Lengths")
    case("header-without-colon", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
This line has no colon
Content-Length: 0
""", "a header line without a colon")
    case("bad-from-uri", "400", """
OPTIONS sip:{T} SIP/2.0
Via: {VIA}
From: <sip:a@[not-an-ip>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "an unparseable From URI")
    branch, call_id, tag = _ids(rng)
    out.append(Torture(
        "non-utf8-header",
        (
            f"OPTIONS sip:{s.target} SIP/2.0\r\nVia: {_via(s, branch)}\r\n"
            f"From: <sip:a@{s.host}>;tag={tag}\r\nTo: <sip:a@{s.target}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nSubject: "
        ).encode()
        + b"\xff\xfe\xc3\x28"
        + b"\r\nContent-Length: 0\r\n\r\n",
        "400",
        "invalid UTF-8 in a header value",
    ))
    branch, call_id, tag = _ids(rng)
    out.append(Torture(
        "nul-in-header",
        (
            f"OPTIONS sip:{s.target} SIP/2.0\r\nVia: {_via(s, branch)}\r\n"
            f"From: <sip:a@{s.host}>;tag={tag}\r\nTo: <sip:a@{s.target}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nSubject: a\x00b\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode(),
        "400",
        "a raw NUL in a header value",
    ))

    # -- unanswerable: drop / close ---------------------------------------------------
    case("no-via", "drop", """
OPTIONS sip:{T} SIP/2.0
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "no Via: nowhere to send a response")
    case("bad-version", "drop", """
OPTIONS sip:{T} SIP/7.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "3.1.2.15: SIP/7.0 (the request line is unreadable as SIP/2.0; 505 not required)")
    case("spaces-in-request-uri", "drop", """
OPTIONS sip:user@{T}; lr = x SIP/2.0
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "3.1.2.6: spaces inside the Request-URI make the request line unreadable")
    case("unparseable-via", "drop", """
OPTIONS sip:{T} SIP/2.0
Via: SIP/2.0/UDP ;;;===;;
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "a Via with no host: cannot be answered")
    case("bad-response-line", "drop", """
SIP/2.0 2000 Way Too Good
Via: {VIA}
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "a response with a four-digit status: never answered")
    case("stray-response", "drop", """
SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKnotours
From: <sip:a@{H}>;tag={TAG}
To: <sip:a@{T}>
Call-ID: {CALLID}
CSeq: 1 OPTIONS
Content-Length: 0
""", "a well-formed response matching no transaction")
    return out


def header_bomb(s: Sender, rng: random.Random, n: int = 5000) -> bytes:
    """A request with C{n} extra headers (beyond L{Limits.max_headers})."""
    return well_formed(s, rng, extra=[f"X-Bomb-{i}: {i}" for i in range(n)])


def huge_header(s: Sender, rng: random.Random, size: int = 60_000) -> bytes:
    """A request with one header value of C{size} bytes (beyond C{max_header_len})."""
    return well_formed(s, rng, extra=["X-Huge: " + "A" * size])


def oversized(s: Sender, rng: random.Random, size: int = 70_000) -> bytes:
    """A request with a body that makes it larger than C{Limits.max_size}."""
    return well_formed(s, rng, body=b"x" * size)


def garbage(rng: random.Random, n: int = 512) -> bytes:
    """C{n} random bytes (never only CR/LF, which would be a keep-alive)."""
    data = bytes(rng.getrandbits(8) for _ in range(n))
    return b"\x00" + data[1:] if not data.strip(b"\r\n") else data


def truncations(message: bytes, step: int = 17) -> Iterator[bytes]:
    """Prefixes of C{message} cut every C{step} bytes inside the header section."""
    head_end = message.find(b"\r\n\r\n")
    for cut in range(1, head_end, step):
        yield message[:cut]


def content_length_too_big(s: Sender, rng: random.Random, declared: int = 5000) -> bytes:
    """A request whose C{Content-Length} promises more body than is ever sent (stream)."""
    return well_formed(s, rng, body=b"short body", length=declared)


def content_length_too_small(s: Sender, rng: random.Random) -> bytes:
    """
    A request whose C{Content-Length} (3) is shorter than the body sent with
    it: on a stream the rest of the body is read as the next message.
    """
    return well_formed(s, rng, body=b"v=0\r\nthis is not a SIP message\r\n", length=3)
