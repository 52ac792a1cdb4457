"""
The trace as JSON lines: the stable, documented machine-readable form.

Why a documented schema: scripts outside this project (CI dashboards, diffing
two runs, a vendor's own analysis) read these files; the fields below change
only by adding.  The encoder is L{harness.trace.events.event_to_json}; this
module writes and reads files of it.

Schema
======

UTF-8 text, one JSON object per line, keys sorted, no blank lines; events in
the order they were recorded (non-decreasing C{t}).  Every object has:

  - C{t} (number): seconds since the start of the run, rounded to 1 µs
    (virtual seconds on the simulated network);
  - C{kind} (string): one of C{"sip"}, C{"dns"}, C{"packet"}, C{"conn"},
    C{"fault"}, C{"note"}.

Addresses are C{[ip, port]} arrays.  Per kind:

C{"sip"} — a SIP message sent or received by a harness endpoint:
  - C{observer} (string): IP of the endpoint that recorded it;
  - C{direction}: C{"in"} (received; from C{remote} to C{local}) or C{"out"}
    (sent; from C{local} to C{remote});
  - C{transport}: C{"udp"}, C{"tcp"} or C{"tls"};
  - C{local}, C{remote}: addresses;
  - C{summary} (string): C{"REGISTER sip:example.test"}, C{"200 OK (REGISTER)"}
    or C{"(unparsed)"};
  - C{raw} (string): the message bytes decoded as latin-1 (encode with latin-1
    to get the exact bytes back; for TLS the plaintext).

C{"dns"} — a DNS query or answer at the harness DNS server or a resolver:
  - C{observer}, C{direction}, C{local}, C{remote} as for C{"sip"};
    C{transport}: C{"udp"} or C{"tcp"};
  - C{qname} (string), C{qtype} (string, e.g. C{"SRV"});
  - C{rcode} (string): C{"NOERROR"}, C{"NXDOMAIN"}, C{"SERVFAIL"}, C{"REFUSED"}
    or C{"TIMEOUT"} (a query the server deliberately dropped);
  - C{answers} (array of strings): one presentation-format record each
    (C{"_sip._udp.example.test SRV 0 1 5060 a.example.test"});
  - C{ttls} (array of integers): the TTL of each answer, same order.
  (The raw DNS bytes are not in the JSON form; the pcap has them.)

C{"packet"} — a datagram or segment the simulated network carried or refused:
  - C{proto}: C{"udp"} or C{"tcp"}; C{src}, C{dst}: addresses;
  - C{fate}: C{"delivered"}, C{"lost"}, C{"down"}, C{"closed"}, C{"toobig"};
  - C{flags} (string): for TCP a subset of C{"S"}, C{"F"}, C{"R"}; C{""} for data;
  - C{payload} (string): hex.

C{"conn"} — a connection-level fact:
  - C{observer}, C{transport}, C{local}, C{remote} as above;
  - C{what}: C{"connect"}, C{"accept"}, C{"refused"}, C{"timeout"},
    C{"reset"}, C{"close"}, C{"tls-ok"}, C{"tls-fail"};
  - C{detail} (string): why (e.g. the certificate error), may be C{""}.

C{"fault"} — a fault applied or lifted by the scheduler:
  - C{target} (string): a server role or C{"dns"}; C{action} (string), e.g.
    C{"silence"}, C{"restore"}; C{detail} (string).

C{"note"} — an annotation for people (never used to judge a phone):
  - C{source} (string), C{text} (string), C{clause} (string or null).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from harness.trace.events import Event, Trace, event_to_json

#: the fields every line has, and the extra fields per kind (the schema above)
COMMON_FIELDS = frozenset({"t", "kind"})
FIELDS: dict[str, frozenset[str]] = {
    "sip": frozenset(
        {"observer", "direction", "transport", "local", "remote", "summary", "raw"}
    ),
    "dns": frozenset(
        {"observer", "direction", "transport", "local", "remote", "qname", "qtype", "rcode",
         "answers", "ttls"}
    ),
    "packet": frozenset({"proto", "src", "dst", "fate", "flags", "payload"}),
    "conn": frozenset({"observer", "what", "transport", "local", "remote", "detail"}),
    "fault": frozenset({"target", "action", "detail"}),
    "note": frozenset({"source", "text", "clause"}),
}


def dumps(events: Trace | Iterable[Event]) -> str:
    """The JSON-lines text of C{events} (identical to L{Trace.to_jsonl})."""
    if isinstance(events, Trace):
        return events.to_jsonl()
    return "".join(
        json.dumps(event_to_json(e), sort_keys=True, separators=(",", ":")) + "\n"
        for e in events
    )


def dump(trace: Trace | Iterable[Event], fp: IO[str]) -> None:
    """Write C{trace} to the text file C{fp} (open it with C{encoding="utf-8"})."""
    fp.write(dumps(trace))


def load(fp: IO[str] | Iterable[str]) -> list[dict[str, Any]]:
    """
    Read a JSON-lines trace: one dict per event, in file order.  Blank lines
    are skipped; a line that is not a JSON object with C{t} and a known
    C{kind} raises C{ValueError} naming the line number.  Unknown extra
    fields are kept (the schema only grows).
    """
    out: list[dict[str, Any]] = []
    for number, line in enumerate(fp, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"line {number}: not JSON: {e.msg}") from None
        if not isinstance(obj, dict):
            raise ValueError(f"line {number}: not a JSON object")
        kind = obj.get("kind")
        if kind not in FIELDS:
            raise ValueError(f"line {number}: unknown kind {kind!r}")
        missing = (COMMON_FIELDS | FIELDS[kind]) - obj.keys()
        if missing:
            raise ValueError(f"line {number}: {kind} event lacks {', '.join(sorted(missing))}")
        out.append(obj)
    return out


__all__ = ["COMMON_FIELDS", "FIELDS", "dump", "dumps", "load"]
