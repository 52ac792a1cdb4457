"""
One configured SIP server of an account, and the failover/failback policy that
picks which of its DNS targets a new request tries first.

Why a separate object: the guide's failback modes (FB-0..FB-3, FB-3Z, FB-OK)
are all one question, "where does the next *new* request start?", asked of one
server's target list.  Keeping that answer in one small, clock-driven object
makes each mode a few lines that can be read against the clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from twisted.internet.interfaces import IReactorTime

from harness.phone.config import ServerConfig
from harness.phone.defects import Defects

if TYPE_CHECKING:
    from harness.sip.locate import Resolution, Target

NEW_REQUESTS, DNSTTL, REGISTRATION, DURATION = 0, 1, 2, 3


@dataclass
class Slot:
    """
    Server C{number} (1 = working, 2 = fallback) of one account.

    The state is the data the failback rules need: the index of the target in
    use (C{current}), when the phone failed over to it (C{failover_at}), the
    TTL of the resolution that named it, and the per-target 503 back-offs.
    """

    number: int
    config: ServerConfig
    clock: IReactorTime
    defects: Defects = field(default_factory=Defects)
    current: int = 0
    failover_at: float | None = None
    ttl: float | None = None
    skip_until: dict[tuple[str, str, int], float] = field(default_factory=dict)
    registered: Target | None = None
    last_resolution: Resolution | None = None

    @property
    def mode(self) -> int:
        return self.config.failback_mode

    def order(self, targets: tuple[Target, ...], *, is_register: bool) -> list[int]:
        """
        The order in which a new request tries C{targets}: the start index
        chosen by the failback mode, then the others in list order (those after
        the start, then those before it, so the primary comes back into play
        when the current server fails: FB-3Z).
        """
        n = len(targets)
        if n == 0:
            return []
        start = self.start_index(is_register=is_register) % n
        indexes = list(range(start, n)) + list(range(0, start))
        now = self.clock.seconds()
        if "ignores-retry-after" not in self.defects:
            ready = [i for i in indexes if self.skip_until.get(_key(targets[i]), 0.0) <= now]
            waiting = [i for i in indexes if i not in ready]
            indexes = ready + waiting if ready else indexes
        return indexes

    def start_index(self, *, is_register: bool) -> int:
        """Where a new request starts, per C{failback_mode} (FB-0..FB-3)."""
        if self.current == 0 or self.failover_at is None:
            return 0
        if "never-fails-back" in self.defects:
            return self.current
        if "always-fails-back" in self.defects:
            return 0
        now = self.clock.seconds()
        mode = self.mode
        if mode == NEW_REQUESTS:
            return 0
        if mode == DNSTTL:
            if "ignores-dnsttl" in self.defects:
                return 0
            ttl = self.ttl if self.ttl is not None else 0.0
            return 0 if now >= self.failover_at + ttl else self.current
        if mode == REGISTRATION:
            return 0 if is_register else self.current
        # DURATION
        timeout = self.config.failback_timeout
        if timeout == 0:
            return self.current  # FB-3Z: only a failure of the current server moves us
        return 0 if now >= self.failover_at + timeout else self.current

    def answered(self, index: int, resolution: Resolution, *, after_failure: bool) -> bool:
        """
        Target C{index} answered a new request, C{after_failure} telling
        whether an earlier target failed this same request.  Returns C{True}
        when this is a failover; the failback clock (FB-1, FB-3) restarts at
        every failover, including one that lands on the server already in use
        because the primary, tried again per the mode, failed again.
        """
        self.current = index
        self.ttl = resolution.ttl
        if index == 0:
            self.failover_at = None  # FB-OK: the primary answered; stay on it
            return False
        if after_failure or self.failover_at is None:
            self.failover_at = self.clock.seconds()
            return True
        return False

    def back_off(self, target: Target, seconds: float) -> None:
        """RTX-3: a 503 with Retry-After N skips this target for N seconds."""
        self.skip_until[_key(target)] = self.clock.seconds() + seconds


def _key(target: Target) -> tuple[str, str, int]:
    return (target.transport, target.host, target.port)
