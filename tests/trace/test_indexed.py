"""
Trace.indexed: the events of some types with their indexes, from one grouping
pass kept until the trace changes, equal to a scan with isinstance.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from harness.trace.events import (
    ConnEvent,
    DnsEvent,
    FaultEvent,
    NoteEvent,
    PacketEvent,
    SipEvent,
    Trace,
)

_CLASSES: list[tuple[type, ...]] = [
    (), (PacketEvent,), (SipEvent,), (ConnEvent,), (DnsEvent,), (NoteEvent,),
    (PacketEvent, SipEvent), (SipEvent, PacketEvent), (ConnEvent, PacketEvent),
    (PacketEvent, ConnEvent), (FaultEvent, NoteEvent, DnsEvent), (object,),
]


def _sample() -> Trace:
    trace = Trace()
    a, b = ("127.0.0.100", 5060), ("127.0.1.10", 5060)
    for n in range(5):
        trace.record(PacketEvent(n, "udp", a, b, b"x", "delivered"))
        trace.record(NoteEvent(n, "phone", f"note {n}"))
        if n % 2:
            trace.record(ConnEvent(n, "127.0.0.100", "open", "tcp", a, b))
        trace.record(SipEvent(n, "127.0.1.10", "in", "udp", b, a, None, b"x"))
    trace.record(FaultEvent(9.0, "primary", "silence"))
    return trace


def _scan(trace: Trace, classes: tuple[type, ...]) -> list[tuple[int, Any]]:
    return [(i, e) for i, e in enumerate(trace.events) if isinstance(e, classes)]


class IndexedTests(SynchronousTestCase):
    def test_like_a_scan(self) -> None:
        trace = _sample()
        for classes in _CLASSES:
            self.assertEqual(trace.indexed(*classes), _scan(trace, classes), classes)

    def test_one_grouping_pass(self) -> None:
        trace = _sample()
        trace.indexed(PacketEvent)
        grouped = trace._by_type
        self.assertIsNotNone(grouped)
        trace.indexed(SipEvent, PacketEvent)
        self.assertIs(trace._by_type, grouped)

    def test_subclass_counts(self) -> None:
        class Special(NoteEvent):
            pass

        trace = _sample()
        trace.record(Special(10.0, "phone", "special"))
        self.assertEqual(trace.indexed(NoteEvent), _scan(trace, (NoteEvent,)))
        self.assertEqual(trace.indexed(Special), _scan(trace, (Special,)))

    def test_growth_seen(self) -> None:
        trace = _sample()
        before = trace.indexed(FaultEvent)
        trace.record(FaultEvent(10.0, "primary", "restore"))
        after = trace.indexed(FaultEvent)
        self.assertEqual(len(after), len(before) + 1)
        self.assertEqual(after, _scan(trace, (FaultEvent,)))
