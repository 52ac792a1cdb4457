"""
The testbed: build a world from a scenario, run it, return the trace.

Data flows one way (DESIGN.md): scenario -> testbed (network, DNS, servers,
phone, fault schedule) -> trace -> checkers -> verdicts.  The testbed is the
only place that knows how the parts fit; everything it builds takes the
reactor it is given, so the same code runs on the simulated network (virtual
time, deterministic) and on the wire (real sockets, wall clock).

Python use (tests)::

    bed = Testbed(load_scenario("fixtures/scenarios/register-failover-udp.toml"))
    bed.start()
    bed.run_until(60)
    bed.apply("primary", Fault("restore"))
    bed.run_until(bed.scenario.duration)
    verdicts = bed.judge()
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness._rng import LazyRandom
from harness.certify.facts import CallPlan, Facts, ServerInfo
from harness.certify.verdict import Verdict
from harness.dns.server import DnsServer
from harness.dns.zone import Zone
from harness.net.simulated import SimWorld
from harness.phone.defects import Defects
from harness.phone.phone import Phone
from harness.profile import Profile, get_profile
from harness.scenario import FaultSpec, Scenario
from harness.servers.faults import Fault, FaultScheduler
from harness.servers.location import LocationService
from harness.servers.server import SipServer
from harness.sip.locate import Locator, make_resolver
from harness.sip.transport import SipEndpoint
from harness.tls import load_ca
from harness.trace.events import FaultEvent, NoteEvent, Trace


@dataclass
class RunResult:
    """A finished run: what happened and how it was judged."""

    scenario: Scenario
    trace: Trace
    facts: Facts
    verdicts: list[Verdict]
    phone_errors: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return self.trace.sha256()

    @property
    def passed(self) -> bool:
        return all(v.status != "fail" for v in self.verdicts) and not self.phone_errors


class Testbed:
    """
    One scenario's world on the simulated network (or, given a C{network}
    object with C{host(address)}, on the wire).

    @param phone: C{"builtin"} (the golden phone, optionally with C{defects}),
        or C{None} for an external phone that the caller starts itself.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        phone: str | None = "builtin",
        defects: Defects | None = None,
        profile: Profile | None = None,
        network: Any = None,
        trace: Trace | None = None,
        clauses: tuple[str, ...] | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.profile = profile or get_profile(scenario.profile)
        self.trace = trace if trace is not None else Trace()
        self.rng = random.Random(self.seed)
        self.clauses = clauses
        net = scenario.network
        if network is None:
            self.world: SimWorld | None = SimWorld(
                self.seed,
                trace=self.trace,
                latency=net.latency,
                jitter=net.jitter,
                loss=net.loss,
            )
            self.network: Any = self.world
        else:
            self.world = None
            self.network = network
        self._clock = self.network.host(scenario.phone_address)
        self._t0 = self._clock.seconds()
        self.phone_kind = phone
        self.defects = defects or Defects()
        self.dns: DnsServer | None = None
        self.zone: Zone | None = None
        self.servers: dict[str, SipServer] = {}
        self.phone: Phone | None = None
        self.phone_endpoint: SipEndpoint | None = None
        self.scheduler: FaultScheduler | None = None
        self._started = False
        self._server_endpoints: list[SipEndpoint] = []
        #: the transactions L{stop} cut off (see L{_live_transactions})
        self._unfinished: list[Any] = []
        self._build()

    # -- building -----------------------------------------------------------------

    def _build(self) -> None:
        sc = self.scenario
        if sc.dns is not None:
            zones = []
            if sc.dns.zone is not None:
                self.zone = Zone.from_master_file(sc.dns.zone, glue=sc.dns.glue)
                zones.append(self.zone)
            self.dns = DnsServer(
                self.network.host(sc.dns.address),
                zones,
                self.trace,
                port=sc.dns.port,
                address=sc.dns.address,
            )
        locations: dict[str, LocationService] = {}
        for spec in sc.servers:
            host = self.network.host(spec.address)
            location = locations.get(spec.location)
            if location is None:
                location = locations[spec.location] = LocationService(host)
            transports = {t: (spec.tls_port if t == "tls" else spec.port) for t in spec.transports}
            self.servers[spec.role] = SipServer(
                host,
                self.trace,
                role=spec.role,
                address=spec.address,
                transports=transports,
                location=location,
                features=spec.features,
                credentials=dict(spec.credentials) or None,
                rng=LazyRandom(self.rng.getrandbits(64)),
                tls_cert_name=spec.cert or _default_cert(spec.role),
            )
        targets: dict[str, Any] = dict(self.servers)
        if self.dns is not None:
            targets["dns"] = self.dns
        self.scheduler = FaultScheduler(self._clock, self.trace, targets)
        if self.phone_kind == "builtin":
            self._build_phone()

    def _build_phone(self) -> None:
        sc = self.scenario
        host = self.network.host(sc.phone_address)
        endpoint = SipEndpoint(
            host,
            self.trace,
            sc.phone_address,
            rng=LazyRandom(self.rng.getrandbits(64)),
            trust_root=load_ca(),
            name="phone",
        )
        dns = (sc.dns.address, sc.dns.port) if sc.dns is not None else ("127.0.1.53", 53)
        resolver = make_resolver(host, dns)
        locator = Locator(
            resolver,
            host,
            self.profile,
            LazyRandom(self.rng.getrandbits(64)),
            **_locator_defects(self.defects),
        )
        self.phone_endpoint = endpoint
        self.phone = Phone(
            host,
            self.trace,
            endpoint,
            locator,
            sc.phone,
            self.profile,
            address=sc.phone_address,
            rng=LazyRandom(self.rng.getrandbits(64)),
            defects=self.defects,
            mwi=sc.mwi,
        )

    # -- running ----------------------------------------------------------------------

    def now(self) -> float:
        return float(self._clock.seconds()) - self._t0

    def start(self) -> None:
        """Start DNS, servers and the phone; schedule the scenario's faults and calls."""
        if self._started:
            return
        self._started = True
        self.trace.record(NoteEvent(self.now(), "testbed", f"scenario {self.scenario.name}"))
        if self.dns is not None:
            self.dns.start()
        for server in self.servers.values():
            server.start()
        for spec in self.scenario.faults:
            self._schedule_fault(spec)
        if self.phone is not None:
            assert self.phone_endpoint is not None
            for transport in ("udp", "tcp"):
                self.phone_endpoint.listen(transport, 5060)
            self.phone.start()
            for call in self.scenario.calls:
                self._clock.callLater(call.at, self._place_call, call)

    def _place_call(self, call: Any) -> None:
        assert self.phone is not None
        self.phone.call(
            call.to, account=call.account, duration=call.duration, reinvite=call.reinvite
        )

    def _schedule_fault(self, spec: FaultSpec) -> None:
        assert self.scheduler is not None
        fault = fault_from_spec(spec)
        if spec.on_request is not None:
            self.scheduler.on_request(spec.target, spec.on_request, fault)
        else:
            self.scheduler.at(spec.at or 0.0, spec.target, fault)

    def apply(self, target: str, fault: Fault) -> None:
        """Apply a fault now (Python API for tests)."""
        assert self.scheduler is not None
        self.scheduler.apply(target, fault)

    def run_until(self, t: float, predicate: Callable[[], bool] | None = None) -> None:
        """Run the simulated world to C{t} seconds after the start (or C{predicate})."""
        if not self._started:
            self.start()
        if self.world is None:
            raise RuntimeError(
                "run_until drives the simulated network; on the wire run the reactor"
            )
        self.world.run(until=self._t0 + t, predicate=predicate)

    def run(self) -> RunResult:
        """Run the scenario to its duration, stop everything, judge."""
        self.run_until(self.scenario.duration)
        self.stop()
        return self.result()

    def stop(self) -> None:
        if self.phone is not None:
            self.phone.stop()
        if self.phone_endpoint is not None:
            self._unfinished += _live_transactions(self.phone_endpoint.layer)
            self.phone_endpoint.close()
        for server in self.servers.values():
            if server.endpoint is not None:  # stop() lets go of it: see dispose()
                self._server_endpoints.append(server.endpoint)
                self._unfinished += _live_transactions(server.endpoint.layer)
            server.stop()
        if self.dns is not None:
            self.dns.stop()
        if self.scheduler is not None:
            self.scheduler.cancel()

    def dispose(self) -> None:
        """
        Take the finished world apart so that reference counting frees it at
        once; only for a caller that keeps nothing but the L{RunResult}
        (L{run_scenario}): the bed and everything it built are unusable after.

        Why: the objects of a world point at one another (server <-> call
        server, endpoint <-> transaction layer, phone <-> accounts <-> life
        cycle, as bound methods kept for callbacks), so a finished world is
        a web of reference cycles that only the cyclic garbage collector
        frees, and its collections cost about a tenth of a short scenario.
        Emptying the instance dictionaries of the objects at the knots of
        that web breaks every cycle it has without each class having to
        know how it is dropped.
        """
        if self.world is not None:
            self.world.dispose()
        knots: list[Any] = [self.scheduler, self.dns, self.phone, self.phone_endpoint]
        if self.dns is not None:
            knots.append(self.dns.factory)
        if self.phone is not None:
            knots.extend(self.phone.accounts)
            knots += (self.phone.locator, getattr(self.phone.locator, "resolver", None))
        for server in self.servers.values():
            knots += (server, server.proxy, server.registrar)
        for endpoint in (self.phone_endpoint, *self._server_endpoints):
            if endpoint is not None:
                knots += (endpoint, getattr(endpoint, "layer", None))
        knots += self._unfinished
        for obj in knots:
            if obj is not None:
                vars(obj).clear()
        self.servers = {}
        self._server_endpoints = []
        self._unfinished = []
        self.phone = self.phone_endpoint = self.dns = self.scheduler = None

    # -- judging ------------------------------------------------------------------------

    def facts(self) -> Facts:
        """
        What the judge may know besides the wire (L{Facts}).

        Why kept: the facts are a function of the scenario, the profile, the
        phone kind and the zone's records (their C{content} token), not of
        the seed, and they are frozen; every world of a scenario (a benchmark
        or an exploration runs hundreds) shares one object, so the look-ups
        it works out on first use (roles by address, targets) are worked out
        once too.  Measured: about 3 % of a 10 s REGISTER-failover scenario.
        """
        zone = self.zone
        key = (id(self.scenario), id(self.profile), self.phone_kind,
               id(zone.content) if zone is not None else None)
        known = _FACTS.get(key)
        if known is not None and known[0] is self.scenario and known[1] is self.profile and (
            zone is None or known[2] is zone.content
        ):
            return known[3]
        facts = self._make_facts()
        if len(_FACTS) >= 64:
            _FACTS.clear()
        _FACTS[key] = (self.scenario, self.profile, zone.content if zone else None, facts)
        return facts

    def _make_facts(self) -> Facts:
        sc = self.scenario
        servers = tuple(
            ServerInfo(
                role=spec.role,
                address=spec.address,
                ports=tuple(
                    (t, spec.tls_port if t == "tls" else spec.port) for t in spec.transports
                ),
            )
            for spec in sc.servers
        )
        servers += self._moved_targets(servers)
        return Facts(
            scenario=sc.name,
            account=sc.phone.account(sc.account),
            config_file=str(sc.phone_file) if sc.phone_file is not None else None,
            config_errors=sc.config_errors,
            config_expect_errors=sc.expect_config_errors,
            config_unknown_keys=sc.unknown_keys,
            profile=self.profile,
            servers=servers,
            dns=(sc.dns.address, sc.dns.port) if sc.dns is not None else None,
            phone=sc.phone_address if self.phone_kind is not None else None,
            duration=sc.duration,
            calls=tuple(CallPlan(c.at, c.to, c.duration, c.reinvite) for c in sc.calls),
            clauses=sc.clauses,
            zone_ttl=self._zone_ttl(),
            config_warnings=sc.phone.warnings,
            latency_tolerance=self._latency_tolerance(),
        )

    def _moved_targets(self, servers: tuple[ServerInfo, ...]) -> tuple[ServerInfo, ...]:
        """
        Addresses a DNS fault gives a name of server 1's domain where no harness
        server runs (a host moved to a dead address): targets of server 1 all the
        same (DNS-8), that nothing answers.  They listen on the primary's ports.
        """
        account = self.scenario.phone.account(self.scenario.account)
        dom = account.server(1).address.rstrip(".").lower()
        if not dom or account.server(1).is_ip:
            return ()
        known = {s.address for s in servers}
        ports = next((s.ports for s in servers if s.role != "fallback"), ())
        out: list[ServerInfo] = []
        for f in self.scenario.faults:
            name = str(f.param("name", "")).rstrip(".").lower()
            if (f.target != "dns" or f.action != "set-record" or f.param("type", "A") != "A"
                    or not (name == dom or name.endswith("." + dom))):
                continue
            for a in f.param("value", ()) or ():
                if a not in known:
                    known.add(a)
                    out.append(ServerInfo(role=f"moved-{a}", address=a, ports=ports))
        return tuple(out)

    def _latency_tolerance(self) -> float:
        """
        The timing slack for this network: a send the network dropped is dated when
        the phone sent it, a delivered one when the server saw it, and a response
        takes as long again: a round trip of latency plus jitter, on top of the
        default slack.
        """
        default = Facts.latency_tolerance
        net = self.scenario.network
        return max(default, default + 2 * (net.latency + net.jitter))

    def _zone_ttl(self) -> float | None:
        """
        The smallest TTL in the zone's NAPTR -> SRV -> A chain for server 1's
        name (the DNSTTL of FB-1, DNS-10), not in the whole zone: an unrelated
        record with a short TTL must not move the failback deadline.  Only the
        records the account's lookups can ask for count: NAPTR with transport
        3 and port 0 (DNS-2), the SRV names its transport or naptr_build asks
        for (DNS-6, DNS-T), and with an explicit port the A records alone.
        """
        if self.zone is None:
            return None
        sc = self.scenario
        acct = sc.phone.account(sc.account)
        domain = acct.server(1).address.lower().rstrip(".")
        if not domain or not self.zone.contains(domain):
            return None
        records = self.zone.entries
        ttls: list[int] = []
        seen: set[bytes] = set()

        def rrs(name: bytes, kind: str) -> list[Any]:
            return [r for r in records.get(name.lower(), []) if type(r).__name__ == kind]

        def visit_a(name: bytes) -> None:
            ttls.extend(r.ttl for r in rrs(name, "Record_A") if r.ttl is not None)

        def visit_srv(name: bytes) -> None:
            for r in rrs(name, "Record_SRV"):
                if r.ttl is not None:
                    ttls.append(r.ttl)
                visit_a(r.target.name)

        # Depth first, names in the order a recursive walk takes them, with a
        # stack rather than a recursive closure (a function <-> cell cycle
        # that only the cyclic GC frees).  The order of C{ttls} does not matter.
        root = domain.encode("ascii")
        explicit_port = acct.server(1).port != 0
        naptr = not explicit_port and acct.transport == 3
        stack: list[tuple[bytes, int]] = [(root, 0)] if naptr else []
        while stack:
            name, depth = stack.pop()
            if name in seen or depth > self.profile.naptr_max_depth:
                continue
            seen.add(name)
            deeper: list[tuple[bytes, int]] = []
            for r in rrs(name, "Record_NAPTR"):
                if r.ttl is not None:
                    ttls.append(r.ttl)
                replacement = r.replacement.name
                if r.flags.string.lower() == b"s":
                    visit_srv(replacement)
                elif not r.flags.string:
                    deeper.append((replacement, depth + 1))
            stack.extend(reversed(deeper))
        if not explicit_port:
            if naptr:
                prefixes = [b"_sip._udp."] if acct.naptr_build == 0 else [
                    b"_sip._tcp.", b"_sips._tcp."]
            else:
                prefixes = [[b"_sip._udp.", b"_sip._tcp.", b"_sips._tcp."][acct.transport]]
            for prefix in prefixes:
                visit_srv(prefix + root)
        visit_a(root)
        return float(min(ttls)) if ttls else None

    def judge(self) -> list[Verdict]:
        from harness.certify.checkers import judge

        return judge(self.trace, self.facts(), self.clauses)

    def result(self) -> RunResult:
        from harness.certify.checkers import judge

        errors = [f.getErrorMessage() for f in self.phone.errors] if self.phone else []
        facts = self.facts()  # once: the judge reads the same facts
        verdicts = judge(self.trace, facts, self.clauses)
        return RunResult(self.scenario, self.trace, facts, verdicts, errors)


def _live_transactions(layer: Any) -> list[Any]:
    """
    The transactions C{layer} still holds: a run cut off at its duration
    leaves some unfinished (a silenced server's, a UDP one waiting out Timer J),
    each a transaction <-> machine cycle until it ends (closing the layer ends
    no machine: L{harness.sip.transaction._release}), for L{Testbed.dispose}
    to break.
    """
    live: list[Any] = [*layer.clients.values(), *layer.servers.values()]
    for record in layer.completed.values():
        txn = record.txn()
        if txn is not None:
            live.append(txn)
    return live


def fault_from_spec(spec: FaultSpec) -> Fault:
    """
    The server-side L{Fault} for a scenario's C{[[faults]]} entry: a new
    object each call (a server tells faults apart by identity: flapping).

    Why kept: every world of a scenario converts and validates the same
    entries; a fault is a frozen value, so a validated one is copied for the
    same (hashable) entry instead.
    """
    try:
        known = _FAULTS.get(spec)
    except TypeError:  # a parameter value that cannot be hashed (a list)
        return _convert_fault(spec)
    if known is None:
        known = _convert_fault(spec)
        if len(_FAULTS) > 256:
            _FAULTS.clear()
        _FAULTS[spec] = known
    # copy.copy's result (a frozen dataclass without slots or copy hooks: a new
    # instance with the same attribute dictionary), without its machinery
    fault = object.__new__(Fault)
    fault.__dict__.update(known.__dict__)
    return fault


#: validated faults by scenario entry (see L{fault_from_spec})
_FAULTS: dict[FaultSpec, Fault] = {}

#: the facts of a world by (scenario, profile, phone kind, zone content) identities,
#: with those objects to tell a reused identity apart (see L{Testbed.facts})
_FACTS: dict[tuple[int, int, str | None, int | None], tuple[Any, Any, Any, Facts]] = {}


def _convert_fault(spec: FaultSpec) -> Fault:
    params = dict(spec.params)
    return Fault.from_dict({"action": spec.action, **params}, where=f"fault {spec.action}")


def _default_cert(role: str) -> str:
    return {
        "primary": "primary.example.test",
        "secondary": "secondary.example.test",
        "fallback": "fallback.example.test",
    }.get(role, "example.test")


def _locator_defects(defects: Defects) -> dict[str, Any]:
    """Locator-level deviations (DNS-4, DNS-7) of a defective phone."""
    out: dict[str, bool] = {}
    if "srv-weight-reversed" in defects:
        out["srv_weight_reversed"] = True
    if "ignores-naptr-order" in defects:
        out["naptr_answer_order"] = True
    return out


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    defects: Defects | None = None,
    profile: Profile | None = None,
    clauses: tuple[str, ...] | None = None,
) -> RunResult:
    """Build, run and judge one scenario on the simulated network."""
    bed = Testbed(scenario, seed=seed, defects=defects, profile=profile, clauses=clauses)
    world = bed.world
    assert world is not None
    with world.deterministic_dns():
        result = bed.run()
    bed.dispose()
    return result


__all__ = ["FaultEvent", "RunResult", "Testbed", "fault_from_spec", "run_scenario"]
