"""
DNS messages decoded once per distinct datagram.

Why: every phone asks the same few questions and gets the same few answers,
each datagram differing from the last only in its ID, and decoding with
C{twisted.names.dns.Message.fromStr} was the largest cost of handling one
(on the server: a query; on the phone's resolver: an answer).  What follows
the ID decides everything C{fromStr} decodes, so L{Decoded} keeps the
message of each such byte string and hands out copies carrying the ID of the
datagram at hand.  The records themselves are shared between copies: nothing
in the harness changes a decoded record.
"""

from __future__ import annotations

from twisted.names import dns

__all__ = ["Decoded", "with_id"]


def with_id(message: dns.Message, data: bytes) -> dns.Message:
    """
    A copy of C{message} (a new object with the same attributes, as
    C{copy.copy} makes, and its own section lists) carrying the ID in
    C{data}'s first two bytes.
    """
    copy = dns.Message.__new__(dns.Message)
    copy.__dict__.update(message.__dict__)
    copy.id = int.from_bytes(data[:2], "big")
    # its own section lists: a reader that changed one must not change the kept message
    copy.queries = list(message.queries)
    copy.answers = list(message.answers)
    copy.authority = list(message.authority)
    copy.additional = list(message.additional)
    return copy


class Decoded:
    """A bounded store of decoded messages by their bytes after the ID."""

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self.known: dict[bytes, dns.Message] = {}

    def get(self, data: bytes) -> dns.Message | None:
        """A copy of the message decoded from bytes like C{data}'s after the ID, if kept."""
        if len(data) <= 12:
            return None
        known = self.known.get(data[2:])
        return None if known is None else with_id(known, data)

    def keep(self, message: dns.Message, data: bytes) -> None:
        """Keep C{message}, decoded from C{data} (a copy: the caller keeps its own)."""
        if len(data) > 12 and data[2:] not in self.known:
            if len(self.known) >= self.limit:
                self.known.clear()
            self.known[data[2:]] = with_id(message, data)

    def decode(self, data: bytes) -> dns.Message | None:
        """
        The message in C{data}, decoded or copied from a kept one; C{None} if
        C{fromStr} raises C{EOFError} or C{ValueError} (what the stock
        protocol logs and drops).
        """
        found = self.get(data)
        if found is not None:
            return found
        message = dns.Message()
        try:
            message.fromStr(data)
        except (EOFError, ValueError):
            return None
        self.keep(message, data)
        return message
