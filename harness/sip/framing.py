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

from harness.sip.message import DEFAULT_LIMITS, Limits, ParseError, Request, Response, parse

__all__ = ["StreamFramer", "parse_datagram"]

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
