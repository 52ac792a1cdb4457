"""
What a checker may know besides the wire: the scenario's intent and setup.

Why a separate, small record: a checker judges a phone only from the trace,
but it must know what was asked of the phone (the account's configuration,
the profile's reading of the guide), where the harness's servers and DNS
server listen (to tell a server's packets from anything else) and what the
zone's TTL is.  All of that is known before the phone runs; nothing here comes
from the phone.

Conventions the checkers rely on:

 - C{servers} lists server 1's targets in the order DNS gives them (the first
   is the I{primary}), then server 2 with role C{"fallback"}.  Roles other
   than C{"fallback"} are targets of server 1 ("group 1").
 - C{phone} is the phone's IP; C{None} for an unknown external phone (then
   every request a server receives counts as the phone's).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness._cached import cached_property
from harness.phone.config import AccountConfig
from harness.profile import Profile

__all__ = ["FALLBACK", "CallPlan", "Facts", "ServerInfo"]

#: The role of server 2 (the fallback server).
FALLBACK = "fallback"


@dataclass(frozen=True)
class ServerInfo:
    """
    One harness server: its C{role} (C{"primary"}, C{"secondary"},
    C{"fallback"} or any name), its IP C{address} and the C{(transport, port)}
    pairs it listens on.
    """

    role: str
    address: str
    ports: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CallPlan:
    """
    The testbed asks the phone to call C{target} at C{at} seconds and, once the
    call is up, to hang up after C{duration} seconds (C{None}: not said), with
    a re-INVITE half-way if C{reinvite}.
    """

    at: float
    target: str
    duration: float | None = None
    reinvite: bool = False


@dataclass(frozen=True)
class Facts:
    """
    Everything about a run that is not the wire.

    @ivar zone_ttl: smallest TTL in the chain of server 1's resolution (FB-1,
        DNS-10), if DNS is used.
    @ivar latency_tolerance: seconds of slack on every timing comparison
        (network latency and clock granularity); larger for wire-mode runs.
    @ivar untrusted: roles whose TLS certificate a compliant phone must reject
        from the start of the run (TLS-1); a C{FaultEvent} with action
        C{"cert"} makes a server's certificate untrusted from then on (until a
        C{"restore"} of that target).
    @ivar config_file: the provisioning file the scenario loaded, if the
        testbed loaded one through the configuration loader (CFG-2, CFG-3 are
        judged only then), with the loader's C{config_warnings} and
        C{config_errors}, and C{config_expect_errors}/C{config_unknown_keys}:
        what the scenario's author knows the file contains (whether it is
        meant to be rejected; how many unknown keys it carries).
    @ivar storm_bound: the largest acceptable peak-to-mean ratio of REGISTERs
        per second (STORM-1); C{None}: reported, never failed.
    """

    scenario: str
    account: AccountConfig
    profile: Profile
    servers: tuple[ServerInfo, ...]
    dns: tuple[str, int] | None
    phone: str | None
    duration: float
    calls: tuple[CallPlan, ...] = ()
    clauses: tuple[str, ...] = ()
    zone_ttl: float | None = None
    latency_tolerance: float = 0.05
    untrusted: tuple[str, ...] = ()
    config_file: str | None = None
    config_warnings: tuple[str, ...] = ()
    config_errors: tuple[str, ...] = ()
    config_expect_errors: bool | None = None
    config_unknown_keys: int | None = None
    storm_bound: float | None = None

    # The look-ups below are asked hundreds of times per judged run (every
    # checker places every packet); the record is frozen, so each is worked out
    # once, on first use, and kept in the instance (not a field: equality,
    # hashing, replace() and asdict() are unchanged).

    @cached_property
    def _by_role(self) -> dict[str, ServerInfo]:
        out: dict[str, ServerInfo] = {}
        for s in self.servers:
            out.setdefault(s.role, s)  # the first server playing a role
        return out

    @cached_property
    def _roles(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for s in self.servers:
            out.setdefault(s.address, s.role)  # the first server at an address
        return out

    def server(self, role: str) -> ServerInfo | None:
        """The server playing C{role}, if any."""
        return self._by_role.get(role)

    def role_of(self, address: str) -> str | None:
        """The role of the server at C{address}; C{None} if it is no harness server."""
        return self._roles.get(address)

    @cached_property
    def addresses(self) -> frozenset[str]:
        """Every server address."""
        return frozenset(s.address for s in self.servers)

    @cached_property
    def targets(self) -> tuple[ServerInfo, ...]:
        """Server 1's targets, in DNS order (the first is the primary)."""
        return tuple(s for s in self.servers if s.role != FALLBACK)

    @cached_property
    def own_targets(self) -> frozenset[str]:
        """
        Server 1's target addresses without those a DNS fault moved a name to
        (role C{moved-*}): such an address is that name's, no target of its
        own (RTX-5's reading), so it gives the phone no second target to go to.
        """
        return frozenset(s.address for s in self.targets if not s.role.startswith("moved-"))

    @property
    def primary(self) -> ServerInfo | None:
        """The first target of server 1."""
        t = self.targets
        return t[0] if t else None

    @property
    def fallback(self) -> ServerInfo | None:
        """Server 2, if the scenario has one."""
        return self.server(FALLBACK)

    @cached_property
    def _groups(self) -> dict[str, int]:
        return {address: 2 if role == FALLBACK else 1 for address, role in self._roles.items()}

    def group_of(self, address: str) -> int | None:
        """1 for a target of server 1, 2 for the fallback server, C{None} otherwise."""
        return self._groups.get(address)

    @property
    def tol(self) -> float:
        """The timing tolerance: latency slack plus a millisecond."""
        return self.latency_tolerance + 0.001
