"""
Certifying on the wire: a scenario's DNS server and SIP servers on their
loopback addresses, a phone (the built-in one, or an L{IPhoneUnderTest} in
another process) on its own, the fault schedule on the wall clock, and the
same checkers as on the simulated network.

Why a time scale: the bundled scenarios last up to 300 s because the guide's
timers do (32 s transaction timeouts, 60 s TTLs, 120 s expiries).  On the
wire the built-in phone can run them faster by running its whole world on a
dilated clock: L{ScaledWireNetwork} gives every component a reactor view
whose C{seconds()} counts I{scenario} seconds and whose C{callLater(d)} waits
C{d * scale} wall seconds.  Every timer in the world (T1, Timer B, expiries,
DNS TTLs, fault times, retry intervals) is then scaled alike, the trace is in
scenario seconds, and the checkers need no change -- only a wider timing
tolerance, since a millisecond of wall-clock jitter is C{1 / scale}
milliseconds of scenario time.  An external phone's timers are its own, so
it always runs at scale 1 and long scenarios are trimmed to a bound instead
(L{trim_scenario}), which the report says.

Robustness the command line relies on: every port opened through the
network is remembered and closed when the run ends however it ends; a port
already in use is a L{WireError} naming C{address:port}; an interrupt
(L{WireRunner.interrupt}, wired to the reactor's shutdown) stops the phone
and the servers, and judges the partial run.

Nothing here imports the global reactor: the caller passes one.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.python.failure import Failure

from harness.adapters.base import AdapterError, IPhoneUnderTest, NotExpressible
from harness.net.wire import WireHost, WireNetwork, check_local_address
from harness.phone.defects import Defects
from harness.profile import Profile
from harness.scenario import Scenario
from harness.testbed import RunResult, Testbed
from harness.trace.events import NoteEvent, Trace

__all__ = [
    "DEFAULT_BUILTIN_SCALE",
    "ScaledWireHost",
    "ScaledWireNetwork",
    "WireError",
    "WireOutcome",
    "WireRunner",
    "trim_scenario",
    "wire_tolerance",
]

#: The built-in phone's default time scale on the wire: a 300 s scenario in 15 s.
DEFAULT_BUILTIN_SCALE = 0.05

#: Wall seconds of timing slack on loopback (scheduling, parsing, the GIL).
WALL_SLACK = 0.01

#: Wall seconds to let closed ports go before the next scenario binds them again.
_SETTLE = 0.05


def wire_tolerance(scale: float) -> float:
    """
    Facts.latency_tolerance for a wire run at C{scale}: L{WALL_SLACK} wall
    seconds expressed in scenario seconds, and never less than 0.1 s.
    """
    return max(0.1, WALL_SLACK / scale)


class WireError(Exception):
    """A wire run could not be set up (port in use, address not local, phone failed)."""


class ScaledWireHost(WireHost):
    """
    A L{WireHost} on a dilated clock (see the module docstring); every port it
    opens is remembered by its network so the run can close it.
    """

    network: ScaledWireNetwork

    def seconds(self) -> float:
        return self.network.seconds()

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        real = max(0.0, float(delay)) * self.network.scale
        return self.reactor.callLater(real, callable, *args, **kw)

    def listenUDP(self, port: int, protocol: Any, interface: str = "",
                  maxPacketSize: int = 8192) -> IListeningPort:
        return self.network._opened(
            super().listenUDP(port, protocol, interface, maxPacketSize), "udp"
        )

    def listenTCP(self, port: int, factory: Any, backlog: int = 50,
                  interface: str = "") -> IListeningPort:
        return self.network._opened(super().listenTCP(port, factory, backlog, interface), "tcp")

    def listenSSL(self, port: int, factory: Any, contextFactory: Any, backlog: int = 50,
                  interface: str = "") -> IListeningPort:
        return self.network._opened(
            super().listenSSL(port, factory, contextFactory, backlog, interface), "tcp"
        )

    def connectTCP(self, host: str, port: int, factory: Any, timeout: float = 30,
                   bindAddress: tuple[str, int] | None = None) -> Any:
        return super().connectTCP(
            host, port, factory, self.network.real_timeout(timeout), bindAddress
        )

    def connectSSL(self, host: str, port: int, factory: Any, contextFactory: Any,
                   timeout: float = 30, bindAddress: tuple[str, int] | None = None) -> Any:
        return super().connectSSL(
            host, port, factory, contextFactory, self.network.real_timeout(timeout), bindAddress
        )


class ScaledWireNetwork(WireNetwork):
    """
    Host views over the real reactor whose clocks run 1/C{scale} times as
    fast as the wall clock (C{scale} 1: real time), starting at 0 when the
    network is made.  Trace times are scenario seconds.
    """

    def __init__(self, reactor: Any, trace: Trace, scale: float = 1.0) -> None:
        if not scale > 0:
            raise ValueError(f"time scale must be > 0, not {scale!r}")
        super().__init__(reactor, trace)
        self.scale = float(scale)
        self._ports: list[tuple[IListeningPort, str]] = []

    def host(self, address: str) -> WireHost:
        found = self._hosts.get(address)
        if found is None:
            check_local_address(address)
            found = self._hosts[address] = ScaledWireHost(self, address)
        return found

    def seconds(self) -> float:
        return (float(self.reactor.seconds()) - self._start) / self.scale

    def real_timeout(self, seconds: float) -> float:
        """A scenario timeout in wall seconds (at least half a second)."""
        return max(0.5, float(seconds) * self.scale)

    def _opened(self, port: IListeningPort, proto: str) -> IListeningPort:
        self._ports.append((port, proto))
        return port

    def open_ports(self) -> list[tuple[str, int, str]]:
        """C{(address, port, proto)} of every port opened and not yet closed."""
        out = []
        for port, proto in self._ports:
            if getattr(port, "connected", True):
                h: Any = port.getHost()
                out.append((h.host, int(h.port), proto))
        return out

    def close_all(self) -> Deferred[None]:
        """Stop listening on every port still open; fires once they are closed."""
        ds = []
        for port, _ in self._ports:
            if getattr(port, "connected", True):
                ds.append(defer.maybeDeferred(port.stopListening))
        self._ports.clear()
        d = defer.DeferredList(ds, consumeErrors=True)
        return d.addCallback(lambda _: None)


def trim_scenario(sc: Scenario, max_duration: float | None) -> tuple[Scenario, list[str]]:
    """
    C{sc} cut to C{max_duration} seconds (faults and calls after it dropped),
    and one note per change; C{sc} itself when it is short enough.
    """
    if max_duration is None or sc.duration <= max_duration:
        return sc, []
    faults = tuple(f for f in sc.faults if f.at is None or f.at < max_duration)
    calls = tuple(c for c in sc.calls if c.at < max_duration)
    notes = [f"trimmed from {sc.duration:g} s to {max_duration:g} s"]
    for f in sc.faults:
        if f not in faults:
            notes.append(f"  dropped fault at {f.at:g} s: {f.action} {f.target}")
    for c in sc.calls:
        if c not in calls:
            notes.append(f"  dropped call at {c.at:g} s to {c.to}")
    return dataclasses.replace(sc, duration=max_duration, faults=faults, calls=calls), notes


@dataclass
class WireOutcome:
    """One scenario run on the wire: the judged result and what to tell the reader."""

    result: RunResult
    notes: list[str]
    not_expressible: list[NotExpressible]
    interrupted: bool
    wall_seconds: float
    scenario_seconds: float
    scale: float
    phone_log: str = ""


@dataclass
class _Current:
    scenario: Scenario
    bed: Testbed
    network: ScaledWireNetwork
    trace: Trace
    notes: list[str]
    missing: list[NotExpressible]
    done: Deferred[WireOutcome]
    wall_start: float
    timer: IDelayedCall | None = None
    finishing: Deferred[None] | None = None


class WireRunner:
    """
    Runs scenarios one at a time on C{reactor} (which must be running).

    @param phone: an L{IPhoneUnderTest}, or C{None} for the built-in phone.
    @param scale: the time scale (see the module docstring); must be 1 for a
        phone whose timers are real (C{phone.real_time}).
    @param max_duration: scenario seconds after which a scenario is trimmed.
    @param tolerance: Facts.latency_tolerance (default L{wire_tolerance}).
    @param workdir: where an external phone's files go (default: a temp dir).
    """

    def __init__(
        self,
        reactor: Any,
        *,
        phone: IPhoneUnderTest | None = None,
        scale: float = 1.0,
        seed: int | None = None,
        defects: Defects | None = None,
        profile: Profile | None = None,
        clauses: tuple[str, ...] | None = None,
        max_duration: float | None = None,
        tolerance: float | None = None,
        workdir: Path | None = None,
    ) -> None:
        if not scale > 0:
            raise ValueError(f"time scale must be > 0, not {scale!r}")
        if phone is not None and phone.real_time and scale != 1.0:
            raise ValueError(f"{phone.name} runs on its own real timers: time scale must be 1")
        self.reactor = reactor
        self.phone = phone
        self.scale = float(scale)
        self.seed = seed
        self.defects = defects
        self.profile = profile
        self.clauses = clauses
        self.max_duration = max_duration
        self.tolerance = tolerance if tolerance is not None else wire_tolerance(self.scale)
        self.workdir = workdir
        self.interrupted = False
        self._current: _Current | None = None
        self._own_dirs: list[Path] = []

    # -- one scenario ------------------------------------------------------------------

    def run(self, scenario: Scenario) -> Deferred[WireOutcome]:
        """Run one scenario; fails with L{WireError} if it cannot be set up."""
        try:
            return self._begin(scenario)
        except WireError as e:
            return defer.fail(e)

    def _begin(self, scenario: Scenario) -> Deferred[WireOutcome]:
        if self._current is not None:
            raise WireError("a scenario is already running")
        sc, notes = trim_scenario(scenario, self.max_duration)
        missing: list[NotExpressible] = []
        if self.phone is not None:
            if sc.calls:
                missing.append(NotExpressible(
                    "[[calls]]", f"{len(sc.calls)} call(s)",
                    f"the {self.phone.name} adapter places no calls; call clauses not judged",
                ))
                sc = dataclasses.replace(sc, calls=())
            sc, changes = self.phone.adapt(sc)
            notes.extend(changes)
            if self.workdir is None:
                # holds the account's password: removed once the run is judged
                own = Path(tempfile.mkdtemp(prefix=f"{self.phone.name}-"))
                self._own_dirs.append(own)
                workdir = own / sc.name
            else:
                workdir = self.workdir / sc.name
            workdir.mkdir(parents=True, exist_ok=True)
            try:
                missing.extend(self.phone.configure(sc, workdir))
            except AdapterError as e:
                raise WireError(f"{sc.name}: {e}") from e
        trace = Trace()
        network = ScaledWireNetwork(self.reactor, trace, self.scale)
        try:
            bed = Testbed(
                sc,
                seed=self.seed,
                phone="builtin" if self.phone is None else None,
                defects=self.defects,
                profile=self.profile,
                network=network,
                trace=trace,
                clauses=self.clauses,
            )
            if self.phone is not None:
                network.host(self.phone.address)
        except ValueError as e:
            raise WireError(f"{sc.name}: {e}") from e
        try:
            bed.start()
        except CannotListenError as e:
            self._teardown(bed, network)
            why = getattr(e.socketError, "strerror", None) or e.socketError
            raise WireError(
                f"{sc.name}: cannot listen on {e.interface}:{e.port}: {why} "
                "(is another run or server using it?)"
            ) from e
        except Exception as e:
            self._teardown(bed, network)
            raise WireError(f"{sc.name}: cannot start the servers: {e}") from e
        cur = _Current(sc, bed, network, trace, notes, missing, Deferred(), time.monotonic())
        self._current = cur
        if self.scale != 1.0:
            trace.record(NoteEvent(network.seconds(), "testbed", f"wire time scale {self.scale:g}"))
        result = cur.done  # _start_failed may swap cur.done before this returns
        if self.phone is None:
            self._arm(cur)
        else:
            d = self.phone.start(self.reactor)
            d.addCallbacks(lambda _: self._arm(cur), lambda f: self._start_failed(cur, f))
        return result

    def _arm(self, cur: _Current) -> None:
        if cur.finishing is not None:
            return
        left = cur.scenario.duration - cur.network.seconds()
        cur.timer = self.reactor.callLater(max(0.0, left) * self.scale, self._finish, cur, False)

    def _start_failed(self, cur: _Current, f: Failure) -> None:
        assert self.phone is not None
        why = f.getErrorMessage()
        done = cur.done

        def fail(_: object) -> None:
            done.errback(WireError(f"{cur.scenario.name}: {self.phone.name}: {why}"))  # type: ignore[union-attr]

        cur.done = Deferred()  # nobody waits on the judged outcome of a failed start
        cur.done.addErrback(lambda _: None)
        self._finish(cur, False).addBoth(fail)

    def _teardown(self, bed: Testbed, network: ScaledWireNetwork) -> Deferred[None]:
        """
        Stop the servers, let their ports close (Twisted closes them on the
        next reactor turn), then close whatever is still open.
        """
        try:
            bed.stop()
        finally:
            d: Deferred[None] = Deferred()
            self.reactor.callLater(_SETTLE, d.callback, None)
            d.addCallback(lambda _: network.close_all())
        return d

    def _finish(self, cur: _Current, interrupted: bool) -> Deferred[None]:
        """Stop the phone and the servers, close every port, judge; idempotent."""
        if cur.finishing is not None:
            return cur.finishing
        if cur.timer is not None and cur.timer.active():
            cur.timer.cancel()
        elapsed = min(cur.network.seconds(), cur.scenario.duration)
        finishing: Deferred[None] = Deferred()
        cur.finishing = finishing
        # The servers go first, so the trace ends with the scenario: what an
        # external phone sends while it is being stopped (an un-REGISTER) is
        # not part of the run.
        try:
            down = self._teardown(cur.bed, cur.network)
        except Exception:
            down = defer.fail()

        def phone_down(_: object) -> Deferred[None]:
            if self.phone is None:
                return defer.succeed(None)
            return self.phone.stop(self.reactor)

        def judged(_: object) -> None:
            self._current = None
            outcome = self._judge(cur, elapsed, interrupted)
            self._remove_own_dirs()
            finishing.callback(None)
            cur.done.callback(outcome)

        def broken(f: Failure) -> None:
            self._current = None
            finishing.callback(None)
            cur.done.errback(f)

        down.addBoth(phone_down).addCallback(judged).addErrback(broken)
        return finishing

    def _judge(self, cur: _Current, elapsed: float, interrupted: bool) -> WireOutcome:
        from harness.certify.checkers import judge

        bed = cur.bed
        facts = dataclasses.replace(
            bed.facts(),
            phone=self.phone.address if self.phone is not None else cur.scenario.phone_address,
            latency_tolerance=self.tolerance,
            duration=elapsed if interrupted else cur.scenario.duration,
        )
        verdicts = judge(cur.trace, facts, bed.clauses)
        if self.phone is None:
            errors = [f.getErrorMessage() for f in bed.phone.errors] if bed.phone else []
            log = ""
        else:
            errors = list(self.phone.errors())
            log = self.phone.log_tail()
        notes = list(cur.notes)
        if interrupted:
            notes.append(f"interrupted after {elapsed:.1f} of {cur.scenario.duration:g} s; "
                         "judged up to then")
        return WireOutcome(
            result=RunResult(cur.scenario, cur.trace, facts, verdicts, errors),
            notes=notes,
            not_expressible=cur.missing,
            interrupted=interrupted,
            wall_seconds=time.monotonic() - cur.wall_start,
            scenario_seconds=elapsed,
            scale=self.scale,
            phone_log=log,
        )

    def _remove_own_dirs(self) -> None:
        while self._own_dirs:
            shutil.rmtree(self._own_dirs.pop(), ignore_errors=True)

    # -- interruption ------------------------------------------------------------------

    def interrupt(self) -> Deferred[None]:
        """
        End the run in progress now (Ctrl-C, SIGTERM, a test's cleanup): the
        phone is stopped, every port closed, and the partial run judged.  For
        C{reactor.addSystemEventTrigger("before", "shutdown", ...)}.
        """
        self.interrupted = True
        cur = self._current
        if cur is None:
            return defer.succeed(None)
        return self._finish(cur, True)

    @property
    def running(self) -> bool:
        return self._current is not None
