"""
Tests for L{harness.trace.pcap}: the bytes are read back with C{struct}, and
decoded by tshark when it is installed.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass

from twisted.trial.unittest import SynchronousTestCase

from harness.trace.events import ConnEvent, DnsEvent, SipEvent, Trace
from harness.trace.pcap import EPOCH_BASE, checksum, duplicate_ins, mac_for, write_pcap
from tests.trace import samples


@dataclass
class Packet:
    ts: float
    src: str
    dst: str
    proto: int
    sport: int
    dport: int
    payload: bytes
    seq: int = 0
    ack: int = 0
    flags: int = 0


def _ip(b: bytes) -> str:
    return ".".join(str(x) for x in b)


def parse_pcap(test: SynchronousTestCase, data: bytes) -> list[Packet]:
    """Parse and check every header, length and checksum; return the packets."""
    magic, major, minor, zone, sigfigs, snaplen, link = struct.unpack_from("<IHHiIII", data)
    test.assertEqual((magic, major, minor, zone, sigfigs, link), (0xA1B2C3D4, 2, 4, 0, 0, 1))
    test.assertGreaterEqual(snaplen, 65535 + 14)
    offset = 24
    packets: list[Packet] = []
    while offset < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, offset)
        offset += 16
        test.assertEqual(incl, orig)
        test.assertLess(usec, 1_000_000)
        frame = data[offset : offset + incl]
        test.assertEqual(len(frame), incl)
        offset += incl
        dmac, smac, ethertype = frame[:6], frame[6:12], frame[12:14]
        test.assertEqual(ethertype, b"\x08\x00")
        ip = frame[14:]
        test.assertEqual(ip[0], 0x45)
        total = struct.unpack("!H", ip[2:4])[0]
        test.assertEqual(total, len(ip))
        test.assertEqual(checksum(ip[:20]), 0, "IPv4 header checksum")
        src, dst = _ip(ip[12:16]), _ip(ip[16:20])
        test.assertEqual(smac, mac_for(src))
        test.assertEqual(dmac, mac_for(dst))
        proto = ip[9]
        l4 = ip[20:]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
        test.assertEqual(checksum(pseudo + l4), 0, f"{proto} checksum")
        ts = sec - EPOCH_BASE + usec / 1e6
        if proto == 17:
            sport, dport, length, csum = struct.unpack("!HHHH", l4[:8])
            test.assertEqual(length, len(l4))
            test.assertNotEqual(csum, 0)
            packets.append(Packet(ts, src, dst, proto, sport, dport, l4[8:]))
        else:
            test.assertEqual(proto, 6)
            sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", l4[:14])
            test.assertEqual(off >> 4, 5)
            packets.append(Packet(ts, src, dst, proto, sport, dport, l4[20:], seq, ack, flags))
    return packets


def written(trace: Trace | list, **kw: object) -> tuple[int, bytes]:
    buf = io.BytesIO()
    count = write_pcap(trace, buf, **kw)  # type: ignore[arg-type]
    return count, buf.getvalue()


class WritePcapTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.trace = samples.build()
        self.count, self.data = written(self.trace)
        self.packets = parse_pcap(self, self.data)

    def test_lengths_and_checksums(self) -> None:
        """Every frame parses with consistent lengths and valid checksums."""
        self.assertEqual(len(self.packets), self.count)

    def test_deterministic(self) -> None:
        """The same trace gives the same bytes."""
        self.assertEqual(written(samples.build())[1], self.data)

    def test_timestamps(self) -> None:
        """Timestamps are the fixed epoch base plus t, to the microsecond."""
        self.assertEqual(self.packets[0].ts, 0.010)
        sec, usec = struct.unpack_from("<II", self.data, 24)
        self.assertEqual((sec, usec), (EPOCH_BASE, 10_000))

    def test_both_ends_recorded_written_once(self) -> None:
        """A message recorded as sent and as received appears once."""
        reg = next(e for e in self.trace.sip() if e.transport == "udp").raw
        self.assertEqual(sum(p.payload == reg for p in self.packets), 1)

    def test_in_only_written(self) -> None:
        """A message only the receiver recorded (external sender) appears, from the sender."""
        tls_in = next(e for e in self.trace.sip() if e.transport == "tls")
        data = [p for p in self.packets if p.dport == 5061 and p.payload]
        self.assertEqual([p.payload for p in data], [tls_in.raw])
        self.assertEqual((data[0].src, data[0].sport), tls_in.remote)

    def test_lost_message_written(self) -> None:
        """A message lost on the network still appears (captured at the sender)."""
        reg2 = self.trace.sip()[4]
        self.assertIn(b"z9hG4bK2", reg2.raw)
        self.assertEqual(sum(p.payload == reg2.raw for p in self.packets), 1)

    def test_tcp_stream(self) -> None:
        """
        TCP streams start with a handshake, carry consistent sequence numbers,
        split large messages, and reassemble to the recorded bytes.
        """
        pt = (samples.PHONE, 41000)
        conv = [p for p in self.packets if {(p.src, p.sport), (p.dst, p.dport)}
                == {pt, (samples.SECONDARY, 5060)}]
        self.assertEqual([p.flags for p in conv[:3]], [0x02, 0x12, 0x10])
        self.assertEqual(conv[1].ack, conv[0].seq + 1)
        next_seq = {(conv[0].src, conv[0].sport): conv[0].seq + 1,
                    (conv[1].src, conv[1].sport): conv[1].seq + 1}
        streams: dict[tuple[str, int], bytes] = {k: b"" for k in next_seq}
        for p in conv[2:]:
            key = (p.src, p.sport)
            other = next(k for k in next_seq if k != key)
            self.assertEqual(p.seq, next_seq[key])
            self.assertEqual(p.ack, next_seq[other])
            self.assertLessEqual(len(p.payload), 1460)
            next_seq[key] += len(p.payload) + (1 if p.flags & 0x01 else 0)
            streams[key] += p.payload
        sent = b"".join(e.raw for e in self.trace.sip([samples.PHONE])
                        if e.transport == "tcp" and e.direction == "out")
        self.assertEqual(streams[pt], sent)
        self.assertGreater(sum(1 for p in conv if p.payload), 3)  # INVITE was split
        self.assertEqual(conv[-3].flags & 0x01, 0x01)  # FIN at the recorded close

    def test_tcp_dns_length_prefix(self) -> None:
        """DNS over TCP carries the 2-byte length prefix."""
        q = next(e for e in self.trace.of(DnsEvent) if e.transport == "tcp")
        data = [p for p in self.packets if p.dport == samples.DNS_TCP_PORT and p.payload]
        self.assertEqual(data[0].payload, struct.pack("!H", len(q.raw)) + q.raw)

    def test_refused(self) -> None:
        """A refused connection is a SYN answered by RST."""
        syn = [p for p in self.packets if p.sport == 43000]
        rst = [p for p in self.packets if p.dport == 43000]
        self.assertEqual([p.flags for p in syn + rst], [0x02, 0x14])

    def test_redact(self) -> None:
        """C{redact} rewrites SIP payloads (and only those)."""
        count, data = written(self.trace, redact=lambda b: b.replace(b"1001", b"XXXX"))
        packets = parse_pcap(self, data)
        self.assertEqual(count, self.count)
        sip = b"".join(p.payload for p in packets if 5000 <= p.dport <= 5061
                       or 5000 <= p.sport <= 5061)
        self.assertNotIn(b"1001", sip)
        self.assertIn(b"XXXX", sip)

    def test_dropped_dns_answer_not_written(self) -> None:
        """An answer with rcode TIMEOUT (nothing sent) is not written."""
        q = DnsEvent(1.0, samples.DNS, "out", "udp", (samples.DNS, 53), (samples.PHONE, 1),
                     "x.test", "A", "TIMEOUT", raw=b"\x00" * 12)
        self.assertEqual(written([q])[0], 0)

    def test_non_ipv4(self) -> None:
        """An address that is not IPv4 is reported, not guessed."""
        e = SipEvent(0.0, "::1", "out", "udp", ("::1", 5060), ("::2", 5060), None, b"x")
        self.assertRaises(ValueError, written, [e])

    def test_retransmissions_pair_one_for_one(self) -> None:
        """Two identical sends and one receive: the extra receive is not a duplicate."""
        a, b = (samples.PHONE, 5060), (samples.PRIMARY, 5060)
        out = SipEvent(0.0, a[0], "out", "udp", a, b, None, b"OPTIONS x SIP/2.0\r\n\r\n")
        inn = SipEvent(0.1, b[0], "in", "udp", b, a, None, out.raw)
        self.assertEqual(duplicate_ins([out, inn, out, inn, inn]), {1, 3})

    def test_udp_conn_events_ignored(self) -> None:
        """Connection events on UDP do not make TCP packets."""
        e = ConnEvent(0.0, samples.PHONE, "close", "udp", (samples.PHONE, 1), (samples.DNS, 53))
        self.assertEqual(written([e])[0], 0)


class TsharkTests(SynchronousTestCase):
    """Wireshark's dissectors agree with the file (skipped without tshark)."""

    def setUp(self) -> None:
        if shutil.which("tshark") is None:
            raise self.skipTest("tshark is not installed")

    def tshark(self, *fields: str) -> list[list[str]]:
        fd, path = tempfile.mkstemp(suffix=".pcap")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "wb") as fp:
            write_pcap(samples.build(), fp)
        args = ["tshark", "-n", "-r", path,
                "-d", "tcp.port==5061,sip",
                "-d", f"tcp.port=={samples.DNS_TCP_PORT},dns",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                "-o", "tcp.check_checksum:TRUE",
                "-T", "fields"]
        for f in fields:
            args += ["-e", f]
        result = subprocess.run(args, capture_output=True, timeout=30, check=True,
                                env={**os.environ, "HOME": tempfile.gettempdir()})
        return [line.split("\t") for line in result.stdout.decode().splitlines()]

    def test_decodes_sip_and_dns(self) -> None:
        rows = self.tshark("sip.Method", "sip.Status-Code", "dns.qry.name")
        methods = [r[0] for r in rows if r[0]]
        statuses = [r[1] for r in rows if r[1]]
        names = [r[2] for r in rows if r[2]]
        self.assertEqual(
            methods, ["REGISTER", "REGISTER", "REGISTER", "INVITE", "REGISTER", "MESSAGE"]
        )
        self.assertEqual(statuses, ["401", "200", "200"])
        self.assertEqual(
            names,
            ["primary.example.test"] * 2 + ["secondary.example.test"] * 2,
        )

    def test_no_checksum_or_reassembly_complaints(self) -> None:
        rows = self.tshark("_ws.expert.message")
        problems = [r[0] for r in rows if "checksum" in r[0].lower()
                    or "malformed" in r[0].lower() or "previous segment" in r[0].lower()]
        self.assertEqual(problems, [])
