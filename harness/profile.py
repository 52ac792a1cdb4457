"""
Harness-level parameters the vendor guide does not fix.

Why a profile: the guide is silent or ambiguous on several points (when a
phone gives up on a silent server, how equal-priority SRV records are ordered,
which port TLS uses when DNS gives none, ...).  Each such choice is a named,
documented field here, so a user can certify a phone against the guide's
literal reading (C{yealink}, the default) or the strict RFC 3261/3263 reading
(C{rfc}) -- and a checker always states which reading it applied.

Clause IDs are those of C{spec/CLAUSES.md}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GiveUp = Literal["last-interval", "timer-b"]
SrvTie = Literal["weight-desc", "rfc2782"]
Renew = Literal["expires-min60-half"]
DnsTtlSource = Literal["min-chain"]

_GIVE_UP: tuple[str, ...] = ("last-interval", "timer-b")
_SRV_TIE: tuple[str, ...] = ("weight-desc", "rfc2782")
_RENEW: tuple[str, ...] = ("expires-min60-half",)
_DNSTTL: tuple[str, ...] = ("min-chain",)


@dataclass(frozen=True)
class Profile:
    """
    One reading of the guide: every parameter a checker or the built-in phone
    needs that the guide does not state.

    @ivar name: the profile's name (C{"yealink"}, C{"rfc"} or a user's own).
    @ivar t1: RFC 3261 T1 (RTT estimate), seconds; Timer A starts at T1.
    @ivar t2: RFC 3261 T2 (maximum retransmit interval for non-INVITE), seconds.
    @ivar t4: RFC 3261 T4 (maximum time a message stays in the network), seconds.
    @ivar give_up: when a silent server counts as failed (RTX-1):
        C{"last-interval"} -- once the interval after the last of the
        C{1 + retry_counts} sends has passed unanswered (the guide's reading);
        C{"timer-b"} -- at Timer B/F, 64*T1 after the first send (RFC 3261).
    @ivar retry_interval: seconds to wait before starting again from the top of
        the target list when every target has failed (RTX-5).
    @ivar renew: the registration renewal rule (REG-2).
        C{"expires-min60-half"}: renew at C{expires - min(60, expires / 2)}
        (see L{renewal_delay}).
    @ivar dnsttl_source: which TTL bounds a resolution's reuse (DNS-10, FB-1).
        C{"min-chain"}: the smallest TTL of every record in the
        NAPTR/SRV/CNAME/A chain that produced it.
    @ivar srv_tie: ordering of SRV records of equal priority (DNS-7):
        C{"weight-desc"} -- higher weight first, deterministic (the guide);
        C{"rfc2782"} -- RFC 2782 weighted random selection with the harness's
        seeded RNG.
    @ivar srv_round_robin: with C{srv_tie="weight-desc"}, records of equal
        priority I{and} equal weight share the load by rotating their order by
        one on every fresh resolution of that SRV name (the guide's "keep the
        same to load balance").  C{False}: answer order, always.
    @ivar tls_default_port: the port used for TLS when DNS gives none (DNS-9,
        DNS-1): 5060 in the guide ("5060 will be used"), 5061 in RFC 3263.
    @ivar default_port: the port for UDP/TCP when none is configured or found.
    @ivar probe_tolerance: seconds of slack a checker allows around a
        scheduled probe (FBK-S3) in the simulated network.
    @ivar naptr_max_depth: the maximum number of chained NAPTR queries (the
        first included) when NAPTR records have an empty flag (DNS-5).
    """

    name: str = "yealink"
    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    give_up: GiveUp = "last-interval"
    retry_interval: float = 30.0
    renew: Renew = "expires-min60-half"
    dnsttl_source: DnsTtlSource = "min-chain"
    srv_tie: SrvTie = "weight-desc"
    srv_round_robin: bool = True
    tls_default_port: int = 5060
    default_port: int = 5060
    probe_tolerance: float = 1.0
    naptr_max_depth: int = 4

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.give_up not in _GIVE_UP:
            problems.append(f"give_up={self.give_up!r} (valid: {', '.join(_GIVE_UP)})")
        if self.srv_tie not in _SRV_TIE:
            problems.append(f"srv_tie={self.srv_tie!r} (valid: {', '.join(_SRV_TIE)})")
        if self.renew not in _RENEW:
            problems.append(f"renew={self.renew!r} (valid: {', '.join(_RENEW)})")
        if self.dnsttl_source not in _DNSTTL:
            problems.append(f"dnsttl_source={self.dnsttl_source!r} (valid: {', '.join(_DNSTTL)})")
        for field_name in ("t1", "t2", "t4", "retry_interval"):
            if not getattr(self, field_name) > 0:
                problems.append(f"{field_name}={getattr(self, field_name)!r} (must be > 0)")
        if self.t2 < self.t1:
            problems.append(f"t2={self.t2!r} is smaller than t1={self.t1!r}")
        if self.probe_tolerance < 0:
            problems.append(f"probe_tolerance={self.probe_tolerance!r} (must be >= 0)")
        for field_name in ("tls_default_port", "default_port"):
            port = getattr(self, field_name)
            if not 1 <= port <= 65535:
                problems.append(f"{field_name}={port!r} (valid: 1..65535)")
        if self.naptr_max_depth < 1:
            problems.append(f"naptr_max_depth={self.naptr_max_depth!r} (must be >= 1)")
        if problems:
            raise ValueError(f"profile {self.name!r}: " + "; ".join(problems))

    def renewal_delay(self, granted: float) -> float:
        """
        Seconds after a successful registration at which to renew it, for a
        granted expiry of C{granted} seconds (REG-2): C{granted - min(60,
        granted / 2)}, so short registrations renew half-way and long ones a
        minute early.
        """
        return float(granted) - min(60.0, float(granted) / 2.0)

    def default_port_for(self, transport: str) -> int:
        """The port used for C{transport} when neither configuration nor DNS gives one."""
        return self.tls_default_port if transport == "tls" else self.default_port

    def timer_b(self) -> float:
        """RFC 3261 Timer B/F: 64*T1."""
        return 64.0 * self.t1


YEALINK = Profile()
RFC = Profile(
    name="rfc",
    give_up="timer-b",
    srv_tie="rfc2782",
    srv_round_robin=False,
    tls_default_port=5061,
)

PROFILES: dict[str, Profile] = {"yealink": YEALINK, "rfc": RFC}


class UnknownProfile(KeyError, ValueError):
    """
    No profile has that name.  A C{KeyError} (it is a failed look-up) and a
    C{ValueError} (it is a bad user value); C{str()} is the plain message, not
    C{KeyError}'s quoted repr, so the command line can print it as is.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        known = ", ".join(sorted(PROFILES))
        return f"unknown profile {self.name!r} (known profiles: {known})"


def get_profile(name: str) -> Profile:
    """
    The shipped profile called C{name}.

    @raise UnknownProfile: naming the unknown profile and the known ones.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfile(name) from None
