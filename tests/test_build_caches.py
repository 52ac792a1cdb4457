"""
What a world's building remembers across worlds: validated faults and
IP-literal tests.  Each must give what computing afresh gives.
"""

from __future__ import annotations

import random

from twisted.trial.unittest import SynchronousTestCase

from harness import testbed
from harness.phone.config import ServerConfig, _is_ipv4
from harness.scenario import FaultSpec
from harness.sip.locate import is_ip


class FaultFromSpecTests(SynchronousTestCase):
    def setUp(self) -> None:
        testbed._FAULTS.clear()
        self.addCleanup(testbed._FAULTS.clear)

    def test_equal_but_new_each_time(self) -> None:
        """Every world gets its own fault object (flapping is told apart by identity)."""
        spec = FaultSpec("primary", "respond", at=1.0, params=(("code", 503),))
        a, b = testbed.fault_from_spec(spec), testbed.fault_from_spec(spec)
        self.assertIsNot(a, b)
        self.assertEqual(a, b)
        self.assertEqual(a, testbed._convert_fault(spec))
        self.assertEqual(vars(a), vars(testbed._convert_fault(spec)))

    def test_validated_once(self) -> None:
        spec = FaultSpec("primary", "flap", at=0.0, params=(("period", 4.0),))
        testbed.fault_from_spec(spec)
        calls: list[FaultSpec] = []
        real = testbed._convert_fault

        def spy(s: FaultSpec) -> object:
            calls.append(s)
            return real(s)

        self.patch(testbed, "_convert_fault", spy)
        testbed.fault_from_spec(spec)
        self.assertEqual(calls, [])
        other = FaultSpec("primary", "flap", at=0.0, params=(("period", 5.0),))
        self.assertEqual(testbed.fault_from_spec(other).period, 5.0)
        self.assertEqual(calls, [other])

    def test_unhashable_params(self) -> None:
        """A list value (as TOML gives) is converted every time, not kept."""
        spec = FaultSpec(
            "dns", "set-record", at=0.0,
            params=(("name", "primary.example.test"), ("type", "A"), ("value", ["127.0.9.9"])),
        )
        fault = testbed.fault_from_spec(spec)
        self.assertEqual(fault.value, ("127.0.9.9",))
        self.assertEqual(testbed._FAULTS, {})

    def test_errors_not_kept(self) -> None:
        from harness.servers.faults import FaultError

        spec = FaultSpec("primary", "respond", at=0.0)
        self.assertRaises(FaultError, testbed.fault_from_spec, spec)
        self.assertRaises(FaultError, testbed.fault_from_spec, spec)


class IpLiteralTests(SynchronousTestCase):
    def test_locate_is_ip(self) -> None:
        for text, want in [("127.0.0.1", True), ("[::1]", True), ("::1", True),
                           ("example.test", False), ("", False), ("1.2.3", False)]:
            self.assertEqual(is_ip(text), want, text)
            self.assertEqual(is_ip(text), want, text)
        self.assertGreater(is_ip.cache_info().hits, 0)

    def test_server_config_is_ip(self) -> None:
        for text, want in [("127.0.1.15", True), ("::1", False), ("example.test", False)]:
            self.assertEqual(ServerConfig(address=text).is_ip, want, text)
        ServerConfig(address="example.test").is_ip  # noqa: B018
        self.assertGreater(_is_ipv4.cache_info().hits, 0)


class LazyRandomTests(SynchronousTestCase):
    """L{harness._rng.LazyRandom} draws exactly what C{random.Random(seed)} draws."""

    def draws(self, r: random.Random) -> list[object]:
        return [
            r.random(), r.getrandbits(64), r.randrange(1000), r.choice("abcdef"),
            r.uniform(0, 3), r.randbytes(5), r.gauss(0, 1), r.gauss(0, 1),
            r.sample(range(100), 5), r.choices("xyz", k=4), r.randint(1, 10**30),
        ]

    def test_same_draws(self) -> None:
        from harness._rng import LazyRandom

        for seed in (0, 5, 2**63 + 77):
            self.assertEqual(self.draws(LazyRandom(seed)), self.draws(random.Random(seed)))
            first = LazyRandom(seed).choice(range(10**6))
            self.assertEqual(first, random.Random(seed).choice(range(10**6)))

    def test_state_and_reseed(self) -> None:
        from harness._rng import LazyRandom

        self.assertEqual(LazyRandom(3).getstate(), random.Random(3).getstate())
        reseeded = LazyRandom(3)
        reseeded.seed(9)
        self.assertEqual(reseeded.random(), random.Random(9).random())
        restored = LazyRandom(3)
        restored.setstate(random.Random(4).getstate())
        self.assertEqual(restored.random(), random.Random(4).random())
