"""Stream and datagram framing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from harness.sip.framing import StreamFramer, parse_datagram
from harness.sip.message import Limits, ParseError, Request, Response, parse
from harness.testing.hypothesis_trial import show_notes
from harness.testing.strategies_sip import messages

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"
REGISTER = (FIXTURES / "register.sip").read_bytes()
INVITE = (FIXTURES / "invite.sip").read_bytes()


class StreamFramerTests(SynchronousTestCase):
    def test_split_across_reads(self) -> None:
        f = StreamFramer()
        out = []
        for i in range(len(INVITE)):
            out += f.feed(INVITE[i : i + 1])
        self.assertEqual(out, [parse(INVITE)])
        self.assertEqual(f.buffered, 0)

    def test_joined_in_one_read_with_keepalives(self) -> None:
        f = StreamFramer()
        out = f.feed(b"\r\n\r\n" + REGISTER + b"\r\n" + INVITE + b"\r\n\r\n" + REGISTER[:20])
        self.assertEqual(out, [parse(REGISTER), parse(INVITE)])
        self.assertEqual(f.feed(REGISTER[20:]), [parse(REGISTER)])

    def test_pipelined_read_leaves_only_the_unfinished_message(self) -> None:
        """
        Many messages in one read are cut at a moving offset; what stays
        buffered is exactly the unfinished one (keep-alives before it gone).
        """
        f = StreamFramer()
        tail = INVITE[:50]
        out = f.feed(REGISTER * 5 + b"\r\n" + INVITE + b"\r\n" + tail)
        self.assertEqual(out, [parse(REGISTER)] * 5 + [parse(INVITE)])
        self.assertEqual((f.buffered, bytes(f._buffer)), (len(tail), tail))
        self.assertEqual(f.feed(INVITE[50:] + b"\r\n"), [parse(INVITE)])
        self.assertEqual(f.buffered, 0)

    def test_limits_count_only_unconsumed_bytes(self) -> None:
        """The size limits apply to the message being cut, not to the read."""
        f = StreamFramer(Limits(max_size=len(REGISTER) + 100))
        partial = b"INVITE sip:a@b.com SIP/2.0\r\nX-Junk: " + b"a" * len(REGISTER)
        self.assertEqual(f.feed(REGISTER + partial), [parse(REGISTER)])
        self.assertEqual(f.buffered, len(partial))
        f = StreamFramer(Limits(max_size=len(REGISTER) + 100))
        self.assertEqual(f.feed(REGISTER + REGISTER), [parse(REGISTER)] * 2)

    def test_content_length_required(self) -> None:
        f = StreamFramer()
        e = self.assertRaises(ParseError, f.feed, REGISTER.replace(b"Content-Length: 0\r\n", b""))
        self.assertEqual(e.header, "Content-Length")

    def test_tls_hello_on_a_plain_port_fails_at_once_whatever_its_bytes(self) -> None:
        """
        A TLS ClientHello (record type 0x16) is refused on its first byte: its
        random part sometimes holds an empty line (bare LF), and the verdict
        must not depend on that (a phone using TLS towards a plain TCP port
        made runs of one world differ).
        """
        for hello in (b"\x16\x03\x01\x02\x00\x01", b"\x16\x03\x01\x02\x00\x01ab\n\ncd"):
            e = self.assertRaises(ParseError, StreamFramer().feed, hello)
            self.assertEqual(e.reason, "not a SIP start-line: begins with byte 0x16")

    def test_start_line_checked_after_keepalives_only(self) -> None:
        f = StreamFramer()
        self.assertEqual(f.feed(b"\r\n\r\n" + REGISTER[:1]), [])
        self.assertEqual(f.feed(REGISTER[1:]), [parse(REGISTER)])
        self.assertRaises(ParseError, f.feed, b"\x00")

    def test_compact_content_length(self) -> None:
        data = INVITE.replace(b"Content-Length:", b"l:")
        self.assertEqual(StreamFramer().feed(data), [parse(INVITE)])

    def test_failed_stream_stays_failed(self) -> None:
        f = StreamFramer()
        self.assertRaises(ParseError, f.feed, REGISTER.replace(b"Content-Length: 0", b"l: x"))
        self.assertRaises(ParseError, f.feed, REGISTER)

    def test_unbounded_headers_rejected(self) -> None:
        f = StreamFramer(Limits(max_size=1000))
        self.assertEqual(f.feed(b"INVITE sip:a@b.com SIP/2.0\r\n"), [])
        self.assertRaises(ParseError, f.feed, b"X-Junk: " + b"a" * 1000)

    def test_oversized_body_rejected_early(self) -> None:
        f = StreamFramer(Limits(max_size=1000))
        self.assertRaises(ParseError, f.feed, REGISTER.replace(b"Length: 0", b"Length: 5000"))

    @show_notes
    @given(st.lists(messages, min_size=1, max_size=3), st.data())
    def test_any_split_gives_same_messages(
        self, msgs: list[Request | Response], data: st.DataObject
    ) -> None:
        stream = b"".join(b"\r\n" * data.draw(st.integers(0, 2)) + m.to_bytes() for m in msgs)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
        f = StreamFramer()
        out = []
        prev = 0
        for cut in [*cuts, len(stream)]:
            out += f.feed(stream[prev:cut])
            prev = cut
        self.assertEqual(out, msgs)

    @show_notes
    @given(st.lists(st.binary(max_size=80), max_size=5))
    def test_arbitrary_bytes_only_parse_error(self, chunks: list[bytes]) -> None:
        f = StreamFramer(Limits(max_size=200))
        for chunk in chunks:
            try:
                f.feed(chunk)
            except ParseError:
                return


class DatagramTests(SynchronousTestCase):
    def test_keepalive(self) -> None:
        self.assertIsNone(parse_datagram(b"\r\n\r\n"))
        self.assertIsNone(parse_datagram(b"\r\n"))

    def test_message(self) -> None:
        self.assertEqual(parse_datagram(REGISTER), parse(REGISTER))

    def test_missing_content_length_is_rest(self) -> None:
        m = parse_datagram(REGISTER.replace(b"Content-Length: 0\r\n", b"") + b"xyz")
        assert m is not None
        self.assertEqual(m.body, b"xyz")


class ParseDatagramAgainTests(SynchronousTestCase):
    """L{framing.parse_datagram_again}: a retransmission is not parsed again."""

    def setUp(self) -> None:
        from harness.sip import framing

        framing._RECENT.clear()
        self.addCleanup(framing._RECENT.clear)

    def test_same_bytes_same_message(self) -> None:
        """Equal bytes (a new bytes object, as the network gives) give the first message."""
        from harness.sip.framing import parse_datagram_again

        first = parse_datagram_again(REGISTER)
        again = parse_datagram_again(bytes(bytearray(REGISTER)))
        self.assertIs(again, first)
        self.assertEqual(first, parse(REGISTER))

    def test_not_parsed_again(self) -> None:
        """The second copy does not reach the parser."""
        from harness.sip import framing

        framing.parse_datagram_again(INVITE)
        calls: list[bytes] = []
        self.patch(framing, "parse_datagram", lambda d, limits: calls.append(d))
        self.assertEqual(framing.parse_datagram_again(INVITE), parse(INVITE))
        self.assertEqual(calls, [])

    def test_errors_raise_every_time(self) -> None:
        from harness.sip.framing import parse_datagram_again

        bad = b"REGISTER sip:x SIP/2.0\r\n\r\n"
        self.assertRaises(ParseError, parse_datagram_again, bad)
        self.assertRaises(ParseError, parse_datagram_again, bad)

    def test_other_limits_not_shared(self) -> None:
        """A stricter parser is not given a message parsed under the default limits."""
        from harness.sip.framing import parse_datagram_again

        parse_datagram_again(REGISTER)
        self.assertRaises(ParseError, parse_datagram_again, REGISTER, Limits(max_size=10))

    def test_bounded(self) -> None:
        from harness.sip import framing

        for n in range(3 * framing._RECENT_MAX):
            data = REGISTER.replace(b"Max-Forwards: 70", b"Max-Forwards: %d" % n)
            framing.parse_datagram_again(data)
        self.assertEqual(len(framing._RECENT), framing._RECENT_MAX)

    def test_keepalive(self) -> None:
        from harness.sip.framing import parse_datagram_again

        self.assertIsNone(parse_datagram_again(b"\r\n\r\n"))


class RememberSentTests(SynchronousTestCase):
    """
    L{framing.remember_sent}: the receiver of a datagram the harness sent is
    given the sender's message, and only where parsing gives an equal one.
    """

    def setUp(self) -> None:
        from harness.sip import framing

        framing._RECENT.clear()
        self.addCleanup(framing._RECENT.clear)

    def test_sent_message_given_back(self) -> None:
        """The bytes as received (a new object) give the message sent, not a parse."""
        from harness.sip import framing

        sent = parse(REGISTER).with_headers(parse(REGISTER).headers.set("Expires", "60"))
        data = sent.to_bytes()
        framing.remember_sent(data, sent)
        self.patch(framing, "parse_datagram", lambda d, limits: self.fail("parsed"))
        self.assertIs(framing.parse_datagram_again(bytes(bytearray(data))), sent)
        self.assertEqual(sent, parse(data))

    def test_refused_by_parser_not_remembered(self) -> None:
        """A message the parser would refuse is left for the parser to refuse."""
        from harness.sip import framing

        m = parse(REGISTER)
        for bad in (
            m.with_headers(m.headers.set("CSeq", "1 INVITE")),  # CSeq method mismatch
            m.with_headers(m.headers.remove("Call-ID")),
            m.with_headers(m.headers.set("X-Long", "a" * 9000)),
        ):
            framing.remember_sent(bad.to_bytes(), bad)
            self.assertNotIn(bad.to_bytes(), framing._RECENT)
            self.assertRaises(ParseError, framing.parse_datagram_again, bad.to_bytes())

    @show_notes
    @given(messages)
    def test_same_as_parsing(self, sent: Request | Response) -> None:
        """Whatever is remembered for a message's bytes is what parsing them gives."""
        from harness.sip import framing

        framing._RECENT.clear()
        data = sent.to_bytes()
        framing.remember_sent(data, sent)
        try:
            parsed = parse(data)
        except ParseError:
            self.assertNotIn(data, framing._RECENT)
            return
        again = framing.parse_datagram_again(data)
        self.assertEqual(again, parsed)
        assert again is not None
        for name in ("cseq", "vias", "from_", "to", "call_id"):
            self.assertEqual(getattr(again, name), getattr(parsed, name))
