"""
The registration lifecycle of one account as an Automat machine: where the
account stands with its working server (server 1) and, in successive mode, its
fallback server (server 2).

States (each change is announced as a C{NoteEvent} by the account)::

    Idle --start--> Registering --registered--> Registered --renew_due--> Registering
    Registering --retry_later--> Retrying --retry_due--> Registering
    Registering --falling_back--> FallingBack --fell_back--> OnFallback
    OnFallback --probe_due--> Probing --probe_ok--> Registered
                              Probing --probe_failed--> OnFallback
    OnFallback, Probing --fallback_lost--> Retrying  (the fallback server failed too)
    Registered --working_lost--> Retrying          (FBK-C3)
    Registering --gave_up--> Unregistered          (defect no-reregister-retry)
    any --stop--> Stopped

The states carry their data (L{Lifecycle}): the server-1 target in use and the
expiry it granted, the fallback target, and the timers: the renewal timer of
Registered, the retry timer of Retrying, the probe timer and the fallback
renewal of OnFallback.  A state passes its data on to the next, timers
included: the phone's requests run concurrently (a call may register to a
secondary target, FO-5, while a retry is pending), so a timer the phone has
set keeps running until it fires, is replaced, or the lifecycle stops, exactly
as the phone's behaviour requires.  Only C{probe_ok} (the working server is
back) and C{fallback_lost} (the fallback server failed as well: every target
has failed, RTX-5) leave the fallback states; every other input is a loop there.

Timers call the core's hooks (the account), which feed the matching C{*_due}
input and then start the request the input allows; transitions only keep
books, so no request runs inside a transition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from automat import TypeMachineBuilder
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from harness._automat import indexed

# at run time: Automat reads the input signatures
from harness.sip.locate import Target

#: the states in which the account is on its fallback server (successive mode)
FALLBACK_STATES = frozenset({"OnFallback", "Probing"})


class LifecycleInputs(Protocol):
    """What can happen to an account's registration (the machine's inputs)."""

    def start(self) -> None:
        "REG-1: the registration at start goes out to server 1."

    def registered(self, target: Target, granted: int) -> None:
        "Server 1 accepted a registration at C{target} for C{granted} seconds."

    def fallback_registered(self, target: Target, granted: int, keep_fresh: bool) -> None:
        "Server 2 accepted a registration; C{keep_fresh}: refresh it even when not on it."

    def falling_back(self) -> None:
        "FO-6/FBK-S2: every target of server 1 failed; registering to server 2."

    def fell_back(self) -> None:
        "FBK-S2: server 2 accepted the registration made after server 1 failed."

    def retry_later(self) -> None:
        "RTX-5: the registration failed; try again after the retry interval."

    def gave_up(self) -> None:
        "The registration failed and will not be retried (defect)."

    def renew_due(self) -> bool:
        "REG-2: the renewal timer fired; C{True}: renew now."

    def retry_due(self) -> None:
        "RTX-5: the retry timer fired."

    def probe_due(self) -> bool:
        "FBK-S3: the probe timer fired; C{True}: probe server 1 now."

    def probe_ok(self) -> None:
        "FBK-S4: server 1 accepted the probe."

    def probe_failed(self) -> None:
        "FBK-S3: server 1 did not accept the probe."

    def fallback_renew_due(self) -> None:
        "REG-2: the fallback renewal timer fired."

    def fallback_retry_due(self) -> None:
        "RTX-5: the fallback retry timer fired."

    def fallback_failed(self) -> None:
        "A registration to server 2 alone failed; retry it later."

    def fallback_lost(self) -> None:
        "RTX-5: on the fallback server, it failed too: every target failed; retry from the top."

    def working_lost(self) -> None:
        "FBK-C3: a call found server 1 down; keep trying to register to it."

    def stop(self) -> None:
        "The phone stops: cancel every timer."


@dataclass(eq=False)
class LifecycleCore:
    """What the lifecycle keeps for its whole life: the clock, the policy, the hooks."""

    clock: IReactorTime
    note: Callable[[str, str | None], None]
    renewal_delay: Callable[[int], float]
    retry_interval: float
    #: seconds between probes while on the fallback (C{None}: never probe)
    probe_interval: float | None
    on_renew: Callable[[], None]
    on_retry: Callable[[], None]
    on_probe: Callable[[], None]
    on_fallback_renew: Callable[[], None]
    on_fallback_retry: Callable[[], None]
    state: str = "Idle"
    #: the current state's data, which the next state takes over (L{_carry})
    data: Lifecycle | None = None

    def later(self, old: IDelayedCall | None, delay: float, fn: Callable[[], None]) -> (
        IDelayedCall
    ):
        _cancel(old)
        return self.clock.callLater(max(0.0, delay), fn)


@dataclass(eq=False)
class Lifecycle:
    """A state's data, handed on from state to state (see the module docstring)."""

    target: Target | None = None
    granted: int | None = None
    fallback_target: Target | None = None
    fallback_granted: int | None = None
    renewal: IDelayedCall | None = None
    retry: IDelayedCall | None = None
    probe: IDelayedCall | None = None
    fallback_renewal: IDelayedCall | None = None
    fallback_retry: IDelayedCall | None = None
    #: C{retry} keeps REGISTER going to a working server found down (FBK-C3)
    retry_while_down: bool = False

    def stop(self) -> None:
        for timer in (
            self.renewal,
            self.retry,
            self.probe,
            self.fallback_renewal,
            self.fallback_retry,
        ):
            _cancel(timer)
        self.renewal = self.retry = self.probe = None
        self.fallback_renewal = self.fallback_retry = None


def _cancel(timer: IDelayedCall | None) -> None:
    if timer is not None and timer.active():
        timer.cancel()


def _fmt(target: Target | None) -> str:
    if target is None:
        return "none"
    return f"{target.host}:{target.port}/{target.transport}"


def describe(state: str, data: Lifecycle) -> str:
    """A state and the data it carries, for the trace."""
    parts = []
    if state in ("Registered", "Registering", "Retrying") and data.target is not None:
        parts.append(f"server 1 at {_fmt(data.target)} for {data.granted}s")
    if state in FALLBACK_STATES:
        parts.append(f"server 2 at {_fmt(data.fallback_target)}")
    for name in ("renewal", "retry", "probe", "fallback_renewal"):
        timer: IDelayedCall | None = getattr(data, name)
        if timer is not None and timer.active():
            parts.append(f"{name.replace('_', ' ')} at {timer.getTime():g}")
    return f"{state} ({', '.join(parts)})" if parts else state


# -- bookkeeping per input (the same in every state; the states differ in where they go)


def _registered(
    c: LifecycleInputs, s: LifecycleCore, d: Lifecycle, target: Target, granted: int
) -> None:
    d.target, d.granted = target, granted
    d.renewal = s.later(d.renewal, s.renewal_delay(granted), s.on_renew)
    # server 1 accepted a registration: no round has "every target failed" any more, so
    # a retry still pending (RTX-5) is void; the renewal is next (REG-2).  That covers
    # FBK-C3 (the working server answered a renewal under way when a call found it
    # down) and a registration made meanwhile by FO-5's REGISTER or a renewal (survey
    # 7002: a retry failing while still registered, the renewal answered, and the
    # stale retry's REGISTER 6 s into the next 30 s registration)
    _cancel(d.retry)
    d.retry, d.retry_while_down = None, False


def _fallback_registered(
    c: LifecycleInputs,
    s: LifecycleCore,
    d: Lifecycle,
    target: Target,
    granted: int,
    keep_fresh: bool,
) -> None:
    d.fallback_target, d.fallback_granted = target, granted
    if keep_fresh or s.state in FALLBACK_STATES:
        _schedule_fallback_renewal(s, d)


def _schedule_fallback_renewal(s: LifecycleCore, d: Lifecycle) -> None:
    if d.fallback_granted is None:
        return
    delay = s.renewal_delay(d.fallback_granted)
    d.fallback_renewal = s.later(d.fallback_renewal, delay, s.on_fallback_renew)


def _schedule_probe(s: LifecycleCore, d: Lifecycle) -> None:
    if s.probe_interval is None:
        return
    d.probe = s.later(d.probe, s.probe_interval, s.on_probe)


def _nothing(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    pass


def _fell_back(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    # the registration just made is the one to keep refreshed while on the fallback
    _schedule_fallback_renewal(s, d)
    # on the fallback server only the probes go to the working server (FBK-S3): a
    # retry still pending from before (a call that found server 1 down while its
    # renewal was under way, working_lost) is void, or it would register there
    # off the fallback.timeout schedule (explore seed 11)
    _cancel(d.retry)
    d.retry, d.retry_while_down = None, False
    s.note("on the fallback server; probing the working server", "FBK-S2")
    _schedule_probe(s, d)


def _retry_later(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    d.retry = s.later(d.retry, s.retry_interval, s.on_retry)
    d.retry_while_down = False


def _fallback_lost(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    # off the fallback server: no probing until the phone is back on it (FBK-S2)
    _cancel(d.probe)
    d.probe = None
    _retry_later(c, s, d)


def _renew_due(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> bool:
    d.renewal = None
    return s.state not in FALLBACK_STATES


def _retry_due(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    # (the timer has fired, or the retry is begun before it: the account falling back
    # at once, L{harness.phone.account.Account._fall_back_now})
    _cancel(d.retry)
    d.retry, d.retry_while_down = None, False


def _probe_due(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> bool:
    d.probe = None
    return s.state in FALLBACK_STATES


def _probe_ok(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    _cancel(d.fallback_renewal)
    # (a retry is pending if the fallback server failed while the probe was out)
    _cancel(d.retry)
    # back on the working server, registered at one server at a time (successive
    # mode): a pending retry of a registration the fallback server refused goes too
    # (explore seed 28: a 500 to the fallback renewal, retried after FBK-S4)
    _cancel(d.fallback_retry)
    d.fallback_renewal = d.retry = d.fallback_retry = None
    s.note("working server answered the probe; back on it", "FBK-S4")


def _probe_failed(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    _schedule_probe(s, d)


def _fallback_renew_due(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    d.fallback_renewal = None


def _fallback_retry_due(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    d.fallback_retry = None


def _fallback_failed(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    d.fallback_retry = s.later(d.fallback_retry, s.retry_interval, s.on_fallback_retry)


def _working_lost(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    due = s.retry_interval
    if d.renewal is not None and d.renewal.active():
        # FBK-C1, REG-2: a renewal due before the retry interval stays due then
        due = min(due, d.renewal.getTime() - s.clock.seconds())
    _cancel(d.renewal)
    d.renewal = None
    d.target = None
    d.retry = s.later(d.retry, due, s.on_retry)
    d.retry_while_down = True


def _stop(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle) -> None:
    d.stop()


def _carry(c: LifecycleInputs, s: LifecycleCore, *args: object, **kwargs: object) -> Lifecycle:
    """
    A state takes over the data of the state before it (see the module
    docstring); the transition's bookkeeping then updates it.
    """
    assert s.data is not None
    return s.data


_CLAUSE = {
    "start": "REG-1",
    "registered": "REG-2",
    "falling_back": "FO-6",
    "fell_back": "FBK-S2",
    "retry_later": "RTX-5",
    "gave_up": "RTX-5",
    "renew_due": "REG-2",
    "retry_due": "RTX-5",
    "fallback_lost": "RTX-5",
    "probe_due": "FBK-S3",
    "probe_ok": "FBK-S4",
    "probe_failed": "FBK-S3",
    "working_lost": "FBK-C3",
}

_WORKING = ("Idle", "Registering", "Registered", "Retrying", "FallingBack", "Unregistered")
_ALIVE = (*_WORKING, "OnFallback", "Probing")

#: input -> (bookkeeping, {source state: destination}); any other live state loops
_TABLE: dict[str, tuple[Callable[..., Any], dict[str, str]]] = {
    "start": (_nothing, {"Idle": "Registering"}),
    "registered": (
        _registered,
        {"Idle": "Registered", "Registering": "Registered", "Retrying": "Registered",
         "Unregistered": "Registered"},
    ),
    "fallback_registered": (_fallback_registered, {}),
    "falling_back": (
        _nothing,
        {n: "FallingBack" for n in _WORKING if n != "FallingBack"},
    ),
    "fell_back": (_fell_back, {n: "OnFallback" for n in _WORKING}),
    "retry_later": (_retry_later, {n: "Retrying" for n in _WORKING if n != "Retrying"}),
    "gave_up": (_nothing, {n: "Unregistered" for n in _WORKING if n != "Unregistered"}),
    "renew_due": (_renew_due, {"Registered": "Registering"}),
    "retry_due": (
        _retry_due,
        {"Idle": "Registering", "Registered": "Registering", "Retrying": "Registering",
         "Unregistered": "Registering"},
    ),
    "probe_due": (_probe_due, {"OnFallback": "Probing"}),
    "probe_ok": (_probe_ok, {"OnFallback": "Registered", "Probing": "Registered"}),
    "probe_failed": (_probe_failed, {"Probing": "OnFallback"}),
    "fallback_renew_due": (_fallback_renew_due, {}),
    "fallback_retry_due": (_fallback_retry_due, {}),
    "fallback_failed": (_fallback_failed, {}),
    "fallback_lost": (_fallback_lost, {"OnFallback": "Retrying", "Probing": "Retrying"}),
    "working_lost": (_working_lost, {n: "Retrying" for n in _WORKING if n != "Retrying"}),
    "stop": (_stop, {n: "Stopped" for n in _ALIVE}),
}


def _moving(
    name: str, src: str, dst: str, keep: Callable[..., Any]
) -> Callable[..., Any]:
    def move(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle, *args: Any) -> Any:
        result = keep(c, s, d, *args)
        s.state = dst
        text = f"{name}: {src} -> {describe(dst, d)}"
        s.note(text, _CLAUSE.get(name))
        return result

    move.__name__ = f"{src}_{name}_{dst}"
    return move


def _inert(name: str) -> Callable[..., Any]:
    """After stop: every input is ignored (a bool input answers C{False})."""

    def ignore(c: LifecycleInputs, s: LifecycleCore, d: Lifecycle, *args: Any) -> Any:
        return False if name in ("renew_due", "probe_due") else None

    return ignore


def _build() -> Callable[[LifecycleCore], LifecycleInputs]:
    b = TypeMachineBuilder(LifecycleInputs, LifecycleCore)
    names = (*_ALIVE, "Stopped")
    # Automat's initial state cannot carry data; the machine is built straight
    # into Idle (with empty data) instead, so this one is never entered.
    b.state("Unborn")
    states: dict[str, Any] = {n: b.state(n, _carry) for n in names}
    for name, (keep, moves) in _TABLE.items():
        method = getattr(LifecycleInputs, name)
        for src in names:
            registrar = states[src].upon(method)
            if src == "Stopped":
                registrar.loop()(_inert(name))
            elif src in moves:
                registrar.to(states[moves[src]])(_moving(name, src, moves[src], keep))
            else:
                registrar.loop()(keep)
    machine = indexed(b.build())
    idle = states["Idle"]

    def create(core: LifecycleCore) -> LifecycleInputs:
        def fresh(c: LifecycleInputs, s: LifecycleCore) -> Lifecycle:
            s.data = Lifecycle()
            return s.data

        return machine(core, idle, fresh)

    return create


#: build a lifecycle machine (in state Idle, with empty data) around a core
new_lifecycle = _build()
