"""The trace: every observable thing that happened in a run, in time order."""

from harness.trace.events import (
    Address,
    ConnEvent,
    DnsEvent,
    Event,
    FaultEvent,
    NoteEvent,
    PacketEvent,
    SipEvent,
    Trace,
)

__all__ = [
    "Address",
    "ConnEvent",
    "DnsEvent",
    "Event",
    "FaultEvent",
    "NoteEvent",
    "PacketEvent",
    "SipEvent",
    "Trace",
]
