"""
Ladder (sequence) diagrams of a trace: plain text for terminals and logs, SVG
and self-contained HTML for reports.

Why one row model (L{ladder_rows}) under three renderers: what a row *means*
(which events merge into one arrow, what was lost, what a fault looks like)
must not differ between the text a developer reads and the HTML a vendor
reads.  The renderers only draw.

Rows, in trace order:

  - one arrow per SIP message, sender to receiver, labelled C{REGISTER} or
    C{200 OK (REGISTER)}.  When both ends recorded the message, the pair is
    one arrow (the same pairing as the pcap writer: L{match_ins}); a message
    the simulated network did not deliver ends in C{x} (C{--x});
  - DNS queries and answers, likewise (a query the DNS server deliberately
    dropped is an answer that never left: C{--x});
  - undelivered packets that are no recorded message (a lost TCP SYN, TLS
    records) and failed connections (refused, timeout) as C{--x} arrows;
    resets and TLS failures as marks on the observer's column;
  - faults as a full-width line; notes as side comments.

Message text is hostile input (an external phone sends what it likes):
control characters are shown as C{\\xNN} in every row, and the SVG/HTML
renderers escape everything they emit.
"""

from __future__ import annotations

import html
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

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
from harness.trace.pcap import lost_udp_sends, match_ins

RowKind = Literal["message", "dns", "packet", "conn", "fault", "note"]


@dataclass(frozen=True)
class Column:
    """One host: its address and the label drawn over its lifeline."""

    address: str
    label: str


@dataclass(frozen=True)
class Row:
    """
    One line of the ladder.

    C{src}/C{dst} are column indexes (C{None} for full-width and side rows;
    a C{"note"} or C{"conn"} mark uses C{src} only).  C{indexes} are the
    trace event indexes the row stands for (both halves of a paired message),
    which is what a verdict's C{evidence} refers to.  All text is printable
    (control characters escaped) but not HTML-escaped.
    """

    kind: RowKind
    t: float
    indexes: tuple[int, ...]
    label: str
    src: int | None = None
    dst: int | None = None
    delivered: bool = True
    detail: str = ""
    raw: str = ""


@dataclass(frozen=True)
class Ladder:
    """The columns and rows every renderer draws."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...] = field(default=())


# -- text hygiene -----------------------------------------------------------


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """
    C{text} with control characters, C1 controls, lone surrogates and
    non-characters replaced by C{\\xNN}/C{\\uNNNN}: safe for a terminal and
    valid in XML.  C{keep_newlines} keeps C{\\n} and tabs and drops C{\\r}
    (for showing a whole message).
    """
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if keep_newlines and ch in "\n\t":
            out.append(ch)
        elif keep_newlines and ch == "\r":
            continue
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _first_line(raw: bytes) -> str:
    return raw.split(b"\r\n", 1)[0].split(b"\n", 1)[0][:120].decode("latin-1")


def sip_label(message: Any, raw: bytes = b"") -> str:
    """
    The short label of a SIP message: C{"REGISTER"} or C{"200 OK (REGISTER)"}.
    Duck-typed like L{harness.trace.events.summarise_sip}; falls back to the
    first line of C{raw} when the message was not parsed.
    """
    if message is None:
        if not raw.strip():
            return "(keep-alive)"
        return f"(unparsed) {_first_line(raw)}"
    method = getattr(message, "method", None)
    if method is not None:
        return str(method)
    cseq = ""
    try:
        cseq = f" ({message.cseq.method})"
    except Exception:
        pass
    return f"{getattr(message, 'status', '?')} {getattr(message, 'reason', '')}{cseq}"


def _sip_detail(event: SipEvent, src: Address, dst: Address) -> str:
    first = _first_line(event.raw) if event.raw else sip_label(event.message)
    return f"{first} [{event.transport} {src[0]}:{src[1]} -> {dst[0]}:{dst[1]}]"


def _is_dns_answer(event: DnsEvent) -> bool:
    if len(event.raw) >= 3:
        return bool(event.raw[2] & 0x80)  # the QR bit
    if event.answers or event.rcode != "NOERROR":
        return True
    return event.direction == "out" and event.local[1] == 53


def _dns_label(event: DnsEvent, answer: bool) -> str:
    if not answer:
        return f"DNS {event.qtype}? {event.qname}"
    if event.rcode == "TIMEOUT":
        return f"DNS (dropped) {event.qtype}? {event.qname}"
    if event.rcode != "NOERROR" or not event.answers:
        return f"DNS {event.rcode} {event.qtype} {event.qname}"
    first = event.answers[0].split(None, 2)
    rdata = first[2] if len(first) == 3 else event.answers[0]
    more = f" (+{len(event.answers) - 1})" if len(event.answers) > 1 else ""
    return f"DNS {event.qtype} {event.qname} = {rdata}{more}"


def _packet_label(event: PacketEvent) -> str:
    names = {"S": "SYN", "F": "FIN", "R": "RST"}
    if event.flags:
        flags = "+".join(names.get(f, f) for f in event.flags)
        return f"{event.proto.upper()} {flags} ({event.fate})"
    text = _first_line(event.payload)
    if event.payload[:1].isalpha() and (" SIP/2.0" in text or text.startswith("SIP/2.0 ")):
        return f"{text} ({event.fate})"
    return f"{event.proto} {len(event.payload)} bytes ({event.fate})"


# -- the row model ----------------------------------------------------------


def ladder_rows(events: Iterable[Event] | Trace, hosts: Mapping[str, str] | None = None) -> Ladder:
    """
    The ladder of C{events}: one column per host (those in C{hosts}, address →
    label, in its order, then every other address in order of appearance) and
    the rows described in the module docstring.
    """
    listed: list[Event] = list(events)
    columns: list[Column] = [Column(a, printable(label)) for a, label in (hosts or {}).items()]
    by_address: dict[str, int] = {c.address: i for i, c in enumerate(columns)}
    by_label: dict[str, int] = {c.label: i for i, c in enumerate(columns)}

    def col(address: str) -> int:
        if address not in by_address:
            by_address[address] = len(columns)
            columns.append(Column(address, printable(address)))
        return by_address[address]

    paired = match_ins(listed)  # in-index -> out-index
    partner = {out: inn for inn, out in paired.items()}

    # undelivered packets, to mark the messages they carried
    lost: dict[tuple[Any, ...], deque[int]] = defaultdict(deque)
    for index, event in enumerate(listed):
        if isinstance(event, PacketEvent) and event.fate != "delivered":
            lost[(event.proto, event.src, event.dst, event.payload)].append(index)
    consumed: set[int] = set()

    def undelivered(
        proto: str, src: Address, dst: Address, payloads: Sequence[bytes]
    ) -> int | None:
        for payload in payloads:
            queue = lost.get((proto, src, dst, payload))
            if queue:
                index = queue.popleft()
                consumed.add(index)
                return index
        return None

    # first pass: which message events were lost (so packets are not drawn twice)
    lost_by_event: dict[int, int] = {}
    # UDP: a lost datagram is the send it was recorded with (L{lost_udp_sends})
    for index, hit in lost_udp_sends(listed).items():
        lost_by_event[index] = hit
        consumed.add(hit)
    for index, event in enumerate(listed):
        if index in paired:
            continue
        if isinstance(event, SipEvent | DnsEvent) and event.direction == "out":
            if event.transport == "udp":
                continue  # (above)
            proto = "tcp"
            payloads = [event.raw]
            if isinstance(event, DnsEvent):
                payloads.append(len(event.raw).to_bytes(2, "big") + event.raw)
            if event.raw and index not in partner:
                found = undelivered(proto, event.local, event.remote, payloads)
                if found is not None:
                    lost_by_event[index] = found

    rows: list[Row] = []
    for index, event in enumerate(listed):
        if index in paired:
            continue
        if isinstance(event, SipEvent):
            src, dst = (
                (event.local, event.remote) if event.direction == "out"
                else (event.remote, event.local)
            )
            indexes: tuple[int, ...] = (index, partner[index]) if index in partner else (index,)
            fate = ""
            if index in lost_by_event:
                packet = listed[lost_by_event[index]]
                assert isinstance(packet, PacketEvent)
                fate = f" ({packet.fate})"
                indexes += (lost_by_event[index],)
            rows.append(
                Row(
                    "message",
                    event.t,
                    indexes,
                    printable(sip_label(event.message, event.raw)),
                    col(src[0]),
                    col(dst[0]),
                    delivered=index not in lost_by_event,
                    detail=printable(_sip_detail(event, src, dst) + fate),
                    raw=printable(event.raw.decode("latin-1"), keep_newlines=True),
                )
            )
        elif isinstance(event, DnsEvent):
            src, dst = (
                (event.local, event.remote) if event.direction == "out"
                else (event.remote, event.local)
            )
            answer = _is_dns_answer(event)
            dropped = answer and event.rcode == "TIMEOUT"
            indexes = (index, partner[index]) if index in partner else (index,)
            if index in lost_by_event:
                indexes += (lost_by_event[index],)
            ttls = ", ".join(f"{a} (ttl {t})" for a, t in zip(event.answers, event.ttls,
                                                             strict=False))
            rows.append(
                Row(
                    "dns",
                    event.t,
                    indexes,
                    printable(_dns_label(event, answer)),
                    col(src[0]),
                    col(dst[0]),
                    delivered=not dropped and index not in lost_by_event,
                    detail=printable(
                        f"{event.rcode if answer else 'query'} {event.qtype} {event.qname}"
                        f" [{event.transport} {src[0]}:{src[1]} -> {dst[0]}:{dst[1]}]"
                        + (f": {ttls}" if ttls else "")
                    ),
                )
            )
        elif isinstance(event, PacketEvent):
            if event.fate == "delivered" or index in consumed:
                continue
            rows.append(
                Row(
                    "packet",
                    event.t,
                    (index,),
                    printable(_packet_label(event)),
                    col(event.src[0]),
                    col(event.dst[0]),
                    delivered=False,
                    detail=printable(
                        f"{event.proto} {event.src[0]}:{event.src[1]} -> "
                        f"{event.dst[0]}:{event.dst[1]} {len(event.payload)} bytes {event.fate}"
                    ),
                )
            )
        elif isinstance(event, ConnEvent):
            if event.what not in ("refused", "timeout", "reset", "tls-fail"):
                continue
            label = f"{event.transport.upper()} {event.what}"
            detail = printable(
                f"{label} {event.local[0]}:{event.local[1]} -> "
                f"{event.remote[0]}:{event.remote[1]}"
                + (f": {event.detail}" if event.detail else "")
            )
            if event.what in ("refused", "timeout"):
                rows.append(Row("conn", event.t, (index,), printable(label),
                                col(event.local[0]), col(event.remote[0]),
                                delivered=False, detail=detail))
            else:
                rows.append(Row("conn", event.t, (index,),
                                printable(label + (f": {event.detail}" if event.detail else "")),
                                col(event.observer), None, detail=detail))
        elif isinstance(event, FaultEvent):
            text = f"FAULT {event.target}: {event.action}"
            if event.detail:
                text += f" ({event.detail})"
            rows.append(Row("fault", event.t, (index,), printable(text), detail=printable(text)))
        elif isinstance(event, NoteEvent):
            where = by_address.get(event.source, by_label.get(printable(event.source)))
            clause = f" {{{event.clause}}}" if event.clause else ""
            text = printable(f"[{event.source}]{clause} {event.text}")
            rows.append(Row("note", event.t, (index,), text, where, detail=text))
    return Ladder(tuple(columns), tuple(rows))


# -- text -------------------------------------------------------------------

_TIME_W = 10  # "  12.500s "
_MARGIN = 6


def _fmt_time(t: float) -> str:
    return f"{t:.3f}s".rjust(_TIME_W - 1) + " "


def text_ladder(
    events: Iterable[Event] | Trace,
    *,
    hosts: Mapping[str, str] | None = None,
    width: int = 120,
) -> str:
    """
    A plain-text ladder, one line per row, about C{width} characters wide
    (labels that do not fit between their two columns follow the diagram on
    the same line).  Undelivered messages end in C{x} instead of C{>}/C{<}.
    """
    ladder = ladder_rows(events, hosts)
    ncols = max(1, len(ladder.columns))
    labels = [len(r.label) for r in ladder.rows if r.kind in ("message", "dns", "packet", "conn")]
    want = max(labels, default=10) + 6
    room = (width - _TIME_W - 2 * _MARGIN) // max(1, ncols - 1)
    gap = max(12, min(want, room))
    centers = [_TIME_W + _MARGIN + i * gap for i in range(ncols)]
    diagram_w = centers[-1] + _MARGIN + 1

    def lanes() -> list[str]:
        line = [" "] * diagram_w
        for c in centers:
            line[c] = "|"
        return line

    out: list[str] = []
    header = [" "] * diagram_w
    for c, column in zip(centers, ladder.columns, strict=False):
        name = column.label[: gap - 2]
        start = max(0, c - len(name) // 2)
        header[start : start + len(name)] = list(name)
    out.append("".join(header).rstrip())
    out.append("".join(lanes()).rstrip())
    for row in ladder.rows:
        if row.kind == "fault":
            banner = f" {row.label} "
            fill = max(diagram_w - _TIME_W, len(banner) + 6)
            out.append(_fmt_time(row.t) + banner.center(fill, "="))
            continue
        line = lanes()
        trailer = ""
        if row.src is not None and row.dst is not None and row.src != row.dst:
            a, b = centers[row.src], centers[row.dst]
            lo, hi = min(a, b), max(a, b)
            span = list("-" * (hi - lo - 1))
            head = ">" if b > a else "<"
            if not row.delivered:
                head = "x"
            if b > a:
                span[-1] = head
            else:
                span[0] = head
            text = f" {row.label} "
            if len(text) <= len(span) - 4:
                start = (len(span) - len(text)) // 2
                span[start : start + len(text)] = list(text)
            else:
                trailer = row.label
            line[lo + 1 : hi] = span
        elif row.src is not None:
            line[centers[row.src]] = "*" if row.kind == "note" else "!"
            trailer = row.label if row.kind != "note" else ""
        if row.kind == "note":
            trailer = f"# {row.label}"
        text_line = _fmt_time(row.t)[:_TIME_W] + "".join(line)[_TIME_W:]
        out.append((text_line + ("  " + trailer if trailer else "")).rstrip())
    out.append("")
    legend = ", ".join(f"{c.label} = {printable(c.address)}" for c in ladder.columns)
    out.append(f"columns: {legend}")
    return "\n".join(out) + "\n"


# -- SVG / HTML -------------------------------------------------------------

_GAP = 180
_LEFT = 80
_TOP = 56
_ROW_H = 24
_NOTE_W = 420
_CHAR_W = 7.2

_STYLE = (
    ".lifeline{stroke:#999;stroke-width:1}"
    ".host{font:bold 13px sans-serif;text-anchor:middle}"
    ".addr{font:11px monospace;fill:#666;text-anchor:middle}"
    ".time{font:11px monospace;fill:#555;text-anchor:end}"
    ".label{font:12px monospace;text-anchor:middle}"
    ".arrow{stroke:#1f4e8c;stroke-width:1.4;fill:none}"
    ".lost{stroke-dasharray:4 3}"
    ".dns .arrow{stroke:#2e7d32}"
    ".note{font:italic 12px sans-serif;fill:#555}"
    ".mark{fill:#555}"
    ".fault rect.band{fill:#fff3e0;stroke:#e65100}"
    ".fault text{font:bold 12px sans-serif;fill:#e65100}"
    ".hl .arrow{stroke:#c00;stroke-width:2.4}"
    ".hl text{fill:#c00;font-weight:bold}"
    ".hl rect.bg{fill:#fde0e0}"
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _fit(text: str, pixels: float) -> str:
    limit = max(4, int(pixels / _CHAR_W))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def svg_ladder(
    events: Iterable[Event] | Trace,
    hosts: Mapping[str, str] | None = None,
    *,
    highlight: Iterable[int] = frozenset(),
) -> str:
    """
    The ladder as a standalone C{<svg>} element (inline styles, no external
    resources).  Rows standing for any event index in C{highlight} are drawn
    in red; every row carries a C{<title>} with its full detail (hover text).
    """
    return _svg(ladder_rows(events, hosts), frozenset(highlight))


def _svg(ladder: Ladder, highlight: frozenset[int]) -> str:
    ncols = max(1, len(ladder.columns))
    xs = [_LEFT + _GAP // 2 + i * _GAP for i in range(ncols)]
    right = xs[-1] + _GAP // 2
    width = right + _NOTE_W
    height = _TOP + _ROW_H * (len(ladder.rows) + 1)
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">',
        f"<style>{_STYLE}</style>",
        "<defs>"
        '<marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="context-stroke"/></marker>'
        "</defs>",
    ]
    for x, column in zip(xs, ladder.columns, strict=False):
        parts.append(
            f'<text class="host" x="{x}" y="18">{_e(_fit(column.label, _GAP - 10))}'
            f"<title>{_e(column.label)} = {_e(column.address)}</title></text>"
            f'<text class="addr" x="{x}" y="34">{_e(_fit(column.address, _GAP - 10))}</text>'
            f'<line class="lifeline" x1="{x}" y1="{_TOP - 14}" x2="{x}" y2="{height - 6}"/>'
        )
    for n, row in enumerate(ladder.rows):
        y = _TOP + _ROW_H * n + _ROW_H // 2
        classes = ["row", row.kind]
        if highlight.intersection(row.indexes):
            classes.append("hl")
        first = row.indexes[0]
        parts.append(
            f'<g class="{" ".join(classes)}" id="ev-{first}" '
            f'data-events="{" ".join(str(i) for i in row.indexes)}">'
            f"<title>{_e(f'#{first} {row.t:.3f}s {row.detail or row.label}')}</title>"
        )
        parts.append(
            f'<rect class="bg" x="0" y="{y - _ROW_H // 2}" width="{width}" height="{_ROW_H}" '
            'fill="none"/>'
        )
        parts.append(f'<text class="time" x="{_LEFT - 6}" y="{y + 4}">{row.t:.3f}s</text>')
        if row.kind == "fault":
            parts.append(
                f'<rect class="band" x="{_LEFT}" y="{y - 9}" width="{right - _LEFT}" '
                'height="18" rx="3"/>'
                f'<text x="{_LEFT + 8}" y="{y + 4}">{_e(row.label)}</text>'
            )
        elif row.src is not None and row.dst is not None and row.src != row.dst:
            x1, x2 = xs[row.src], xs[row.dst]
            cls = "arrow" if row.delivered else "arrow lost"
            if row.delivered:
                parts.append(
                    f'<line class="{cls}" x1="{x1}" y1="{y + 4}" x2="{x2}" y2="{y + 4}" '
                    'marker-end="url(#head)"/>'
                )
            else:
                xe = x1 + (x2 - x1) * 0.8
                parts.append(
                    f'<line class="{cls}" x1="{x1}" y1="{y + 4}" x2="{xe:.1f}" y2="{y + 4}"/>'
                    f'<path class="arrow" d="M{xe - 4:.1f},{y}l8,8m0,-8l-8,8"/>'
                )
            mid = (x1 + x2) / 2
            parts.append(
                f'<text class="label" x="{mid:.1f}" y="{y}">'
                f"{_e(_fit(row.label, abs(x2 - x1) - 8))}</text>"
            )
        else:
            if row.src is not None:
                parts.append(f'<circle class="mark" cx="{xs[row.src]}" cy="{y}" r="4"/>')
            parts.append(
                f'<text class="note" x="{right + 8}" y="{y + 4}">'
                f"{_e(_fit(row.label, _NOTE_W - 16))}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def html_ladder(
    events: Iterable[Event] | Trace,
    hosts: Mapping[str, str] | None = None,
    *,
    title: str = "SIP ladder",
    highlight: Iterable[int] = frozenset(),
) -> str:
    """
    A self-contained HTML page (no scripts, no external resources): the SVG
    ladder, then every row with its full detail and, for SIP messages, the
    whole message text.  Rows standing for an event in C{highlight} (e.g. a
    failed verdict's evidence) are red in both.
    """
    ladder = ladder_rows(events, hosts)
    marked = frozenset(highlight)
    items: list[str] = []
    for row in ladder.rows:
        hl = bool(marked.intersection(row.indexes))
        ids = ", ".join(f"#{i}" for i in row.indexes)
        summary = (
            f'<a href="#ev-{row.indexes[0]}">{_e(ids)}</a> {row.t:.3f}s '
            f"{_e(row.detail or row.label)}"
        )
        cls = ' class="hl"' if hl else ""
        if row.raw:
            items.append(
                f"<li{cls}><details><summary>{summary}</summary>"
                f"<pre>{_e(row.raw)}</pre></details></li>"
            )
        else:
            items.append(f"<li{cls}>{summary}</li>")
    safe_title = _e(printable(title))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{safe_title}</title>"
        "<style>body{font-family:sans-serif;margin:1em}"
        "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}"
        "li.hl,li.hl a{color:#c00;font-weight:bold}"
        "ol{font:12px monospace;list-style:none;padding-left:0}"
        ".ladder{overflow-x:auto}</style></head>\n<body>\n"
        f"<h1>{safe_title}</h1>\n"
        f'<div class="ladder">\n{_svg(ladder, marked)}\n</div>\n'
        f"<h2>Events</h2>\n<ol>\n" + "\n".join(items) + "\n</ol>\n</body></html>\n"
    )


__all__ = [
    "Column",
    "Ladder",
    "Row",
    "html_ladder",
    "ladder_rows",
    "printable",
    "sip_label",
    "svg_ladder",
    "text_ladder",
]
