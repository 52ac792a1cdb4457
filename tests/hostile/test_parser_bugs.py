"""
Regression tests for parser and framing bugs found by the hostile-input work
(each failed before its fix in harness/sip/framing.py or message.py).
"""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from harness.sip.framing import StreamFramer
from harness.sip.message import ParseError, parse
from harness.testing import hostile

S = hostile.Sender("TCP", "192.0.2.66", 5062, "example.test")


class FramingFindings(SynchronousTestCase):
    def test_good_message_before_a_bad_one_in_one_read(self) -> None:
        """
        A complete, valid message followed in the same read by a malformed one:
        the valid one should be delivered before the stream is declared broken.
        """
        rng = random.Random(1)
        good = hostile.well_formed(S, rng)
        framer = StreamFramer()
        delivered = []
        try:
            delivered = framer.feed(good + b"GARBAGE\r\n\r\n")
        except ParseError as e:
            delivered = list(e.complete)
        self.assertEqual(len(delivered), 1)


    def test_bare_lf_message_on_a_stream(self) -> None:
        """parse() accepts bare-LF line ends; the stream framer never finds the end of one."""
        rng = random.Random(2)
        data = hostile.well_formed(S, rng).replace(b"\r\n", b"\n")
        self.assertEqual(parse(data).method, "OPTIONS")  # type: ignore[union-attr]
        self.assertEqual(len(StreamFramer().feed(data)), 1)



class MessageFindings(SynchronousTestCase):
    def test_truncated_datagram_at_a_line_end(self) -> None:
        """
        A REGISTER cut right after a header line (no empty line, no
        Content-Length) is not a whole message: RFC 3261 7 requires the empty
        line.  Accepting it turns a truncated "Expires: 0" de-registration
        into a registration, or a truncated REGISTER into a binding query.
        """
        rng = random.Random(3)
        full = hostile.well_formed(S, rng, "REGISTER",
                                   extra=["Contact: <sip:x@192.0.2.66>", "Expires: 0"])
        cut = full[: full.index(b"Contact:")]
        self.assertTrue(cut.endswith(b"\r\n"))
        with self.assertRaises(ParseError):
            parse(cut)

