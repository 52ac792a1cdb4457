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

    The state is the data the failback rules need: the target in use
    (C{current_key}), when the phone failed over to it (C{failover_at}), the
    TTL of the resolution that named it, and the per-target 503 back-offs.
    """

    number: int
    config: ServerConfig
    clock: IReactorTime
    defects: Defects = field(default_factory=Defects)
    #: the target in use (its transport, host, port), not its index: a
    #: re-resolved list may hold it at another index, or lack the primary (DNS-8)
    current_key: tuple[str, str, int] | None = None
    failover_at: float | None = None
    ttl: float | None = None
    skip_until: dict[tuple[str, str, int], float] = field(default_factory=dict)
    registered: Target | None = None
    last_resolution: Resolution | None = None
    #: the registration's own round failed at every target since the last failover
    #: (L{exhausted}): its next REGISTER starts at the top of the list (RTX-5)
    register_from_top: bool = False

    @property
    def mode(self) -> int:
        return self.config.failback_mode

    def order(self, targets: tuple[Target, ...], *, is_register: bool) -> list[int]:
        """
        The order in which a new request tries C{targets}: the target in use
        if the failback mode keeps it (else the first), then the others in
        list order (those after the start, then those before it, so the
        primary comes back into play when the current server fails: FB-3Z).
        """
        n = len(targets)
        if n == 0:
            return []
        start = self.position(targets) if self.stays(is_register=is_register) else 0
        indexes = list(range(start, n)) + list(range(0, start))
        now = self.clock.seconds()
        if "ignores-retry-after" not in self.defects:
            ready = [i for i in indexes if self.skip_until.get(_key(targets[i]), 0.0) <= now]
            waiting = [i for i in indexes if i not in ready]
            indexes = ready + waiting if ready else indexes
        return indexes

    def position(self, targets: tuple[Target, ...]) -> int:
        """
        Where the target in use is in C{targets}, by identity, not by the
        index it had in the list it was picked from: a lookup whose primary
        address query failed gives a list without it, the secondary first
        (explore seed 65 of dns-ip-literal: the renewal registered there,
        then the next lookup had the primary back at index 0, and an index
        kept from the short list sent the renewal to the primary during
        FB-3's stay).  The same server reached another way counts too: a
        later lookup whose NAPTR step now picks another transport (the first
        one's SRV set failed then, DNS-2/DNS-4) names the server in use at
        another port; the server is its host, not the way to it (FB-1/2/3:
        "stay on the current server"; survey 7009 [05], round 11: registered
        at the secondary over UDP, the call's lookup gave TLS, and the INVITE
        went to the primary under FB-2).  0 if it is not in the list.
        """
        if self.current_key is None:
            return 0
        for i, t in enumerate(targets):
            if _key(t) == self.current_key:
                return i
        host = self.current_key[1]
        for i, t in enumerate(targets):
            if t.host == host:
                return i
        return 0

    def stays(self, *, is_register: bool) -> bool:
        """Whether a new request starts at the target in use, per C{failback_mode} (FB-0..FB-3)."""
        if self.failover_at is None:
            return False
        if "never-fails-back" in self.defects:
            return True
        if "always-fails-back" in self.defects:
            return False
        if is_register and self.register_from_top:
            return False  # RTX-5: the registration's retry starts from the top
        now = self.clock.seconds()
        mode = self.mode
        if mode == NEW_REQUESTS:
            return False
        if mode == DNSTTL:
            if "ignores-dnsttl" in self.defects:
                return False
            ttl = self.ttl if self.ttl is not None else 0.0
            return now < self.failover_at + ttl
        if mode == REGISTRATION:
            return not is_register
        # DURATION
        timeout = self.config.failback_timeout
        if timeout == 0:
            return True  # FB-3Z: only a failure of the current server moves us
        return now < self.failover_at + timeout

    def answered(self, index: int, resolution: Resolution, *, after_failure: bool) -> bool:
        """
        Target C{index} of C{resolution} answered a new request,
        C{after_failure} telling whether an earlier target failed this same
        request.  Returns C{True} when this is a failover; the failback clock
        (FB-1, FB-3) restarts at every failover, including one that lands on
        the server already in use because the primary, tried again per the
        mode, failed again.  A list without the primary (its address lookup
        failed, DNS-8) answered at its first target without a failure is
        neither a failover nor a failback: the state stays as it was.
        """
        target = resolution.targets[index]
        self.current_key = _key(target)
        self.ttl = resolution.ttl
        if resolution.is_primary(target):
            self.failover_at = None  # FB-OK: the primary answered; stay on it
            self.register_from_top = False
            return False
        if resolution.primary_unknown and index == 0 and not after_failure:
            return False
        if after_failure or self.failover_at is None:
            self.failover_at = self.clock.seconds()
            self.register_from_top = False  # (a new stay, FB-1/FB-3, from this failover)
            return True
        return False

    def exhausted(self) -> None:
        """
        The registration's own round (at start, a renewal or a retry; not
        FO-5's REGISTER, not a call) failed at every target, the server in
        use among them: RTX-5's retry a retry interval later starts "again
        from the top of the list", whatever stay of FB-1/FB-3 was running, and
        so does every REGISTER to this server (successive mode's probes after
        the fallback took over too) until a failover starts a stay again
        (L{answered}).  Survey w7061 [7273], round 31: FB-3 with
        failback_timeout 60 s, failed over to the secondary at 156 s; the
        renewal's lookup lost the secondary's address, so it began at the
        primary (refused), asked again and got a 503 from the secondary; the
        retry at 192.46 s, inside the stay, went to the secondary first.  A
        call failing everywhere does not end the stay for calls (FB-2: the
        next INVITE stays on the current server, fixture
        C{r22-s7031-fb2-roe-register-after-renewal}), nor for the
        registration (only its own round says the list is exhausted).
        """
        self.register_from_top = True

    def back_off(self, target: Target, seconds: float) -> None:
        """RTX-3: a 503 with Retry-After N skips this target for N seconds."""
        self.skip_until[_key(target)] = self.clock.seconds() + seconds


def _key(target: Target) -> tuple[str, str, int]:
    return (target.transport, target.host, target.port)
