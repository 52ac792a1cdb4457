"""
L{Facts}' look-ups are kept once worked out; they must answer what a scan of
C{servers} answers (the first server wins a tie), and a replaced record must
not inherit them.
"""

from __future__ import annotations

import dataclasses

from twisted.trial.unittest import SynchronousTestCase

from harness.certify.facts import Facts, ServerInfo
from harness.profile import YEALINK

SERVERS = (
    ServerInfo("primary", "127.0.1.10"),
    ServerInfo("secondary", "127.0.1.20"),
    ServerInfo("fallback", "127.0.1.15"),
    ServerInfo("moved-127.0.1.10", "127.0.1.10"),  # a second role at an address
    ServerInfo("primary", "127.0.1.99"),  # a second server in a role
)


def _facts(servers: tuple[ServerInfo, ...] = SERVERS) -> Facts:
    return Facts(scenario="s", account=None, profile=YEALINK, servers=servers,  # type: ignore[arg-type]
                 dns=None, phone="127.0.0.100", duration=10.0)


class FactsLookupTests(SynchronousTestCase):
    def test_like_a_scan(self) -> None:
        f = _facts()
        for address in ("127.0.1.10", "127.0.1.20", "127.0.1.15", "127.0.1.99", "127.0.9.1"):
            scan = next((s.role for s in SERVERS if s.address == address), None)
            self.assertEqual(f.role_of(address), scan, address)
            self.assertEqual(f.role_of(address), scan, address)  # kept: the same again
        for role in ("primary", "secondary", "fallback", "nobody"):
            scan_s = next((s for s in SERVERS if s.role == role), None)
            self.assertEqual(f.server(role), scan_s, role)
        self.assertEqual(f.addresses, frozenset(s.address for s in SERVERS))
        self.assertEqual(f.targets, tuple(s for s in SERVERS if s.role != "fallback"))
        self.assertEqual(f.group_of("127.0.1.15"), 2)
        self.assertEqual(f.group_of("127.0.1.20"), 1)
        self.assertIsNone(f.group_of("127.0.9.1"))

    def test_kept(self) -> None:
        f = _facts()
        self.assertIs(f.addresses, f.addresses)
        self.assertIs(f.targets, f.targets)

    def test_replace_recomputes(self) -> None:
        f = _facts()
        f.role_of("127.0.1.10")
        g = dataclasses.replace(f, servers=(ServerInfo("fallback", "127.0.1.10"),))
        self.assertEqual(g.role_of("127.0.1.10"), "fallback")
        self.assertEqual(g.addresses, frozenset({"127.0.1.10"}))
        self.assertEqual(g.targets, ())

    def test_value_semantics_unchanged(self) -> None:
        """Kept look-ups are no fields: equality, hashing and asdict ignore them."""
        f, g = _facts(), _facts()
        f.role_of("127.0.1.10")
        f.targets  # noqa: B018
        self.assertEqual(f, g)
        self.assertEqual(hash(f), hash(g))
        self.assertEqual(dataclasses.asdict(f), dataclasses.asdict(g))
