"""
Named deviations of the built-in phone, for proving that the certifier can fail
a phone.

Each defect is one small, named departure from the guide, switched on by name
(C{--phone builtin:defect=NAME}).  The phone consults L{Defects} at the one
decision point the defect changes, so a defective phone is otherwise exactly
the golden phone: when a checker fails it, the defect is the reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    """A named deviation and the clause it breaks."""

    name: str
    clause: str
    description: str


DEFECTS: tuple[Defect, ...] = (
    Defect("ignores-dnsttl", "FB-1", "under DNSTTL failback, returns to the primary at once"),
    Defect(
        "never-fails-back", "FB-0", "stays on the secondary after a failover, whatever the mode"
    ),
    Defect("always-fails-back", "FB-3", "tries the primary first for every new request, any mode"),
    Defect("srv-weight-reversed", "DNS-7", "orders equal-priority SRV targets lowest weight first"),
    Defect(
        "ignores-naptr-order", "DNS-4", "takes NAPTR records in answer order, not by order/pref"
    ),
    Defect("retries-too-many", "RTX-1", "sends one retransmission more than retry_counts allows"),
    Defect("retries-too-few", "RTX-1", "sends one retransmission fewer than retry_counts asks"),
    Defect(
        "registers-fallback-in-successive",
        "FBK-S1",
        "registers to the fallback server too in successive mode",
    ),
    Defect("no-probing", "FBK-S3", "never probes the working server while on the fallback"),
    Defect(
        "probes-wrong-interval", "FBK-S3", "probes the working server at twice fallback.timeout"
    ),
    Defect("bye-to-new-server", "FO-4", "sends in-dialog BYE to the server now in use"),
    Defect(
        "registers-before-secondary",
        "FO-5",
        "registers to the secondary before using it even with register_on_enable 0",
    ),
    Defect("ignores-retry-after", "RTX-3", "tries a server again inside its 503 Retry-After"),
    Defect("no-reregister-retry", "RTX-5", "gives up registering after every target failed once"),
)

_BY_NAME = {d.name: d for d in DEFECTS}


def get_defect(name: str) -> Defect:
    """The defect called C{name}; C{ValueError} listing the known ones otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise ValueError(f"unknown defect {name!r}; known defects: {known}") from None


@dataclass(frozen=True)
class Defects:
    """The set of defects a phone has (empty: the golden phone)."""

    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *names: str) -> Defects:
        for n in names:
            get_defect(n)
        return cls(frozenset(names))

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)
