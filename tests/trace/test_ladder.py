"""Tests for L{harness.trace.ladder}."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from twisted.trial.unittest import SynchronousTestCase

from harness.trace.events import ConnEvent, DnsEvent, PacketEvent, SipEvent, Trace
from harness.trace.ladder import html_ladder, ladder_rows, printable, svg_ladder, text_ladder
from tests.trace import samples


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


class LadderRowsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.trace = samples.build()
        self.ladder = ladder_rows(self.trace, samples.HOSTS)

    def test_columns_follow_hosts_then_appearance(self) -> None:
        """Columns are the given hosts in order; unknown addresses follow."""
        ladder = ladder_rows(self.trace, {samples.PRIMARY: "primary"})
        self.assertEqual(
            [c.address for c in ladder.columns],
            [samples.PRIMARY, samples.PHONE, samples.DNS, samples.SECONDARY, samples.FALLBACK],
        )
        self.assertEqual(ladder.columns[2].label, samples.DNS)

    def test_pair_is_one_row(self) -> None:
        """A message recorded at both ends is one row standing for both events."""
        regs = [r for r in self.ladder.rows if r.label == "REGISTER"]
        self.assertEqual(regs[0].indexes, (2, 3))
        self.assertEqual((regs[0].src, regs[0].dst), (0, 2))
        self.assertEqual(len(regs), 4)

    def test_lost_message(self) -> None:
        """The lost retransmission is undelivered and its packet is not a second row."""
        lost = [r for r in self.ladder.rows if not r.delivered and r.kind == "message"]
        self.assertEqual(len(lost), 1)
        self.assertEqual(lost[0].indexes, (8, 9))
        self.assertNotIn("packet", [r.kind for r in self.ladder.rows])

    def test_unmatched_packet_row(self) -> None:
        """An undelivered packet that is no recorded message gets its own row."""
        syn = PacketEvent(1.0, "tcp", (samples.PHONE, 1), (samples.PRIMARY, 5060), b"",
                          "down", "S")
        (row,) = ladder_rows([syn]).rows
        self.assertEqual((row.kind, row.label, row.delivered), ("packet", "TCP SYN (down)", False))

    def test_dns_rows(self) -> None:
        """DNS queries and answers are labelled as such, answer data included."""
        dns = [r.label for r in self.ladder.rows if r.kind == "dns"]
        self.assertEqual(dns[0], "DNS A? primary.example.test")
        self.assertEqual(dns[1], "DNS A primary.example.test = 127.0.1.10")

    def test_dropped_dns_query(self) -> None:
        """An answer the server deliberately did not send is drawn undelivered."""
        e = DnsEvent(1.0, samples.DNS, "out", "udp", (samples.DNS, 53), (samples.PHONE, 9),
                     "a.test", "SRV", "TIMEOUT")
        (row,) = ladder_rows([e]).rows
        self.assertFalse(row.delivered)
        self.assertIn("dropped", row.label)

    def test_control_characters_escaped(self) -> None:
        """Control characters never reach a row."""
        note = next(r for r in self.ladder.rows if r.kind == "note")
        self.assertNotIn("\x1b", note.label)
        self.assertIn("\\x1b", note.label)
        self.assertEqual(printable("a\rb\n\ud800", keep_newlines=True), "ab\n\\ud800")

    def test_unparsed_message(self) -> None:
        """An unparsed message is labelled from its first line; a keep-alive as such."""
        a, b = (samples.PHONE, 5060), (samples.PRIMARY, 5060)
        rows = ladder_rows([
            SipEvent(0.0, a[0], "out", "udp", a, b, None, b"GARBAGE x\r\n\r\n"),
            SipEvent(0.0, a[0], "out", "udp", a, b, None, b"\r\n\r\n"),
        ]).rows
        self.assertEqual([r.label for r in rows], ["(unparsed) GARBAGE x", "(keep-alive)"])


class TextLadderTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.text = text_ladder(samples.build(), hosts=samples.HOSTS)

    def test_header(self) -> None:
        """The first line names every column, left to right."""
        header = self.text.splitlines()[0]
        positions = [header.index(label) for label in samples.HOSTS.values()]
        self.assertEqual(positions, sorted(positions))

    def test_arrow_directions(self) -> None:
        """Requests point right (phone to server), responses left, with the time."""
        req = line_with(self.text, "REGISTER -")
        self.assertTrue(req.lstrip().startswith("0.100s"))
        self.assertRegex(req, r"\|-+ REGISTER -+>\|")
        resp = line_with(self.text, "401 Unauthorized (REGISTER)")
        self.assertRegex(resp, r"\|<-+ 401 Unauthorized \(REGISTER\) -+\|")

    def test_undelivered(self) -> None:
        """An undelivered message ends in x."""
        self.assertRegex(line_with(self.text, "1.500s"), r"REGISTER -+x\|")

    def test_fault_full_width(self) -> None:
        """A fault is a full-width line of = marks."""
        line = line_with(self.text, "FAULT primary: silence (all methods)")
        self.assertIn("=" * 20, line)
        self.assertNotIn("|", line)

    def test_note_side_comment(self) -> None:
        """A note is a side comment, marked on its source's column."""
        line = line_with(self.text, "# [phone]")
        self.assertIn("*", line)
        self.assertNotIn("\x1b", self.text)

    def test_long_label_trails(self) -> None:
        """A label too long for its span follows the diagram, uncut."""
        line = line_with(self.text, "DNS A secondary.example.test = 127.0.1.20")
        self.assertRegex(line, r"\|<-+\|")

    def test_legend(self) -> None:
        self.assertIn(f"phone = {samples.PHONE}", self.text)


class HtmlLadderTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.trace = samples.build()

    def test_svg_is_xml_and_escaped(self) -> None:
        """The SVG is well-formed XML and hostile text comes out escaped."""
        svg = svg_ladder(self.trace, samples.HOSTS)
        root = ET.fromstring(svg)
        self.assertTrue(root.tag.endswith("svg"))
        self.assertNotIn("<script", svg)
        self.assertIn("&lt;script&gt;", svg)
        self.assertNotIn("\x1b", svg)

    def test_html_escaped_and_self_contained(self) -> None:
        """The page escapes hostile text and title and loads nothing external."""
        page = html_ladder(self.trace, samples.HOSTS, title="<script>bad()</script>")
        self.assertNotIn("<script", page.lower())
        self.assertIn("&lt;script&gt;bad()&lt;/script&gt;", page)
        self.assertIn("&lt;script&gt;alert", page)  # the note and the MESSAGE body
        urls = re.findall(r"https?://[^\"' ]+", page)
        self.assertEqual(set(urls), {"http://www.w3.org/2000/svg"})
        self.assertNotRegex(page, r"\b(src|href)=\"(?!#)")
        svg = page[page.index("<svg") : page.index("</svg>") + 6]
        ET.fromstring(svg)

    def test_hostile_raw_message(self) -> None:
        """A message full of markup is shown as text in the event list."""
        evil = b"MESSAGE sip:x SIP/2.0\r\nX: </pre><img src=x onerror=alert(1)>\r\n\r\n"
        a, b = (samples.PHONE, 5060), (samples.PRIMARY, 5060)
        page = html_ladder([SipEvent(0.0, a[0], "out", "udp", a, b, None, evil)])
        self.assertNotIn("<img", page)
        self.assertIn("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;", page)

    def test_highlight(self) -> None:
        """Rows standing for a highlighted event index are marked red."""
        svg = svg_ladder(self.trace, samples.HOSTS, highlight={9})
        self.assertRegex(svg, r'<g class="row message hl" id="ev-8"')
        self.assertEqual(svg.count(" hl\""), 1)
        page = html_ladder(self.trace, samples.HOSTS, highlight={9})
        self.assertIn('<li class="hl">', page)

    def test_conn_rows(self) -> None:
        """Refused connections are undelivered arrows; TLS failures marks with their reason."""
        t = Trace()
        t.record(ConnEvent(0.0, samples.PHONE, "tls-fail", "tls", (samples.PHONE, 1),
                           (samples.PRIMARY, 5061), "certificate verify failed"))
        t.record(ConnEvent(0.1, samples.PHONE, "connect", "tcp", (samples.PHONE, 1),
                           (samples.PRIMARY, 5060)))
        (row,) = ladder_rows(t).rows
        self.assertEqual(row.label, "TLS tls-fail: certificate verify failed")
        self.assertIn("certificate verify failed", text_ladder(t))


class LostRetransmissionTests(SynchronousTestCase):
    """
    A UDP datagram lost at its send is that send's, not the first message
    with the same bytes (a server retransmitting a 2xx: the first copy
    delivered, a later copy lost).
    """

    P = (samples.PHONE, 5060)
    S = (samples.PRIMARY, 5060)

    def _rows(self, fates: tuple[str, str]) -> list[tuple[float, bool]]:
        ok = samples.response(200, "OK", "INVITE", "z9hG4bK9")
        msg = samples.Resp(200, "OK", samples.CSeq(1, "INVITE"))
        events: list[object] = []
        for t, fate in zip((1.0, 1.5), fates, strict=True):
            events.append(samples.sip(t, samples.PRIMARY, "out", "udp", self.S, self.P, msg, ok))
            events.append(PacketEvent(t, "udp", self.S, self.P, ok, fate=fate))
            if fate == "delivered":
                events.append(samples.sip(t + 0.01, samples.PHONE, "in", "udp", self.P, self.S,
                                          msg, ok))
        ladder = ladder_rows(events, samples.HOSTS)  # type: ignore[arg-type]
        self.assertNotIn("packet", [r.kind for r in ladder.rows])
        return [(r.t, r.delivered) for r in ladder.rows if r.kind == "message"]

    def test_later_copy_lost(self) -> None:
        """The first 200 delivered, its retransmission lost: the second arrow is dashed."""
        self.assertEqual(self._rows(("delivered", "lost")), [(1.0, True), (1.5, False)])

    def test_first_copy_lost(self) -> None:
        """The first 200 lost, its retransmission delivered: the first arrow is dashed."""
        self.assertEqual(self._rows(("lost", "delivered")), [(1.0, False), (1.5, True)])

    def test_dropped_at_arrival(self) -> None:
        """A copy that reached a host gone down is that copy's loss (the oldest in flight)."""
        ok = samples.response(200, "OK", "INVITE", "z9hG4bK9")
        msg = samples.Resp(200, "OK", samples.CSeq(1, "INVITE"))
        events = [
            samples.sip(1.0, samples.PRIMARY, "out", "udp", self.S, self.P, msg, ok),
            PacketEvent(1.0, "udp", self.S, self.P, ok),
            PacketEvent(1.01, "udp", self.S, self.P, ok, fate="down"),
            samples.sip(1.5, samples.PRIMARY, "out", "udp", self.S, self.P, msg, ok),
            PacketEvent(1.5, "udp", self.S, self.P, ok),
            samples.sip(1.51, samples.PHONE, "in", "udp", self.P, self.S, msg, ok),
        ]
        ladder = ladder_rows(events, samples.HOSTS)
        rows = [(r.t, r.delivered) for r in ladder.rows if r.kind != "fault"]
        self.assertEqual(rows, [(1.0, False), (1.5, True)])

    def test_packet_recorded_before_its_message(self) -> None:
        """A DNS answer's datagram is recorded before the answer: still that answer's."""
        a = samples.dns_answer("primary.example.test", 8, samples.PRIMARY)
        src, dst = (samples.DNS, 53), (samples.PHONE, 9)
        events = [
            PacketEvent(1.0, "udp", src, dst, a, fate="lost"),
            DnsEvent(1.0, samples.DNS, "out", "udp", src, dst, "primary.example.test", "A",
                     raw=a),
            PacketEvent(2.0, "udp", src, dst, a),
            DnsEvent(2.0, samples.DNS, "out", "udp", src, dst, "primary.example.test", "A",
                     raw=a),
            DnsEvent(2.01, samples.PHONE, "in", "udp", dst, src, "primary.example.test", "A",
                     raw=a),
        ]
        rows = [(r.kind, r.t, r.delivered) for r in ladder_rows(events).rows]
        self.assertEqual(rows, [("dns", 1.0, False), ("dns", 2.0, True)])
