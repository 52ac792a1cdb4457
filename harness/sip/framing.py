"""
Message framing (RFC 3261 section 18.3), sans-IO.

On a stream (TCP, TLS) a message ends C{Content-Length} bytes after the empty
line, so C{Content-Length} is required; reads may hold part of a message or
several.  CRLFs between messages are keep-alives (RFC 5626 3.5.1) and are
skipped.  A stream that breaks the rules cannot be resynchronised, so after a
L{ParseError} the framer refuses further input: the caller closes the
connection.

A datagram (UDP) is one message, or a CRLF keep-alive.
"""

from __future__ import annotations

import re

from harness.sip.message import (
    _BAD_VALUE_CHARS,
    _METHOD_RE,
    _REQUEST_URI_RE,
    DEFAULT_LIMITS,
    Limits,
    ParseError,
    Request,
    Response,
    parse,
)

__all__ = ["StreamFramer", "parse_datagram", "parse_datagram_again", "remember_sent"]

_CONTENT_LENGTH_RE = re.compile(rb"^(?:content-length|l)[ \t]*:([^\r\n]*)", re.I | re.M)

#: the bytes a start-line can begin with: a method is a token, a status line
#: begins "SIP/" (RFC 3261 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" /
#: "*" / "_" / "+" / "`" / "'" / "~"))
_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~")


class StreamFramer:
    """
    Cut a byte stream into SIP messages.

    Memory is bounded by C{limits.max_size}: a header section or a declared
    body that would exceed it is a L{ParseError}, raised as soon as it is
    known rather than after buffering it.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._buffer = bytearray()
        self._failed: ParseError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a whole message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Request | Response]:
        """Add C{data}; return every message now complete, in order."""
        if self._failed is not None:
            raise ParseError(f"stream already failed: {self._failed.reason}")
        out: list[Request | Response] = []
        try:
            return self._feed(data, out)
        except ParseError as e:
            self._failed = e
            self._buffer.clear()
            e.complete = tuple(out)
            raise

    def _feed(self, data: bytes, out: list[Request | Response]) -> list[Request | Response]:
        buf = self._buffer
        buf += data
        max_size = self.limits.max_size
        while True:
            # Keep-alives and stray line ends between messages.
            skip = 0
            n = len(buf)
            while skip < n and buf[skip] in (13, 10):
                skip += 1
            if skip:
                del buf[:skip]
            if not buf:
                return out
            if buf[0] not in _START:
                # Not SIP (a TLS ClientHello on a plain port begins 0x16): say so at
                # once rather than when, or whether, the bytes happen to hold an empty
                # line; a TLS hello is random, and the verdict must not be.
                raise ParseError(f"not a SIP start-line: begins with byte 0x{buf[0]:02x}")
            end = buf.find(b"\r\n\r\n")
            lf = buf.find(b"\n\n", 0, None if end < 0 else end)
            if lf >= 0:  # bare-LF line ends, which parse() accepts too
                end, head_end = lf, lf + 2
            elif end >= 0:
                head_end = end + 4
            else:
                if len(buf) > max_size:
                    raise ParseError(f"no end of headers within {max_size} bytes")
                return out
            matches = _CONTENT_LENGTH_RE.findall(bytes(buf[:end]))
            if not matches:
                raise ParseError(
                    "Content-Length is required on a stream", header="Content-Length"
                )
            values = {m.strip(b" \t") for m in matches}
            if len(values) != 1:
                raise ParseError("conflicting Content-Length headers", header="Content-Length")
            text = values.pop()
            if not text.isdigit() or len(text) > 10:
                raise ParseError(f"bad Content-Length {text!r}", header="Content-Length")
            total = head_end + int(text)
            if total > max_size:
                raise ParseError(f"message larger than {max_size} bytes")
            if len(buf) < total:
                return out
            raw = bytes(buf[:total])
            del buf[:total]
            out.append(parse(raw, self.limits))


def parse_datagram(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Request | Response | None:
    """
    One datagram: the message in it, or None for a keep-alive (only CR/LF).
    Bytes beyond C{Content-Length} are dropped; a missing C{Content-Length}
    means the rest of the datagram is the body.
    """
    if not data.strip(b"\r\n"):
        return None
    return parse(data, limits)


#: the last few datagrams L{parse_datagram_again} parsed (default limits), oldest first
_RECENT: dict[bytes, Request | Response] = {}
#: how many: a silent server's retransmissions arrive with little in between, and a
#: few entries cannot keep a large world's messages alive (the 10,000-phone bench)
_RECENT_MAX = 8


def parse_datagram_again(
    data: bytes, limits: Limits = DEFAULT_LIMITS
) -> Request | Response | None:
    """
    L{parse_datagram}, giving a datagram equal to one of the last few parsed
    the message parsed from it then.

    Why: a UDP retransmission is the same bytes again (a silent server gets
    each request 1 + retry_counts times), and parsing it was a large share of
    receiving it.  Messages are frozen values, so the message of the first
    copy is the message of every copy; a datagram that fails to parse is not
    remembered (it raises again), and only the default limits are.
    """
    if limits is not DEFAULT_LIMITS:
        return parse_datagram(data, limits)
    recent = _RECENT
    found = recent.get(data)
    if found is not None:
        return found
    message = parse_datagram(data, limits)
    if message is not None:
        if len(recent) >= _RECENT_MAX:
            del recent[next(iter(recent))]
        recent[data] = message
    return message


def remember_sent(data: bytes, message: Request | Response) -> None:
    """
    Let L{parse_datagram_again} give C{message} for C{data}, the bytes it was
    serialised to (C{message.to_bytes()}) to be sent in a datagram, if
    parsing them is sure to give an equal message.

    Why: on the simulated network the receiver of a datagram the harness
    sent parsed the bytes back into the message the sender had: three parses
    of a REGISTER failover scenario, about 5 % of its CPU time (the sender,
    L{harness.sip.transport}, calls this only where the receiver is in the
    same process).  Messages are frozen values, so the sender's
    message is the receiver's.  The trace keeps the bytes, as before.

    "Sure": the message is canonical by construction (L{Headers} holds
    canonical names and stripped, split values, and the body its
    C{Content-Length}), so its wire form parses back to equal fields unless
    the parser would refuse it.  What the parser checks is checked here the
    same way, conservatively (the limits against the whole header section;
    the start line as C{Request}/C{Response} check it; the fields every
    parse validates, through the same cached properties); anything that
    fails is left for L{parse} to judge, as before.
    """
    if data in _RECENT:  # (a retransmission: already known)
        return
    limits = DEFAULT_LIMITS
    if len(data) > limits.max_size or len(message.headers) > limits.max_headers:
        return
    if len(data) - len(message.body) > min(limits.max_line, limits.max_header_len):
        return
    try:
        if isinstance(message, Request):
            if not _METHOD_RE.fullmatch(message.method) or not _REQUEST_URI_RE.fullmatch(
                message.uri
            ):
                return
            if message.cseq.method != message.method:
                return
        else:
            reason = message.reason
            if (not 100 <= message.status <= 699 or _BAD_VALUE_CHARS.search(reason)
                    or reason != reason.strip(" \t")):
                return
        # the fields every parse validates, by the same parsers (raising as it would)
        _ = (message.cseq, message.vias, message.from_, message.to, message.call_id)
    except (ParseError, ValueError):
        return
    recent = _RECENT
    if len(recent) >= _RECENT_MAX:
        del recent[next(iter(recent))]
    recent[data] = message
