"""
The clause catalogue (C{spec/CLAUSES.md}) as data.

Why data and not prose only: the checkers, the scenario files, the reports and
C{sip-harness clauses} all name clauses by ID, and each must agree on which IDs
exist.  Keeping the catalogue here, in catalogue order, lets a typo in a
scenario or a C{--clause} option fail at once with close matches, and lets the
tests check the catalogue against C{CLAUSES.md} itself.

One ID is ours: CLAUSES.md lists the rule "transport 0/1/2 with port 0" under
DNS without a name; it is C{DNS-T} here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

__all__ = [
    "CLAUSES",
    "FAMILY_TITLES",
    "Clause",
    "by_id",
    "families",
    "format_catalogue",
    "in_family",
]


@dataclass(frozen=True, slots=True)
class Clause:
    """
    One clause: C{id} verbatim from CLAUSES.md, C{family} its prefix
    (C{"FB"} for C{FB-3Z}), a short C{title}, the clause C{text}, and the
    C{interpretation} the harness chose where the guide is silent (C{None} if
    the guide is explicit).
    """

    id: str
    family: str
    title: str
    text: str
    interpretation: str | None = None


#: Family prefix -> heading, in catalogue order.
FAMILY_TITLES: dict[str, str] = {
    "CFG": "configuration (account.X.*, X = 1..6)",
    "DNS": "locating the servers (RFC 3263 as the guide narrows it)",
    "RTX": "when a server counts as failed",
    "REG": "registration",
    "FO": "failover (server 1 is a domain resolving to primary and secondary)",
    "FB": "failback, per sip_server.Y.failback_mode of the server in use",
    "FBK": "fallback (server 2 is a second, less-featured server)",
    "TLS": "beyond the guide: TLS",
    "STORM": "beyond the guide: many phones",
}


def _c(id: str, title: str, text: str, interpretation: str | None = None) -> Clause:
    family = id.split("-", 1)[0]
    assert family in FAMILY_TITLES, id
    return Clause(id, family, title, " ".join(text.split()), interpretation)


CLAUSES: tuple[Clause, ...] = (
    # --- CFG ---------------------------------------------------------------
    _c(
        "CFG-1",
        "defaults",
        "enable 0, sip_server.Y.port 5060, expires 3600, retry_counts 3, transport 0 (UDP), "
        "naptr_build 0, fallback.redundancy_type 0 (concurrent), fallback.timeout 120, "
        "sip_server.Y.failback_mode 0 (newRequests), register_on_enable 0. The guide's table "
        "spells the key napt_r_build, its example naptr_build: both are accepted.",
        "The guide gives no default for sip_server.Y.failback_timeout; the harness uses 3600 s. "
        "A blank value leaves a setting at its default.",
    ),
    _c(
        "CFG-2",
        "ranges; a bad file is rejected whole",
        "Account index 1..6; enable, register_on_enable, naptr_build, redundancy_type 0/1; "
        "transport 0..3; port 1..65535 and 0 meaning 'ask DNS' (DNS-2); expires 30..2147483647; "
        "retry_counts 0..20; fallback.timeout 10..2147483647; failback_mode 0..3; "
        "failback_timeout 0 or 60..65535. A value out of range, a non-integer where an integer "
        "is due, or a duplicate key is a clear error naming file, line, key, value and the "
        "valid range, and nothing from that file is applied.",
        "naptr_build and napt_r_build for the same account are one key (a duplicate). "
        "A malformed line is an error too.",
    ),
    _c(
        "CFG-3",
        "unknown keys warn",
        "Unknown keys (a real provisioning file carries hundreds) are loaded with one warning "
        "each, never an error.",
    ),
    # --- DNS ---------------------------------------------------------------
    _c(
        "DNS-1",
        "IP address: no DNS",
        "SIP server given as an IP address: no DNS query; port 0 or absent -> 5060.",
    ),
    _c(
        "DNS-2",
        "NAPTR transport, port 0: NAPTR first",
        "transport 3 (DNS-NAPTR) and port 0: NAPTR query first.",
    ),
    _c(
        "DNS-3",
        "NAPTR transport, explicit port: A only",
        "transport 3 and an explicit port (not 0): A query only, with that port.",
    ),
    _c(
        "DNS-4",
        "NAPTR order",
        "Records with a supported service (SIP+D2U udp, SIP+D2T tcp, SIPS+D2T tls; others such "
        "as SIP+D2S skipped), lowest order first, then lowest pref.",
        "If a record's SRV set is empty, the next NAPTR record is tried.",
    ),
    _c(
        "DNS-5",
        "NAPTR flags",
        "Flag 's' -> SRV query on the replacement; empty flag -> NAPTR query again on the "
        "replacement (bounded depth, 4).",
    ),
    _c(
        "DNS-6",
        "no NAPTR: naptr_build",
        "naptr_build 0 -> SRV _sip._udp.<domain>; 1 -> _sip._tcp.<domain>, then "
        "_sips._tcp.<domain>.",
        "'TCP or TLS' read as _sip._tcp first, then _sips._tcp.",
    ),
    _c(
        "DNS-7",
        "SRV order",
        "Lowest priority first; equal priority -> higher weight first. Equal priority and "
        "weight: load shared.",
        "Deterministic weight order in profile yealink; profile rfc: RFC 2782 weighted random "
        "with the harness's seeded RNG. Load sharing: round-robin across resolutions (profile "
        "parameter).",
    ),
    _c(
        "DNS-8",
        "A query per SRV target",
        "An A query for each SRV target that is a name (a numeric target is used as is); "
        "several addresses are tried in answer order; SRV target '.' gives no target.",
    ),
    _c(
        "DNS-9",
        "no port found: 5060",
        "If no port is found through DNS, 5060 is used.",
        "Profile rfc: 5061 for TLS.",
    ),
    _c(
        "DNS-10",
        "TTL",
        "A resolution is reused until the smallest TTL in its chain expires; the next new "
        "request after that resolves again.",
    ),
    _c(
        "DNS-11",
        "DNS failure",
        "A DNS failure (timeout, SERVFAIL, NXDOMAIN, empty) counts as failure of that server; "
        "fallback (if configured) takes over; the lookup is retried later.",
    ),
    _c(
        "DNS-T",
        "transport 0/1/2: SRV then A, or A only",
        "Transport 0/1/2 with port 0: SRV for that transport (_sip._udp, _sip._tcp, "
        "_sips._tcp), then A; with an explicit port, A only (RFC 3263 section 4.2).",
        "Unnamed in CLAUSES.md; the ID DNS-T is the harness's.",
    ),
    # --- RTX ---------------------------------------------------------------
    _c(
        "RTX-1",
        "1 + retry_counts sends, then next target",
        "A server that does not answer gets the request 1 + retry_counts times (UDP: RFC 3261 "
        "Timer A intervals T1, 2*T1, 4*T1 ...), then the phone moves to the next target. "
        "retry_counts 0 -> a single send.",
        "Profile yealink: it moves on when the last retransmission's interval has passed "
        "unanswered; profile rfc: at Timer B/F (64*T1).",
    ),
    _c(
        "RTX-2",
        "TCP/TLS failure",
        "TCP/TLS: connection refused, reset or not established -> next target at once; a "
        "connected server that never answers fails after the same time RTX-1 would allow.",
    ),
    _c(
        "RTX-3",
        "503 and Retry-After",
        "A 503 -> next target at once; with Retry-After: N that server is skipped for N s. "
        "Other final responses (401/407 challenges, 403, 404, 486 ...) are not failures.",
    ),
    _c(
        "RTX-4",
        "new transaction per target",
        "Each attempt at a new target is a new client transaction (new Via branch); a REGISTER "
        "keeps its Call-ID and increments CSeq.",
    ),
    _c(
        "RTX-5",
        "retry after all targets failed",
        "When every target has failed, the phone retries after a retry interval, starting "
        "again from the top of the list.",
        "Retry interval is a profile parameter, default 30 s.",
    ),
    # --- REG ---------------------------------------------------------------
    _c(
        "REG-1",
        "enabled accounts register",
        "Every enabled account registers at start; a disabled one sends nothing.",
    ),
    _c(
        "REG-2",
        "expires and renewal",
        "REGISTER asks for expires; the phone renews before the granted expiry ends.",
        "Renewal at expires - min(60, expires/2); the checker accepts any renewal in the last "
        "half of the granted interval.",
    ),
    _c(
        "REG-3",
        "digest challenge answered once",
        "A 401/407 challenge is answered once with auth_name/password (digest, MD5 and "
        "SHA-256, qop=auth); a second challenge for the same credentials is a failure, not a "
        "loop.",
    ),
    # --- FO ----------------------------------------------------------------
    _c(
        "FO-1",
        "first REGISTER to the primary",
        "The first REGISTER goes to the primary (first target of DNS-*).",
    ),
    _c(
        "FO-2",
        "REGISTER failover",
        "Primary silent -> retries per RTX-1 -> REGISTER to the secondary -> 200 OK; the "
        "account is registered.",
    ),
    _c(
        "FO-3",
        "INVITE failover",
        "Primary silent -> INVITE retried -> INVITE to the secondary -> the call is set up "
        "(200, ACK) and torn down (BYE) through it.",
    ),
    _c(
        "FO-4",
        "dialogs stay",
        "In-dialog requests (ACK for 2xx, re-INVITE, BYE) go where the dialog was set up, "
        "whatever failback does meanwhile.",
    ),
    _c(
        "FO-5",
        "register_on_enable",
        "1 -> a REGISTER to the secondary has succeeded before any other request is sent "
        "there; 0 -> requests go to the secondary without registering there.",
    ),
    _c(
        "FO-6",
        "server 1 exhausted: fallback",
        "When every target of server 1 fails, the fallback rules (FBK-*) take over.",
    ),
    # --- FB ----------------------------------------------------------------
    _c(
        "FB-0",
        "failback newRequests: primary first",
        "Every new request (initial INVITE, REGISTER renewal, any out-of-dialog request) tries "
        "the primary first, whichever server was used last.",
    ),
    _c(
        "FB-1",
        "failback DNSTTL: primary after the TTL",
        "After failover, new requests stay on the current server until the DNS TTL of that "
        "server's resolution (DNS-10) expires; the first new request after that tries the "
        "primary.",
        "TTL = smallest TTL in the NAPTR/SRV/A chain (profile parameter).",
    ),
    _c(
        "FB-2",
        "failback registration: primary at renewal",
        "New requests stay on the current server; the next registration renewal goes to the "
        "primary.",
    ),
    _c(
        "FB-3",
        "failback duration: primary after failback_timeout",
        "New requests stay on the current server for failback_timeout s after failover; the "
        "first new request after that tries the primary.",
    ),
    _c(
        "FB-3Z",
        "duration 0: stay until failure",
        "failback_timeout 0 -> the primary is not tried again until the current server itself "
        "fails.",
    ),
    _c(
        "FB-OK",
        "stay on a recovered primary",
        "Once the primary answers again, the phone stays on it.",
    ),
    # --- FBK ---------------------------------------------------------------
    _c(
        "FBK-C1",
        "concurrent: both registered",
        "Concurrent (redundancy_type 0, default): the phone registers to the working server "
        "and the fallback server, and keeps both registrations refreshed.",
    ),
    _c(
        "FBK-C2",
        "concurrent: INVITE to fallback",
        "An INVITE goes to the working server; unanswered after retries -> INVITE to the "
        "fallback server; the call completes through it.",
    ),
    _c(
        "FBK-C3",
        "concurrent: back to working server",
        "While the working server is down the phone keeps sending REGISTER to it; once it "
        "answers, new INVITEs go to the working server again.",
    ),
    _c(
        "FBK-S1",
        "successive: working server only",
        "Successive (redundancy_type 1): only the working server gets REGISTER while it works.",
    ),
    _c(
        "FBK-S2",
        "successive: REGISTER fallback",
        "Working server silent -> REGISTER retried (RTX-1) -> REGISTER to the fallback server "
        "-> 200 OK.",
    ),
    _c(
        "FBK-S3",
        "successive: probe every fallback.timeout",
        "While on the fallback server, a REGISTER probe goes to the working server every "
        "fallback.timeout s.",
        "Tolerance is a profile parameter, default +-1 s in simulation.",
    ),
    _c(
        "FBK-S4",
        "successive: back on a probe answer",
        "When the working server answers a probe, the phone is registered there again and new "
        "requests go there.",
    ),
    _c(
        "FBK-F",
        "fallback lacks features",
        "The fallback server lacks features (e.g. MWI, shared lines): a request it rejects "
        "(405/489/501) never stops basic calling, and the phone does not fail over because of "
        "it.",
    ),
    # --- beyond the guide --------------------------------------------------
    _c(
        "TLS-1",
        "certificate checked, also after failover",
        "TLS to a server found through DNS checks the certificate against the SIP "
        "domain/target name (SNI and subjectAltName), also after failover; an untrusted or "
        "mismatched certificate fails that target (RTX-2), never silently accepted.",
    ),
    _c(
        "STORM-1",
        "no synchronized retry wave",
        "Many phones failing over at once spread their retries (no synchronized "
        "re-registration wave); reported as a figure, not a pass/fail, unless a profile sets a "
        "bound.",
    ),
)

_BY_ID: dict[str, Clause] = {c.id: c for c in CLAUSES}
assert len(_BY_ID) == len(CLAUSES), "duplicate clause ID"


def by_id(clause_id: str) -> Clause:
    """
    The clause with this exact ID.  An unknown ID raises C{ValueError} naming
    the closest known IDs, so a typo in a scenario or on the command line is
    caught with a useful message.
    """
    try:
        return _BY_ID[clause_id]
    except KeyError:
        pass
    upper = {i.upper(): i for i in _BY_ID}
    close = [upper[m] for m in difflib.get_close_matches(clause_id.upper(), upper, n=5, cutoff=0.5)]
    hint = f"; close matches: {', '.join(close)}" if close else ""
    raise ValueError(f"unknown clause ID {clause_id!r}{hint}")


def families() -> tuple[str, ...]:
    """The family prefixes (C{"CFG"}, C{"DNS"}, ...) in catalogue order."""
    return tuple(dict.fromkeys(c.family for c in CLAUSES))


def in_family(family: str) -> tuple[Clause, ...]:
    """The clauses of one family, in catalogue order (ValueError for an unknown family)."""
    if family not in FAMILY_TITLES:
        raise ValueError(f"unknown clause family {family!r} (valid: {', '.join(FAMILY_TITLES)})")
    return tuple(c for c in CLAUSES if c.family == family)


def format_catalogue() -> str:
    """
    The catalogue as C{sip-harness clauses} prints it: one line per clause
    (ID and title), grouped under a heading per family.  C{*} marks a clause
    with an interpretation of the harness's (the reports say which).
    """
    width = max(len(c.id) for c in CLAUSES)
    out: list[str] = []
    for family in families():
        if out:
            out.append("")
        out.append(f"{family}: {FAMILY_TITLES[family]}")
        for c in in_family(family):
            mark = " *" if c.interpretation else ""
            out.append(f"  {c.id:<{width}}  {c.title}{mark}")
    out += ["", "* the harness interprets where the guide is silent (Clause.interpretation)"]
    return "\n".join(out) + "\n"
