"""
Hypothesis strategies for whole redundancy worlds: phone configuration, DNS
zone, network conditions and fault schedule, as one L{World}.

Why a world is a scenario: a failing example must become a fixture without
translation.  Every L{World} holds the scenario document (the TOML shape that
L{harness.scenario.scenario_from_dict} reads), the phone's provisioning file
text and the zone's master-file text; L{World.fixture_text} prints all three,
ready to commit under C{fixtures/}, and L{World.scenario} builds the very
L{Scenario} the property ran.

Shrinking: every choice below lists its simplest value first (one account,
UDP, the guide's defaults, no loss, one fault at time 0, short runs), so
Hypothesis shrinks a counterexample toward the smallest world that still
fails.

The strategies stay inside the guide's ranges (CFG-2); a configuration error
is never what a world tests (the config loader has its own tests).

Conventions the checkers rely on (L{harness.certify.facts}): the scenario's
C{[[servers]]} list server 1's targets in DNS order (the first is role
C{"primary"}), then the fallback server.  The zone is built so that every SRV
set and the domain's own A records name the primary first, whatever the
record order in the file, so the roles hold whichever resolution path the
phone takes.
"""

from __future__ import annotations

import hashlib
import multiprocessing.util
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from harness.dns.zone import Zone
from harness.scenario import Scenario, scenario_from_dict

__all__ = [
    "ADDRESSES",
    "DOMAIN",
    "AccountSpec",
    "SrvSet",
    "World",
    "ZoneSpec",
    "accounts",
    "calls",
    "dns_faults",
    "fault_schedules",
    "networks",
    "server_faults",
    "to_toml",
    "worlds",
    "zones",
]

#: The SIP domain of generated worlds (server 1 when DNS is used).
DOMAIN = "example.test"
#: Role -> address, as the testbed's defaults.
ADDRESSES = {"primary": "127.0.1.10", "secondary": "127.0.1.20", "fallback": "127.0.1.15"}
DNS_ADDRESS = "127.0.1.53"
#: Server 1 of a disabled-for-judging extra account: an address no harness server
#: uses, so an extra account's traffic never mixes with the judged account's.
EXTRA_BASE = "127.0.2."

_SERVICES = {"udp": "_sip._udp", "tcp": "_sip._tcp", "tls": "_sips._tcp"}
_NAPTR_SERVICE = {"udp": "SIP+D2U", "tcp": "SIP+D2T", "tls": "SIPS+D2T", "sctp": "SIP+D2S"}
_TTLS = (300, 60, 30, 3600, 5, 120)


# -- the zone ------------------------------------------------------------------------


@dataclass(frozen=True)
class SrvSet:
    """
    One SRV RRset (C{_sip._udp} ...): C{records} as C{(priority, weight, port,
    target label)} in file order, with one TTL.  C{target} labels are relative
    to the origin; C{"ghost"} names a target without an A record.
    """

    service: str
    records: tuple[tuple[int, int, int, str], ...]
    ttl: int = 300


@dataclass(frozen=True)
class ZoneSpec:
    """
    A generated zone for L{DOMAIN}: which hosts exist (in DNS order, primary
    first), their A records, the SRV sets, the NAPTR set and the domain's own
    A records.  L{text} renders it as a master file.

    @ivar hosts: roles with an A record, in DNS order (C{"primary"} first).
    @ivar naptr: C{(order, pref, flags, transport)} in file order; transport
        C{"sctp"} is an unsupported service the phone must skip (DNS-4).
    @ivar naptr_indirect: the domain's NAPTR set is one record with an empty
        flag pointing at C{naptr.<domain>}, which holds L{naptr} (DNS-5).
    @ivar domain_a: the domain itself has A records for the hosts (answer order
        = DNS order), for explicit ports and for lookups without SRV.
    """

    hosts: tuple[str, ...] = ("primary", "secondary")
    a_ttl: int = 300
    srv: tuple[SrvSet, ...] = ()
    srv_ttl: int = 300
    naptr: tuple[tuple[int, int, str, str], ...] = ()
    naptr_ttl: int = 300
    naptr_indirect: bool = False
    domain_a: bool = False
    domain_a_ttl: int = 300

    def text(self) -> str:
        """The master file (RFC 1035) for this zone."""
        lines = [
            f"; generated zone for {DOMAIN}",
            f"$ORIGIN {DOMAIN}.",
            "$TTL 300",
            "@ 86400 IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )",
            "@ 86400 IN NS ns1",
            f"ns1 86400 IN A {DNS_ADDRESS}",
        ]
        for role in self.hosts:
            lines.append(f"{role} {self.a_ttl} IN A {ADDRESSES[role]}")
        if self.domain_a:
            for role in self.hosts:
                lines.append(f"@ {self.domain_a_ttl} IN A {ADDRESSES[role]}")
        for s in self.srv:
            for prio, weight, port, target in s.records:
                lines.append(f"{s.service} {s.ttl} IN SRV {prio} {weight} {port} {target}")
        owner = "@"
        if self.naptr and self.naptr_indirect:
            lines.append(f'@ {self.naptr_ttl} IN NAPTR 10 10 "" "SIP+D2U" "" naptr')
            owner = "naptr"
        for order, pref, flags, transport in self.naptr:
            service = _NAPTR_SERVICE[transport]
            repl = _SERVICES.get(transport, "_sip._sctp")
            lines.append(
                f'{owner} {self.naptr_ttl} IN NAPTR {order} {pref} "{flags}" "{service}" "" {repl}'
            )
        return "\n".join(lines) + "\n"

    def zone(self) -> Zone:
        """The zone as the DNS server would load it."""
        return Zone.from_text(self.text(), DOMAIN)

    def addresses(self) -> frozenset[str]:
        """Every address an A record of this zone names."""
        return frozenset(ADDRESSES[r] for r in self.hosts)


@st.composite
def _srv_set(
    draw: st.DrawFn,
    service: str,
    hosts: Sequence[str],
    port: int,
    ghost: bool,
    priorities: st.SearchStrategy[int] | None = None,
) -> SrvSet:
    names = list(hosts)
    if ghost:
        pos = draw(st.integers(0, len(names)))
        names.insert(pos, "ghost")
    n = len(names)
    # Distinct (priority, weight) pairs, sorted into DNS order (lowest priority,
    # then highest weight first, DNS-7); the i-th pair is the i-th name's.
    pairs = draw(
        st.lists(
            st.tuples(
                priorities if priorities is not None else st.integers(0, 20),
                st.integers(0, 100),
            ),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    pairs.sort(key=lambda p: (p[0], -p[1]))
    in_order = [(p, w, port, name) for (p, w), name in zip(pairs, names, strict=True)]
    perm = draw(st.permutations(range(n)))
    records = tuple(in_order[i] for i in perm)
    ttl = draw(st.sampled_from(_TTLS))
    return SrvSet(service, records, ttl)


@st.composite
def zones(
    draw: st.DrawFn,
    hosts: st.SearchStrategy[int] | None = None,
    *,
    priorities: st.SearchStrategy[int] | None = None,
    with_naptr: st.SearchStrategy[bool] | None = None,
) -> ZoneSpec:
    """
    Zones for L{DOMAIN}: one or two hosts, SRV sets per transport (each may be
    missing, may hold a target without an A record), a NAPTR set (may be
    missing, may be indirect, may hold unsupported services), the domain's own
    A records (may be missing), and TTLs per RRset.  C{priorities} replaces
    the SRV priority strategy (C{st.just(0)}: every tie broken by weight);
    C{with_naptr} whether a NAPTR set exists.
    """
    k = draw(hosts if hosts is not None else st.sampled_from([2, 1]))
    roles = ("primary", "secondary")[:k]
    srv = []
    for transport in ("udp", "tcp", "tls"):
        if draw(st.booleans()):  # False (present) first: shrinks toward a full zone
            continue
        ghost = draw(st.booleans())
        port = 5061 if transport == "tls" else 5060
        srv.append(draw(_srv_set(_SERVICES[transport], roles, port, ghost, priorities)))
    naptr: list[tuple[int, int, str, str]] = []
    indirect = False
    if draw(with_naptr) if with_naptr is not None else not draw(st.booleans()):
        services = draw(
            st.lists(st.sampled_from(["udp", "tcp", "tls", "sctp"]), min_size=1, max_size=4,
                     unique=True)
        )
        keys = draw(
            st.lists(
                st.tuples(st.integers(0, 100), st.integers(0, 100)),
                min_size=len(services),
                max_size=len(services),
                unique=True,
            )
        )
        naptr = [(o, p, "s", t) for (o, p), t in zip(keys, services, strict=True)]
        indirect = draw(st.booleans())
    return ZoneSpec(
        hosts=roles,
        a_ttl=draw(st.sampled_from(_TTLS)),
        srv=tuple(srv),
        naptr=tuple(naptr),
        naptr_ttl=draw(st.sampled_from(_TTLS)),
        naptr_indirect=indirect,
        domain_a=draw(st.booleans()),
        domain_a_ttl=draw(st.sampled_from(_TTLS)),
    )


# -- the phone -------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    """
    One account's provisioning values (CFG-1 names).  C{server1} is L{DOMAIN}
    (DNS) or an IP literal; C{server2} the fallback address or C{""}.
    """

    index: int = 1
    server1: str = DOMAIN
    port1: int = 0
    server2: str = ""
    port2: int = 5060
    transport: int = 0
    naptr_build: int = 0
    expires: tuple[int, int] = (3600, 3600)
    retry_counts: tuple[int, int] = (3, 3)
    failback_mode: tuple[int, int] = (0, 0)
    failback_timeout: tuple[int, int] = (3600, 3600)
    register_on_enable: tuple[int, int] = (0, 0)
    redundancy_type: int = 0
    fallback_timeout: int = 120

    @property
    def user(self) -> str:
        return f"10{self.index:02d}"

    def lines(self) -> list[str]:
        i = self.index
        out = [
            f"##Account {i}",
            f"account.{i}.enable = 1",
            f"account.{i}.label = {self.user}",
            f"account.{i}.display_name = Phone {self.user}",
            f"account.{i}.auth_name = {self.user}",
            f"account.{i}.user_name = {self.user}",
            f"account.{i}.password = s3cret-{self.user}",
            f"account.{i}.transport = {self.transport}",
            f"account.{i}.naptr_build = {self.naptr_build}",
            f"account.{i}.fallback.redundancy_type = {self.redundancy_type}",
            f"account.{i}.fallback.timeout = {self.fallback_timeout}",
        ]
        servers = [(1, self.server1, self.port1), (2, self.server2, self.port2)]
        for y, address, port in servers:
            if not address:
                continue
            p = f"account.{i}.sip_server.{y}"
            out += [
                f"{p}.address = {address}",
                f"{p}.port = {port}",
                f"{p}.expires = {self.expires[y - 1]}",
                f"{p}.retry_counts = {self.retry_counts[y - 1]}",
                f"{p}.failback_mode = {self.failback_mode[y - 1]}",
                f"{p}.failback_timeout = {self.failback_timeout[y - 1]}",
                f"{p}.register_on_enable = {self.register_on_enable[y - 1]}",
            ]
        return out


def _simple_first(simple: Sequence[int], lo: int, hi: int) -> st.SearchStrategy[int]:
    """C{simple} values (first = the simplest), else anything in C{lo..hi}."""
    return st.one_of(st.sampled_from(list(simple)), st.integers(lo, hi))


retry_counts = _simple_first([3, 0, 1, 2], 0, 20)
expires_values = _simple_first([3600, 120, 60, 30, 300], 30, 7200)
failback_timeouts = st.one_of(
    st.sampled_from([3600, 0, 60, 90, 120]), st.integers(60, 65535)
)
fallback_timeouts = _simple_first([120, 30, 10, 60], 10, 600)


@st.composite
def accounts(
    draw: st.DrawFn,
    *,
    index: int = 1,
    server1: st.SearchStrategy[str] | None = None,
    transport: st.SearchStrategy[int] | None = None,
    failback_mode: st.SearchStrategy[int] | None = None,
    redundancy_type: st.SearchStrategy[int] | None = None,
    fallback: st.SearchStrategy[bool] | None = None,
    register_on_enable: st.SearchStrategy[int] | None = None,
    expires: st.SearchStrategy[int] | None = None,
) -> AccountSpec:
    """
    One account within the guide's ranges (CFG-2).  Each keyword replaces
    the strategy of that setting (to bias a search toward some worlds).
    """
    s1 = draw(server1 if server1 is not None else st.sampled_from([DOMAIN, ADDRESSES["primary"]]))
    tr = draw(transport if transport is not None else st.sampled_from([0, 3, 1, 2]))
    # An IP literal names the port the harness server listens on for the transport
    # (TLS on 5061): a TLS handshake sent to the plain SIP port 5060 tests a
    # misconfiguration no clause covers, and its random ClientHello bytes reach
    # the server's SIP framing, which makes the trace depend on OpenSSL's RNG.
    port1 = 0 if s1 == DOMAIN else (5061 if tr == 2 else 5060)
    if s1 == DOMAIN and draw(st.booleans()):
        port1 = 5061 if tr == 2 else 5060  # explicit port: A query only (DNS-3)
    has2 = draw(fallback if fallback is not None else st.booleans())
    modes = failback_mode if failback_mode is not None else st.integers(0, 3)
    roe = register_on_enable if register_on_enable is not None else st.integers(0, 1)
    exp = expires if expires is not None else expires_values
    return AccountSpec(
        index=index,
        server1=s1,
        port1=port1,
        server2=ADDRESSES["fallback"] if has2 else "",
        port2=5061 if tr == 2 else 5060,
        transport=tr,
        naptr_build=draw(st.integers(0, 1)),
        expires=(draw(exp), draw(exp)),
        retry_counts=(draw(retry_counts), draw(retry_counts)),
        failback_mode=(draw(modes), draw(st.integers(0, 3))),
        failback_timeout=(draw(failback_timeouts), draw(failback_timeouts)),
        register_on_enable=(draw(roe), draw(st.integers(0, 1))),
        redundancy_type=draw(
            redundancy_type if redundancy_type is not None else st.integers(0, 1)
        ),
        fallback_timeout=draw(fallback_timeouts),
    )


# -- network, calls, faults ---------------------------------------------------------------


@st.composite
def networks(draw: st.DrawFn, lossy: bool = True) -> dict[str, float]:
    """C{[network]}: latency, jitter, loss (no loss first)."""
    out: dict[str, float] = {}
    latency = draw(st.sampled_from([0.005, 0.0, 0.001, 0.02, 0.1]))
    if latency != 0.005:
        out["latency"] = latency
    jitter = draw(st.sampled_from([0.0, 0.001, 0.01]))
    if jitter:
        out["jitter"] = jitter
    if lossy:
        loss = draw(st.sampled_from([0.0, 0.01, 0.05, 0.2]))
        if loss:
            out["loss"] = loss
    return out


@st.composite
def calls(draw: st.DrawFn, duration: float, account: int = 1) -> list[dict[str, Any]]:
    """C{[[calls]]}: up to three calls at whole seconds (none first)."""
    n = draw(st.integers(0, 3))
    out = []
    for _ in range(n):
        c: dict[str, Any] = {
            "at": draw(st.integers(0, int(duration) - 1)),
            "to": f"sip:echo@{DOMAIN}",
            "duration": draw(st.sampled_from([5, 1, 10, 30])),
        }
        if draw(st.booleans()):
            c["reinvite"] = True
        if account != 1:
            c["account"] = account
        out.append(c)
    out.sort(key=lambda c: c["at"])
    return out


_METHODS = st.sampled_from([None, ["INVITE"], ["REGISTER"]])


@st.composite
def server_faults(
    draw: st.DrawFn, roles: Sequence[str], duration: float
) -> dict[str, Any]:
    """
    One C{[[faults]]} table for a SIP server: silence, stop, 503 (with or
    without Retry-After), another final response, delay, drop-first, flap,
    crash-mid; at a whole second, for a while (C{until}) or for good.
    """
    target = draw(st.sampled_from(list(roles)))
    action = draw(
        st.sampled_from(
            ["silence", "stop", "respond", "drop-first", "flap", "delay", "crash-mid"]
        )
    )
    at = draw(st.integers(0, int(duration) - 1))
    f: dict[str, Any] = {"at": at, "target": target, "action": action}
    if action in ("silence", "respond", "delay", "drop-first", "crash-mid"):
        methods = draw(_METHODS)
        if methods:
            f["methods"] = methods
    if action == "respond":
        code = draw(st.sampled_from([503, 500, 486, 403]))
        f["code"] = code
        if code == 503 and draw(st.booleans()):
            f["retry_after"] = draw(st.sampled_from([30, 120, 5, 600]))
    if action == "delay":
        f["seconds"] = draw(st.sampled_from([1, 5, 40]))
    if action == "drop-first":
        f["count"] = draw(st.integers(1, 5))
    if action == "flap":
        period = draw(st.sampled_from([60, 20, 120]))
        f["period"] = period
        if draw(st.booleans()):
            f["down"] = period // 4
    if action != "drop-first" and draw(st.booleans()):
        f["until"] = min(float(duration), at + draw(st.sampled_from([60, 10, 30, 120, 240])))
    return f


@st.composite
def dns_faults(draw: st.DrawFn, zone: ZoneSpec, duration: float) -> dict[str, Any]:
    """
    One C{[[faults]]} table for the DNS server: SERVFAIL, timeout (drop),
    NXDOMAIN, down, or a record change (TTL, a host moved, a set removed).
    """
    action = draw(
        st.sampled_from(["servfail", "drop", "nxdomain", "down", "set-ttl", "remove-record",
                         "set-record"])
    )
    at = draw(st.integers(0, int(duration) - 1))
    f: dict[str, Any] = {"at": at, "target": "dns", "action": action}
    names = [f"{h}.{DOMAIN}" for h in zone.hosts] + [DOMAIN] + [
        f"{s.service}.{DOMAIN}" for s in zone.srv
    ]
    if action in ("servfail", "drop", "nxdomain", "down"):
        if action == "nxdomain":
            f["name"] = draw(st.sampled_from(names))
        if draw(st.booleans()):
            f["until"] = min(float(duration), at + draw(st.sampled_from([60, 10, 30, 120])))
    elif action == "set-ttl":
        host = draw(st.sampled_from(list(zone.hosts)))
        f.update(name=f"{host}.{DOMAIN}", type="A", ttl=draw(st.sampled_from([5, 1, 600])))
    elif action == "remove-record":
        name = draw(st.sampled_from(names))
        f["name"] = name
        f["type"] = "A" if not name.startswith("_") else "SRV"
    else:  # set-record: move a host to the other host's address (or swap roles)
        host = draw(st.sampled_from(list(zone.hosts)))
        # server 1's hosts only: one moved to the fallback server's address would make
        # server 1 and server 2 one server, which the wire cannot tell apart (FBK-C1
        # judges each server group by its address; explore seed 13, issue 10)
        other = draw(st.sampled_from(sorted(
            a for r, a in ADDRESSES.items() if r != "fallback")))
        f.update(name=f"{host}.{DOMAIN}", type="A", value=[other],
                 ttl=draw(st.sampled_from([60, 5])))
    return f


@st.composite
def fault_schedules(
    draw: st.DrawFn,
    roles: Sequence[str],
    zone: ZoneSpec | None,
    duration: float,
    *,
    min_size: int = 1,
    max_size: int = 4,
    dns: bool = True,
) -> list[dict[str, Any]]:
    """
    A fault schedule: one to four faults (one first) on the servers and, when
    the world uses DNS, on the DNS server; sorted by time.
    """
    n = draw(st.integers(min_size, max_size))
    out = []
    for _ in range(n):
        if zone is not None and dns and draw(st.integers(0, 3)) == 3:
            out.append(draw(dns_faults(zone, duration)))
        else:
            out.append(draw(server_faults(roles, duration)))
    out.sort(key=lambda f: f["at"])
    return out


# -- worlds --------------------------------------------------------------------------------


#: this process's zone directory, with the process it belongs to (a forked
#: worker inherits its parent's and must make its own, L{_zone_dir})
_ZONE_DIR: tuple[int, Path] | None = None


def _zone_dir() -> Path:
    """
    This process's directory for generated worlds' zone files, made on first
    use and removed when the process exits.

    Why a finaliser of L{multiprocessing.util} and not L{atexit}: the judging
    pool's forked workers (L{harness.testing.worlds.judge}) each make their own
    directory and leave through C{os._exit}, which skips C{atexit}; the
    multiprocessing exit function runs in those workers too, and a finaliser
    runs only in the process that made it, so a worker forked after the parent
    made its directory never removes the parent's.  (Before: every judging
    worker left a directory of up to 8 MB in the temporary folder.)
    """
    global _ZONE_DIR
    pid = os.getpid()
    if _ZONE_DIR is None or _ZONE_DIR[0] != pid:
        path = Path(tempfile.mkdtemp(prefix="sip-harness-worlds-"))
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(str(path),),
                                      kwargs={"ignore_errors": True}, exitpriority=0)
        (path / "scenarios").mkdir()
        (path / "zones").mkdir()
        _ZONE_DIR = (pid, path)
    return _ZONE_DIR[1]


@dataclass(frozen=True)
class World:
    """
    A generated world: a scenario document plus the files it names.

    @ivar document: the scenario as the TOML document (C{phone.config} and
        C{dns.zone} name C{../phones/NAME.cfg} and C{../zones/NAME.zone}).
    @ivar phone_text: the provisioning file.
    @ivar zone: the zone (C{None}: server 1 is an IP literal, no DNS).
    @ivar subject: the judged account.
    @ivar extras: extra enabled accounts (server 1 at unused addresses).
    """

    document: dict[str, Any]
    phone_text: str
    zone: ZoneSpec | None
    subject: AccountSpec
    extras: tuple[AccountSpec, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # (pickled without the cache: its scenario names a zone file in this
        # process's temporary directory, gone when the process exits, L{_zone_dir})
        return {**self.__dict__, "_cache": {}}

    @property
    def name(self) -> str:
        return str(self.document["scenario"]["name"])

    @property
    def duration(self) -> float:
        return float(self.document["scenario"]["duration"])

    @property
    def faults(self) -> list[dict[str, Any]]:
        return list(self.document.get("faults", []))

    @property
    def network(self) -> dict[str, float]:
        return dict(self.document.get("network", {}))

    def roles(self) -> tuple[str, ...]:
        return tuple(s["role"] for s in self.document.get("servers", []))

    def with_document(self, **changes: Any) -> World:
        doc = {**self.document, **changes}
        return replace(self, document=doc, _cache={})

    def zone_text(self) -> str | None:
        return self.zone.text() if self.zone is not None else None

    def scenario(self) -> Scenario:
        """The L{Scenario} (the zone is written to a temporary directory once)."""
        sc = self._cache.get("scenario")
        if sc is None:
            base = _zone_dir()
            text = self.zone_text()
            if text is not None:
                digest = hashlib.sha256(text.encode()).hexdigest()[:16]
                path = base / "zones" / digest / f"{DOMAIN}.zone"
                path.parent.mkdir(exist_ok=True)
                if not path.exists():
                    tmp = path.with_suffix(f".{os.getpid()}.tmp")
                    tmp.write_text(text, "utf-8")
                    tmp.replace(path)
                doc = dict(self.document)
                doc["dns"] = {**doc["dns"], "zone": f"../zones/{digest}/{DOMAIN}.zone"}
            else:
                doc = self.document
            sc = scenario_from_dict(
                doc, where=f"<world {self.name}>", base=base / "scenarios",
                phone_text=self.phone_text,
            )
            self._cache["scenario"] = sc
        return sc

    def to_toml(self) -> str:
        """The scenario file, ready to commit as C{fixtures/scenarios/NAME.toml}."""
        return to_toml(self.document)

    def fixture_files(self) -> dict[str, str]:
        """The scenario, phone configuration and zone, by fixture path."""
        files = {
            f"fixtures/scenarios/{self.name}.toml": self.to_toml().rstrip() + "\n",
            f"fixtures/phones/{self.name}.cfg": self.phone_text.rstrip() + "\n",
        }
        text = self.zone_text()
        if text is not None:
            files[f"fixtures/zones/{self.name}/{DOMAIN}.zone"] = text.rstrip() + "\n"
        return files

    def fixture_text(self) -> str:
        """The scenario, phone configuration and zone, each under its fixture path."""
        return "".join(f"# ---- {path}\n{text}" for path, text in self.fixture_files().items())


@st.composite
def worlds(
    draw: st.DrawFn,
    *,
    account: st.SearchStrategy[AccountSpec] | None = None,
    zone: st.SearchStrategy[ZoneSpec] | None = None,
    faults: Any = None,
    network: st.SearchStrategy[dict[str, float]] | None = None,
    durations: st.SearchStrategy[int] | None = None,
    extra_accounts: bool = True,
    with_calls: bool = True,
    call_list: Any = None,
    seed: st.SearchStrategy[int] | None = None,
) -> World:
    """
    Whole worlds.  Keywords bias the search: C{account} (an L{accounts}
    strategy), C{zone} (a L{zones} strategy), C{faults} (a callable
    C{(roles, zone, duration) -> strategy of fault lists}), C{network},
    C{durations}, C{call_list} (a callable C{(duration, account) -> strategy of
    call lists}).
    """
    duration = draw(durations if durations is not None else st.sampled_from([120, 60, 300, 600]))
    index = draw(st.sampled_from([1, 2, 3, 4, 5, 6]))
    acct = draw(account if account is not None else accounts(index=index))
    acct = replace(acct, index=index)
    zspec: ZoneSpec | None = None
    if acct.server1 == DOMAIN:
        zspec = draw(zone if zone is not None else zones())
        roles = ["primary", "secondary"][: len(zspec.hosts)]
    else:
        roles = ["primary"]
    servers: list[dict[str, Any]] = [{"role": r, "address": ADDRESSES[r]} for r in roles]
    if acct.server2:
        servers.append({"role": "fallback", "address": ADDRESSES["fallback"], "features": "basic"})
    fault_roles = [s["role"] for s in servers]
    if faults is not None:
        schedule = draw(faults(fault_roles, zspec, duration))
    else:
        schedule = draw(fault_schedules(fault_roles, zspec, duration))
    extras: list[AccountSpec] = []
    if extra_accounts:
        free = [i for i in range(1, 7) if i != index]
        n_extra = draw(st.integers(0, 2))
        for i in free[:n_extra]:
            extras.append(
                AccountSpec(
                    index=i,
                    server1=f"{EXTRA_BASE}{i}",
                    port1=5060,
                    retry_counts=(draw(retry_counts), 3),
                    expires=(draw(expires_values), 3600),
                )
            )
    phone_lines = ["#!version:1.0.0.1", "# generated by harness.testing.strategies"]
    for a in sorted([acct, *extras], key=lambda a: a.index):
        phone_lines += a.lines()
    phone_text = "\n".join(phone_lines) + "\n"
    name_seed = draw(seed if seed is not None else st.just(1))
    doc: dict[str, Any] = {
        "scenario": {
            "name": "generated",
            "description": "generated by harness.testing.strategies",
            "duration": duration,
            "seed": name_seed,
        },
        "phone": {"config": "../phones/generated.cfg", "address": "127.0.0.100"},
    }
    if index != 1:
        doc["phone"]["account"] = index
    if zspec is not None:
        doc["dns"] = {"zone": f"../zones/generated/{DOMAIN}.zone"}
    doc["servers"] = servers
    net = draw(network if network is not None else networks())
    if net:
        doc["network"] = net
    if with_calls:
        cl = draw(call_list(duration, index) if call_list is not None else calls(duration, index))
        if cl:
            doc["calls"] = cl
    if schedule:
        doc["faults"] = schedule
    return World(doc, phone_text, zspec, acct, tuple(extras))


# -- TOML -------------------------------------------------------------------------------------


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _toml_key(k: str) -> str:
    if k.replace("_", "").replace("-", "").isalnum():
        return k
    return _toml_value(k)


def to_toml(doc: Mapping[str, Any]) -> str:
    """
    Write a scenario document (tables, arrays of tables, scalars, lists,
    inline tables) as TOML that C{tomllib} reads back equal.
    """
    out: list[str] = []
    for key, value in doc.items():
        if isinstance(value, Mapping):
            out.append(f"[{_toml_key(key)}]")
            for k, v in value.items():
                out.append(f"{_toml_key(k)} = {_toml_value(v)}")
            out.append("")
        elif isinstance(value, list) and value and all(isinstance(x, Mapping) for x in value):
            for item in value:
                out.append(f"[[{_toml_key(key)}]]")
                for k, v in item.items():
                    out.append(f"{_toml_key(k)} = {_toml_value(v)}")
                out.append("")
        else:
            out.insert(0, f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(out).rstrip() + "\n"
