"""
A small declarative fault model for the fake servers, and its scheduler.

A L{Fault} is a frozen value: what goes wrong (C{action}) and its
parameters.  It is usable from Python (C{Fault("silence", methods=("INVITE",))})
and from scenario TOML tables (L{Fault.from_dict}).  Applying one to a server
is the server's job (L{harness.servers.server.SipServer.apply_fault}); when
and where is the L{FaultScheduler}'s.  Every application and lifting is a
L{FaultEvent} in the trace: faults reach the checkers only that way.

SIP server actions (target = a server's role):

 - C{silence}: receive, never answer (retransmissions are absorbed by the
   transaction layer: the phone sees no answer at all).  With C{methods},
   only those methods.
 - C{stop}: the host is "down" for SIP: the listening ports are closed, so a
   UDP request is silently dropped (no listener; on the simulated network a
   packet with fate C{"closed"}, no ICMP, as unconnected UDP does not report
   it) and a TCP/TLS connection attempt is refused, open connections are
   closed.  (It does not use the simulated network's C{set_host_down}, which
   would also silence the DNS or other servers sharing the host and has no
   wire equivalent; closing ports works the same on both networks.)
 - C{restore}: back to normal: every fault lifted, ports re-opened, the
   original certificate presented again.
 - C{respond CODE [retry_after]}: every matching request is answered with
   that final response (e.g. 503 with C{Retry-After}, RTX-3).
 - C{delay SECONDS}: matching requests are handled SECONDS late.
 - C{drop-first COUNT}: the first COUNT matching requests are ignored, then
   the server answers normally.  Counted in I{transactions}: a
   retransmission of an ignored request is absorbed by the transaction
   layer and does not count; a new attempt (new branch) does.
 - C{flap PERIOD [down]}: periodically stopped: ports closed for C{down}
   seconds (default half the period), open for the rest, repeating until
   lifted.  Each transition is a C{FaultEvent("flap", "down"/"up")}.
 - C{crash-mid}: answer C{100 Trying}, then go silent (an INVITE client
   transaction in Proceeding waits for ever: the phone must cope).
 - C{cert NAME}: present another certificate on TLS from now on
   (C{"wrong-name"}, C{"selfsigned"}, any name under C{certs/}), for TLS-1.

C{methods} filters every request-level action (silence, respond, delay,
drop-first, crash-mid).  C{until} (absolute run time) lifts the fault again
when scheduled through L{FaultScheduler}.

DNS server actions (target C{"dns"}, applied to
L{harness.dns.server.DnsServer}): C{servfail}, C{drop}, C{delay SECONDS},
C{nxdomain NAME}, C{truncate}, C{down}, C{restore}, C{set-record NAME TYPE
VALUE [ttl]}, C{remove-record NAME [TYPE]}, C{set-ttl NAME TYPE TTL}.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from harness.trace.events import DnsEvent, FaultEvent, Trace

__all__ = [
    "DNS_ACTIONS",
    "SIP_ACTIONS",
    "Decision",
    "Fault",
    "FaultError",
    "FaultScheduler",
    "RequestFaults",
]

SIP_ACTIONS = (
    "silence",
    "stop",
    "restore",
    "respond",
    "delay",
    "drop-first",
    "flap",
    "crash-mid",
    "cert",
)
DNS_ACTIONS = (
    "servfail",
    "drop",
    "delay",
    "nxdomain",
    "truncate",
    "down",
    "restore",
    "set-record",
    "remove-record",
    "set-ttl",
)

#: parameters each action accepts (beyond the schedule keys target/at/on_request)
_PARAMS: dict[str, frozenset[str]] = {
    "silence": frozenset({"methods", "until"}),
    "stop": frozenset({"until"}),
    "restore": frozenset(),
    "respond": frozenset({"code", "retry_after", "methods", "until"}),
    "delay": frozenset({"seconds", "methods", "until", "name"}),
    "drop-first": frozenset({"count", "methods"}),
    "flap": frozenset({"period", "down", "until"}),
    "crash-mid": frozenset({"methods", "until"}),
    "cert": frozenset({"name"}),
    "servfail": frozenset({"until", "name"}),
    "drop": frozenset({"until", "name"}),
    "nxdomain": frozenset({"name", "until"}),
    "truncate": frozenset({"until"}),
    "down": frozenset({"until"}),
    "set-record": frozenset({"name", "type", "value", "ttl"}),
    "remove-record": frozenset({"name", "type"}),
    "set-ttl": frozenset({"name", "type", "ttl"}),
}
#: keys of a scenario table that belong to the schedule, not the fault
SCHEDULE_KEYS = frozenset({"target", "at", "on_request", "method"})

#: request-level actions (decided per incoming request)
REQUEST_ACTIONS = frozenset({"silence", "respond", "delay", "drop-first", "crash-mid"})


class FaultError(ValueError):
    """A fault description that cannot be applied; the message names where and why."""


@dataclass(frozen=True)
class Fault:
    """
    One fault (see the module docstring for the actions and their meaning).

    @ivar action: the action name.
    @ivar methods: request methods it applies to (upper case); empty: all.
    @ivar code: C{respond}'s status code (200..699).
    @ivar retry_after: C{respond}'s C{Retry-After} seconds.
    @ivar seconds: C{delay}'s delay.
    @ivar count: C{drop-first}'s number of transactions to ignore.
    @ivar period: C{flap}'s full cycle, seconds.
    @ivar down: C{flap}'s down time per cycle (default C{period / 2}).
    @ivar name: C{cert}'s certificate name; a DNS action's owner name.
    @ivar until: absolute run time at which the scheduler lifts the fault.
    @ivar type: DNS record type (C{set-record}, C{remove-record}, C{set-ttl}).
    @ivar value: DNS record data (one string or several, C{set-record}).
    @ivar ttl: DNS TTL (C{set-record}, C{set-ttl}).
    """

    action: str
    methods: tuple[str, ...] = ()
    code: int | None = None
    retry_after: int | None = None
    seconds: float | None = None
    count: int | None = None
    period: float | None = None
    down: float | None = None
    name: str | None = None
    until: float | None = None
    type: str | None = None
    value: tuple[str, ...] = ()
    ttl: int | None = None

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise FaultError(f"fault {self.action!r}: " + "; ".join(problems))
        object.__setattr__(self, "methods", tuple(m.upper() for m in self.methods))

    def _problems(self) -> list[str]:
        a = self.action
        out: list[str] = []
        if a not in _PARAMS:
            valid = ", ".join(dict.fromkeys(SIP_ACTIONS + DNS_ACTIONS))
            return [f"unknown action (valid: {valid})"]
        allowed = _PARAMS[a]
        for f in fields(self):
            if f.name == "action":
                continue
            v = getattr(self, f.name)
            if v not in (None, ()) and f.name not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                out.append(f"{f.name} does not apply (allowed: {shown})")
        for m in self.methods:
            if not isinstance(m, str) or not m.isalpha():
                out.append(f"methods: {m!r} is not a SIP method")
        if a == "respond":
            if self.code is None:
                out.append("code is required")
            elif not 200 <= self.code <= 699:
                out.append(f"code {self.code} is not a final status (200..699)")
        if self.retry_after is not None and self.retry_after < 0:
            out.append("retry_after must be >= 0")
        if a == "delay":
            if self.seconds is None or not _finite(self.seconds) or self.seconds < 0:
                out.append("seconds (>= 0) is required")
        if a == "drop-first" and (self.count is None or self.count < 1):
            out.append("count (>= 1) is required")
        if a == "flap":
            if self.period is None or not _finite(self.period) or self.period <= 0:
                out.append("period (> 0) is required")
            elif self.down is not None and not 0 < self.down < self.period:
                out.append(f"down must be between 0 and the period ({self.period})")
        if a in ("cert", "nxdomain", "set-record", "remove-record", "set-ttl") and not self.name:
            out.append("name is required")
        if a in ("set-record", "set-ttl") and not self.type:
            out.append("type is required")
        if a == "set-record" and not self.value:
            out.append("value is required")
        if a == "set-ttl" and (self.ttl is None or self.ttl < 0):
            out.append("ttl (>= 0) is required")
        if self.until is not None and (not _finite(self.until) or self.until < 0):
            out.append("until must be a time >= 0")
        return out

    # -- construction from data -----------------------------------------------

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "fault") -> Fault:
        """
        A fault from a scenario table: C{{"action": "respond", "code": 503,
        "retry_after": 30, "methods": ["REGISTER"]}}.  The schedule keys
        (C{target}, C{at}, C{on_request}, C{method}) are ignored here.  Any
        problem is a L{FaultError} naming C{where} and the key.
        """
        if not isinstance(d, Mapping):
            raise FaultError(f"{where}: expected a table, got {type(d).__name__}")
        action = d.get("action")
        if not isinstance(action, str):
            raise FaultError(f"{where}.action: required, a string")
        if action not in _PARAMS:
            valid = ", ".join(dict.fromkeys(SIP_ACTIONS + DNS_ACTIONS))
            raise FaultError(f"{where}.action: unknown action {action!r} (valid: {valid})")
        allowed = _PARAMS[action]
        kw: dict[str, Any] = {}
        for key, value in d.items():
            if key == "action" or key in SCHEDULE_KEYS:
                continue
            if key not in allowed:
                raise FaultError(
                    f"{where}.{key}: unknown key for action {action!r} "
                    f"(allowed: {', '.join(sorted(allowed)) or 'none'})"
                )
            kw[key] = _convert(key, value, f"{where}.{key}")
        try:
            return cls(action, **kw)
        except FaultError as e:
            raise FaultError(f"{where}: {e}") from None

    # -- matching and describing ------------------------------------------------

    def matches(self, method: str) -> bool:
        """Whether this fault applies to a request of C{method}."""
        return not self.methods or method.upper() in self.methods

    def describe(self) -> str:
        """The parameters as C{key=value} text (the FaultEvent's detail)."""
        parts: list[str] = []
        for name in _PARAM_NAMES:
            v = getattr(self, name)
            if v in (None, ()):
                continue
            if isinstance(v, tuple):
                v = ",".join(v)
            parts.append(f"{name}={v}")
        return " ".join(parts)


#: L{Fault}'s fields but the action, in order: what L{Fault.describe} shows.  Why
#: not C{fields()} per call: it rebuilds the list each time, most of the cost of
#: describing the fault of every FaultEvent (~5 us of ~6).
_PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Fault) if f.name != "action")


def _finite(x: float) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _convert(key: str, value: Any, where: str) -> Any:
    """Type-check one scenario value."""
    if key == "methods" or key == "value":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise FaultError(f"{where}: expected a string or a list of strings, got {value!r}")
        return tuple(value)
    if key in ("code", "retry_after", "count", "ttl"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FaultError(f"{where}: expected an integer, got {value!r}")
        return value
    if key in ("seconds", "period", "down", "until"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FaultError(f"{where}: expected a number of seconds, got {value!r}")
        if not math.isfinite(value):
            raise FaultError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if key in ("name", "type"):
        if not isinstance(value, str) or not value:
            raise FaultError(f"{where}: expected a non-empty string, got {value!r}")
        return value
    raise FaultError(f"{where}: unknown key")  # pragma: no cover - guarded by _PARAMS


# --- per-request decisions (sans-IO, used by the server) ------------------------


@dataclass(frozen=True)
class Decision:
    """
    What a server does with one incoming request under its faults.

    C{kind}: C{"pass"} (handle normally), C{"drop"} (never answer),
    C{"respond"} (answer C{code}, with C{retry_after}), C{"delay"} (handle
    after C{seconds}), C{"crash"} (100 Trying, then nothing).  C{fault} is the
    fault that decided.
    """

    kind: str
    fault: Fault | None = None
    code: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0


PASS = Decision("pass")


class _Entry:
    __slots__ = ("fault", "left")

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.left = fault.count or 0


class RequestFaults:
    """
    The request-level faults active on one server, newest first.

    The newest fault matching a request's method decides; a C{drop-first}
    whose count is used up no longer matches, so an older fault (or normal
    handling) takes over.
    """

    def __init__(self) -> None:
        self._active: list[_Entry] = []

    def __bool__(self) -> bool:
        return bool(self._active)

    @property
    def active(self) -> tuple[Fault, ...]:
        return tuple(e.fault for e in self._active)

    def add(self, fault: Fault) -> None:
        if fault.action not in REQUEST_ACTIONS:
            raise FaultError(f"{fault.action!r} is not a request-level fault")
        self._active.insert(0, _Entry(fault))

    def remove(self, fault: Fault) -> bool:
        for i, e in enumerate(self._active):
            if e.fault == fault:
                del self._active[i]
                return True
        return False

    def clear(self) -> None:
        self._active.clear()

    def decide(self, method: str) -> Decision:
        """Decide for one new request (call once per server transaction)."""
        for e in self._active:
            f = e.fault
            if not f.matches(method):
                continue
            a = f.action
            if a == "drop-first":
                if e.left <= 0:
                    continue
                e.left -= 1
                return Decision("drop", f)
            if a == "silence":
                return Decision("drop", f)
            if a == "respond":
                return Decision("respond", f, code=f.code, retry_after=f.retry_after)
            if a == "delay":
                return Decision("delay", f, seconds=f.seconds or 0.0)
            if a == "crash-mid":
                return Decision("crash", f)
        return PASS


# --- scheduling -------------------------------------------------------------------


class FaultTarget(Protocol):
    """What the scheduler needs of a SIP server."""

    def apply_fault(self, fault: Fault) -> None: ...

    def lift_fault(self, fault: Fault) -> None: ...

    def add_request_observer(self, observer: Callable[[Any], None]) -> Callable[[], None]: ...


class FaultScheduler:
    """
    Applies faults to named targets at given run times, or when the Nth
    matching request arrives.

    @param reactor: the clock (any C{IReactorTime}).
    @param trace: where DNS fault applications are recorded (SIP servers
        record their own, so a fault applied directly from Python is traced
        too).
    @param targets: role -> L{harness.servers.server.SipServer}, and
        C{"dns"} -> a L{harness.dns.server.DnsServer} (anything with its
        C{faults} / C{set_down} / C{zones} API).
    @param epoch: reactor time of the run's start: C{at(t)} means
        C{epoch + t} on the clock, as trace times do.
    """

    def __init__(
        self,
        reactor: IReactorTime,
        trace: Trace,
        targets: Mapping[str, Any],
        *,
        epoch: float = 0.0,
    ) -> None:
        self.reactor = reactor
        self.trace = trace
        self.targets = dict(targets)
        self.epoch = epoch
        self._pending: list[IDelayedCall] = []
        self._unsubscribe: list[Callable[[], None]] = []

    def _now(self) -> float:
        return self.reactor.seconds() - self.epoch

    def _target(self, name: str) -> Any:
        try:
            return self.targets[name]
        except KeyError:
            raise FaultError(
                f"unknown fault target {name!r} (known: {', '.join(sorted(self.targets))})"
            ) from None

    # -- scheduling ----------------------------------------------------------------

    def at(self, t: float, target: str, fault: Fault) -> IDelayedCall:
        """Apply C{fault} to C{target} at run time C{t} (now if C{t} has passed)."""
        self._check(target, fault)
        delay = max(0.0, t - self._now())
        call = self.reactor.callLater(delay, self.apply, target, fault)
        self._pending.append(call)
        return call

    def on_request(self, target: str, n: int, fault: Fault, method: str | None = None) -> None:
        """
        Apply C{fault} when the C{n}th request (of C{method}, if given) reaches
        C{target}, before that request is handled (so the fault applies to it).
        SIP servers count transactions (ACKs only if C{method="ACK"}); the DNS
        server counts queries (C{method} is then a query type, C{"SRV"}).
        """
        self._check(target, fault)
        if n < 1:
            raise FaultError(f"on_request must be >= 1, not {n}")
        obj = self._target(target)
        want = method.upper() if method else None
        seen = 0
        done = False
        unsubscribe: Callable[[], None] = lambda: None  # noqa: E731

        def counted() -> None:
            nonlocal seen, done
            seen += 1
            if seen == n and not done:
                done = True
                unsubscribe()
                self.apply(target, fault)

        if hasattr(obj, "add_request_observer"):

            def on_sip(request: Any) -> None:
                method = getattr(request, "method", "").upper()
                # ACKs for 2xx count only when asked for: they are not transactions
                if (want is None and method != "ACK") or method == want:
                    counted()

            unsubscribe = obj.add_request_observer(on_sip)
        else:
            address = getattr(obj, "address", None)

            def on_event(event: Any) -> None:
                if (
                    isinstance(event, DnsEvent)
                    and event.direction == "in"
                    and (address is None or event.observer == address)
                    and (want is None or event.qtype.upper() == want)
                ):
                    counted()

            unsubscribe = self.trace.subscribe(on_event)
        self._unsubscribe.append(unsubscribe)

    def load(self, entries: Iterable[Mapping[str, Any]], where: str = "faults") -> None:
        """
        Schedule scenario tables (C{[[faults]]}): each has C{target}, C{action},
        exactly one of C{at} / C{on_request}, optional C{method} (the request
        method counted by C{on_request}) and the action's parameters.
        """
        for i, entry in enumerate(entries):
            here = f"{where}[{i}]"
            fault = Fault.from_dict(entry, here)
            target = entry.get("target")
            if not isinstance(target, str):
                raise FaultError(f"{here}.target: required, a string")
            at, on = entry.get("at"), entry.get("on_request")
            if (at is None) == (on is None):
                raise FaultError(f"{here}: give exactly one of 'at' or 'on_request'")
            if at is not None:
                if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
                    raise FaultError(f"{here}.at: expected seconds >= 0, got {at!r}")
                self.at(float(at), target, fault)
            else:
                if isinstance(on, bool) or not isinstance(on, int) or on < 1:
                    raise FaultError(f"{here}.on_request: expected an integer >= 1, got {on!r}")
                method = entry.get("method")
                if method is not None and not isinstance(method, str):
                    raise FaultError(f"{here}.method: expected a method name")
                self.on_request(target, on, fault, method)

    def cancel(self) -> None:
        """Forget everything still pending (timers and request counters)."""
        for call in self._pending:
            if call.active():
                call.cancel()
        self._pending.clear()
        for unsubscribe in self._unsubscribe:
            try:
                unsubscribe()
            except ValueError:
                pass
        self._unsubscribe.clear()

    def _check(self, target: str, fault: Fault) -> None:
        self._target(target)
        if target == "dns":
            if fault.action not in DNS_ACTIONS:
                raise FaultError(
                    f"action {fault.action!r} does not apply to the DNS server "
                    f"(valid: {', '.join(DNS_ACTIONS)})"
                )
        elif fault.action not in SIP_ACTIONS:
            raise FaultError(
                f"action {fault.action!r} does not apply to SIP server {target!r} "
                f"(valid: {', '.join(SIP_ACTIONS)})"
            )

    # -- application -------------------------------------------------------------------

    def apply(self, target: str, fault: Fault) -> None:
        """Apply C{fault} to C{target} now (and schedule its C{until})."""
        self._check(target, fault)
        obj = self._target(target)
        if target == "dns" or not hasattr(obj, "apply_fault"):
            apply_dns_fault(obj, fault, self.trace, self._now(), target)
            lift: Callable[[], None] = lambda: lift_dns_fault(  # noqa: E731
                obj, fault, self.trace, self._now(), target
            )
        else:
            obj.apply_fault(fault)
            lift = lambda: obj.lift_fault(fault)  # noqa: E731
        if fault.until is not None and fault.action != "restore":
            delay = max(0.0, fault.until - self._now())
            self._pending.append(self.reactor.callLater(delay, lift))


def apply_dns_fault(
    server: Any, fault: Fault, trace: Trace, now: float, target: str = "dns"
) -> None:
    """Apply a DNS action through the DNS server's own fault API."""
    a = fault.action
    faults = server.faults
    if a == "servfail":
        faults.servfail = True
    elif a == "drop":
        faults.drop = True
    elif a == "delay":
        faults.delay = float(fault.seconds or 0.0)
    elif a == "nxdomain":
        faults.nxdomain.add(_dns_name(fault.name or ""))
    elif a == "truncate":
        faults.truncate = True
    elif a == "down":
        server.set_down(True)
    elif a == "restore":
        faults.clear()
        server.set_down(False)
    elif a in ("set-record", "remove-record", "set-ttl"):
        _zone_change(server, fault)
    else:  # pragma: no cover - _check guards
        raise FaultError(f"action {a!r} does not apply to the DNS server")
    trace.record(FaultEvent(now, target, a, fault.describe()))


def lift_dns_fault(
    server: Any, fault: Fault, trace: Trace, now: float, target: str = "dns"
) -> None:
    """Undo one DNS fault (its C{until} has come)."""
    a = fault.action
    faults = server.faults
    if a == "servfail":
        faults.servfail = False
    elif a == "drop":
        faults.drop = False
    elif a == "delay":
        faults.delay = 0.0
    elif a == "nxdomain":
        faults.nxdomain.discard(_dns_name(fault.name or ""))
    elif a == "truncate":
        faults.truncate = False
    elif a == "down":
        server.set_down(False)
    else:
        return
    trace.record(FaultEvent(now, target, "restore", f"{a} lifted (until)"))


def _dns_name(name: str) -> str:
    return name.lower().rstrip(".")


def _zone_change(server: Any, fault: Fault) -> None:
    name = _dns_name(fault.name or "")
    zone = server.zone_for(name)
    if zone is None:
        raise FaultError(f"{fault.action}: no zone of the DNS server holds {name!r}")
    if fault.action == "remove-record":
        zone.remove(name + ".", fault.type)
        return
    if fault.action == "set-ttl":
        zone.set_ttl(name + ".", fault.type or "", int(fault.ttl or 0))
        return
    from harness.dns.zone import Zone

    ttl = "" if fault.ttl is None else f" {fault.ttl}"
    origin = zone.origin.decode("ascii") if isinstance(zone.origin, bytes) else str(zone.origin)
    text = "".join(f"{name}.{ttl} IN {fault.type} {v}\n" for v in fault.value)
    try:
        parsed = Zone.from_text(text, origin or ".")
    except ValueError as e:
        raise FaultError(f"set-record {name} {fault.type}: {e}") from None
    zone.replace(name + ".", parsed.get(name + ".", fault.type), type=fault.type)
