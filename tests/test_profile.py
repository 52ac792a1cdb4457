"""Tests for L{harness.profile}: the two shipped readings of the guide."""

from __future__ import annotations

import dataclasses

from twisted.trial.unittest import SynchronousTestCase

from harness.profile import PROFILES, Profile, UnknownProfile, get_profile


class ProfileTests(SynchronousTestCase):
    def test_yealink_is_the_default(self) -> None:
        self.assertEqual(get_profile("yealink"), Profile())

    def test_yealink_values(self) -> None:
        p = PROFILES["yealink"]
        self.assertEqual(
            (
                p.t1,
                p.t2,
                p.t4,
                p.give_up,
                p.retry_interval,
                p.srv_tie,
                p.srv_round_robin,
                p.tls_default_port,
                p.probe_tolerance,
                p.naptr_max_depth,
                p.dnsttl_source,
                p.renew,
            ),
            (
                0.5,
                4.0,
                5.0,
                "last-interval",
                30.0,
                "weight-desc",
                True,
                5060,
                1.0,
                4,
                "min-chain",
                "expires-min60-half",
            ),
        )

    def test_rfc_values(self) -> None:
        p = get_profile("rfc")
        self.assertEqual(p.name, "rfc")
        self.assertEqual(
            (p.give_up, p.srv_tie, p.srv_round_robin, p.tls_default_port),
            ("timer-b", "rfc2782", False, 5061),
        )

    def test_unknown_name_is_clear(self) -> None:
        e = self.assertRaises(UnknownProfile, get_profile, "cisco")
        self.assertEqual(str(e), "unknown profile 'cisco' (known profiles: rfc, yealink)")
        self.assertIsInstance(e, KeyError)
        self.assertIsInstance(e, ValueError)

    def test_frozen(self) -> None:
        self.assertRaises(dataclasses.FrozenInstanceError, setattr, Profile(), "t1", 1.0)

    def test_invalid_values_rejected(self) -> None:
        e = self.assertRaises(ValueError, Profile, give_up="never", tls_default_port=0)
        self.assertIn("give_up='never'", str(e))
        self.assertIn("tls_default_port=0", str(e))
        self.assertRaises(ValueError, Profile, srv_tie="random")
        self.assertRaises(ValueError, Profile, t1=0)
        self.assertRaises(ValueError, Profile, naptr_max_depth=0)

    def test_renewal_delay(self) -> None:
        p = Profile()
        self.assertEqual(p.renewal_delay(3600), 3540.0)
        self.assertEqual(p.renewal_delay(60), 30.0)

    def test_default_port_for(self) -> None:
        self.assertEqual(PROFILES["yealink"].default_port_for("tls"), 5060)
        self.assertEqual(PROFILES["rfc"].default_port_for("tls"), 5061)
        self.assertEqual(PROFILES["rfc"].default_port_for("udp"), 5060)

    def test_timer_b(self) -> None:
        self.assertEqual(Profile().timer_b(), 32.0)
