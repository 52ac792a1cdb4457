"""
The one virtual clock of a simulated world.

Why not L{twisted.internet.task.Clock}: it re-sorts its whole list on every
C{callLater} (slow with the thousands of timers ten thousand phones keep), its
C{reset}/C{delay} do not re-sort at all, and C{advance(t - now)} accumulates
floating-point drift (TWISTED-NOTES.md).  This clock keeps a binary heap of
C{(time, sequence, timer)} entries with lazy deletion: cancelling or moving a
timer leaves its old entry behind as stale (recognised by the sequence number)
and the heap is compacted when stale entries outnumber live ones.  The current
time is always I{set} to the absolute due time of the timer being run, never
accumulated.

Timers scheduled by the network itself (packets in flight) are "internal": they
share the heap, so there is exactly one timeline, but L{getDelayedCalls} hides
them, as a real reactor does not list in-flight packets.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any, Literal

from twisted.internet.error import AlreadyCalled, AlreadyCancelled
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from zope.interface import implementer

_log = Logger()

#: Compact the heap once this many stale entries exist and they outnumber live ones.
_COMPACT_MIN = 256


@implementer(IDelayedCall)
class VirtualDelayedCall:
    """
    One scheduled call; provides L{IDelayedCall}.

    C{time} is absolute virtual time.  C{_seq} identifies the heap entry that
    is currently valid for this timer (moving a timer pushes a new entry).
    """

    __slots__ = ("_clock", "_seq", "args", "called", "cancelled", "func", "internal", "kw", "time")

    def __init__(
        self,
        clock: VirtualClock,
        time: float,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
        internal: bool,
    ) -> None:
        self._clock = clock
        self.time = time
        self.func = func
        self.args = args
        self.kw = kw
        self.internal = internal
        self.called = False
        self.cancelled = False
        self._seq = -1

    def getTime(self) -> float:
        return self.time

    def _check(self) -> None:
        if self.cancelled:
            raise AlreadyCancelled()
        if self.called:
            raise AlreadyCalled()

    def cancel(self) -> None:
        self._check()
        self.cancelled = True
        self._clock._dropped()

    def reset(self, secondsFromNow: float) -> None:
        self._check()
        self._clock._move(self, self._clock._now + secondsFromNow)

    def delay(self, secondsLater: float) -> None:
        self._check()
        self._clock._move(self, self.time + secondsLater)

    def active(self) -> bool:
        return not (self.called or self.cancelled)

    def __repr__(self) -> str:
        state = "called" if self.called else "cancelled" if self.cancelled else "active"
        name = getattr(self.func, "__qualname__", repr(self.func))
        return f"<VirtualDelayedCall {name} at {self.time:.6f} ({state})>"


@implementer(IReactorTime)
class VirtualClock:
    """
    A heap-based virtual clock providing L{IReactorTime}.  Time starts at 0.0
    and moves only when L{step} (or the world's C{run}/C{advance}) runs a timer.
    """

    def __init__(self) -> None:
        self._now = 0.0
        self._heap: list[tuple[float, int, VirtualDelayedCall]] = []
        self._next_seq = 0
        self._live = 0
        self._stale = 0

    # IReactorTime

    def seconds(self) -> float:
        return self._now

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> VirtualDelayedCall:
        if delay < 0:
            raise ValueError(f"{delay} is not greater than or equal to 0 seconds")
        return self._schedule(self._now + delay, callable, args, kw, False)

    def getDelayedCalls(self) -> list[VirtualDelayedCall]:
        """Active timers scheduled with C{callLater} (not packets in flight), in due order."""
        return [
            e[2]
            for e in sorted(self._heap)
            if e[1] == e[2]._seq and e[2].active() and not e[2].internal
        ]

    # used by the network

    def call_at(self, when: float, func: Callable[..., object], *args: Any) -> VirtualDelayedCall:
        """
        Schedule an internal call at absolute time C{when} (not before now).
        Absolute so that segments given the same arrival time stay in FIFO order.
        """
        return self._schedule(max(when, self._now), func, args, {}, True)

    def _schedule(
        self,
        when: float,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
        internal: bool,
    ) -> VirtualDelayedCall:
        timer = VirtualDelayedCall(self, when, func, args, kw, internal)
        # L{_push}, written out: every timer and every packet in flight comes here
        seq = self._next_seq
        self._next_seq = seq + 1
        timer._seq = seq
        heapq.heappush(self._heap, (when, seq, timer))
        self._live += 1
        return timer

    def _push(self, timer: VirtualDelayedCall) -> None:
        seq = self._next_seq
        self._next_seq = seq + 1
        timer._seq = seq
        heapq.heappush(self._heap, (timer.time, seq, timer))

    def _move(self, timer: VirtualDelayedCall, when: float) -> None:
        timer.time = when
        self._push(timer)
        self._stale += 1
        self._maybe_compact()

    def _dropped(self) -> None:
        self._live -= 1
        self._stale += 1
        self._maybe_compact()

    def _maybe_compact(self) -> None:
        if self._stale > _COMPACT_MIN and self._stale > self._live:
            self._heap = [e for e in self._heap if e[1] == e[2]._seq and e[2].active()]
            heapq.heapify(self._heap)
            self._stale = 0

    def next_time(self) -> float | None:
        """The due time of the next live timer, or None if there is none."""
        heap = self._heap
        while heap:
            _, seq, timer = heap[0]
            if seq == timer._seq and not timer.cancelled and not timer.called:
                return timer.time
            heapq.heappop(heap)
            self._stale -= 1
        return None

    def pending(self) -> int:
        """How many timers (internal included) are live."""
        return self._live

    def step(self) -> bool:
        """
        Run the next live timer, setting the time to its due time; False if
        there is none.  An exception from the callable is logged (as a real
        reactor does) and the world carries on; trial fails a test that logs
        an error, so nothing is hidden in tests.
        """
        if self.next_time() is None:
            return False
        self.run_next()
        return True

    def run_next(self) -> None:
        """
        L{step} for a caller that has just had L{next_time} find the next
        live timer (the world's run loop), without looking for it again.
        """
        _, _, timer = heapq.heappop(self._heap)
        self._live -= 1
        if timer.time > self._now:
            self._now = timer.time
        timer.called = True
        try:
            timer.func(*timer.args, **timer.kw)
        except Exception:
            _log.failure("while handling timed call {timer!r}", timer=timer)

    def run_until(
        self, until: float | None, max_steps: int
    ) -> Literal["idle", "until", "max_steps"]:
        """
        The world's run loop without a predicate: L{next_time} and
        L{run_next} until the next live timer is later than C{until}
        (C{"until"}; the clock then set to it), none is left (C{"idle"}; the
        clock set to C{until} if given) or C{max_steps} ran (C{"max_steps"}).

        Why written out here: every timer and every datagram of a world is
        one turn of this loop, and the two calls per turn were a large share
        of running a timer (valgrind: 0.4 % of the instructions of a 10 s
        REGISTER-failover scenario, ~30 turns).  Same steps, same order.
        """
        steps = 0
        while steps < max_steps:
            heap = self._heap  # (read again each turn: compaction replaces it)
            while heap:  # next_time
                _, seq, timer = heap[0]
                if seq == timer._seq and not timer.cancelled and not timer.called:
                    break
                heapq.heappop(heap)
                self._stale -= 1
            else:
                if until is not None:
                    self.set_time(until)
                return "idle"
            due = timer.time
            if until is not None and due > until:
                self.set_time(until)
                return "until"
            heapq.heappop(heap)  # run_next, for the timer just found
            self._live -= 1
            if due > self._now:
                self._now = due
            timer.called = True
            try:
                timer.func(*timer.args, **timer.kw)
            except Exception:
                _log.failure("while handling timed call {timer!r}", timer=timer)
            steps += 1
        return "max_steps"

    def set_time(self, when: float) -> None:
        """Move the time forward to C{when} (never backwards)."""
        if when > self._now:
            self._now = when
