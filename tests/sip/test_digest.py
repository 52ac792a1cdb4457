"""Digest authentication: RFC 2617/7616 vectors, client and server."""

from __future__ import annotations

import random

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from harness.sip.digest import (
    Challenge,
    Credentials,
    DigestServer,
    answer,
    parse_challenge,
    parse_credentials,
)
from harness.sip.message import ParseError


class VectorTests(SynchronousTestCase):
    def test_rfc2617_md5_qop_auth(self) -> None:
        """RFC 2617 3.5 (response to the published example)."""
        ch = Challenge(realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                       qop=("auth", "auth-int"), opaque="5ccc069c403ebaf9f0171e9517f40e41")
        c = answer(ch, method="GET", uri="/dir/index.html", username="Mufasa",
                   password="Circle Of Life", cnonce="0a4f113b", nc=1)
        self.assertEqual(c.response, "6629fae49393a05397450978507c4ef1")
        self.assertEqual((c.qop, c.nc, c.opaque), ("auth", 1, ch.opaque))

    def test_rfc7616_sha256(self) -> None:
        """RFC 7616 3.9.1, SHA-256."""
        ch = Challenge(realm="http-auth@example.org",
                       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                       algorithm="SHA-256", qop=("auth",),
                       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
        c = answer(ch, method="GET", uri="/dir/index.html", username="Mufasa",
                   password="Circle of Life",
                   cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc=1)
        self.assertEqual(
            c.response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        )

    def test_legacy_no_qop(self) -> None:
        ch = Challenge(realm="r", nonce="n", qop=())
        c = answer(ch, method="REGISTER", uri="sip:r", username="u", password="p", cnonce="c")
        self.assertEqual((c.qop, c.nc, c.cnonce), (None, None, None))
        self.assertNotIn("qop", c.to_header())

    def test_unsupported(self) -> None:
        self.assertRaises(ValueError, answer, Challenge("r", "n", algorithm="SHA-512"),
                          method="M", uri="u", username="u", password="p", cnonce="c")
        self.assertRaises(ValueError, answer, Challenge("r", "n", qop=("auth-int",)),
                          method="M", uri="u", username="u", password="p", cnonce="c")


class HeaderTests(SynchronousTestCase):
    def test_challenge_round_trip(self) -> None:
        ch = Challenge("atlanta.com", "ea9c8e88df84f1cec4341ae6cbe5a359", "SHA-256",
                       ("auth",), 'op"aque', stale=True)
        self.assertEqual(parse_challenge(ch.to_header()), ch)

    def test_parse_rfc3261_challenge(self) -> None:
        ch = parse_challenge('Digest realm="atlanta.com", domain="sip:boxesbybob.com", '
                             'qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", '
                             'opaque="", stale=FALSE, algorithm=MD5')
        self.assertEqual((ch.realm, ch.qop, ch.opaque, ch.stale, ch.algorithm),
                         ("atlanta.com", ("auth", "auth-int"), "", False, "MD5"))

    def test_credentials_round_trip(self) -> None:
        c = answer(Challenge("r", "n", opaque="o"), method="REGISTER", uri="sip:r",
                   username="bob", password="pw", cnonce="cn", nc=3)
        self.assertEqual(parse_credentials(c.to_header()), c)
        self.assertIn("nc=00000003", c.to_header())

    def test_bad_headers(self) -> None:
        for bad in ("Basic abc", 'Digest realm="a"', 'Digest realm="a, nonce="b"',
                    "Digest realm", 'Digest realm="a", realm="b", nonce="c"'):
            self.assertRaises(ParseError, parse_challenge, bad)
        self.assertRaises(ParseError, parse_credentials, 'Digest username="u", nc=zz')

    def test_no_password_anywhere(self) -> None:
        c = answer(Challenge("r", "n"), method="REGISTER", uri="sip:r", username="bob",
                   password="hunter2-secret", cnonce="cn")
        self.assertNotIn("hunter2", repr(c))
        self.assertNotIn("hunter2", c.to_header())
        self.assertNotIn("hunter2", repr(vars(c)))


class ServerTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = DigestServer("example.com", self.clock, random.Random(1),
                                   nonce_lifetime=60.0)

    def respond(self, ch: Challenge, password: str = "pw") -> Credentials:
        return answer(ch, method="REGISTER", uri="sip:example.com", username="bob",
                      password=password, cnonce="abc")

    def test_ok(self) -> None:
        c = self.respond(self.server.challenge())
        self.assertEqual(self.server.verify("REGISTER", c, "pw"), "ok")

    def test_wrong_password_or_method(self) -> None:
        c = self.respond(self.server.challenge(), password="wrong")
        self.assertEqual(self.server.verify("REGISTER", c, "pw"), "bad")
        c = self.respond(self.server.challenge())
        self.assertEqual(self.server.verify("INVITE", c, "pw"), "bad")

    def test_stale_after_lifetime(self) -> None:
        c = self.respond(self.server.challenge())
        self.clock.advance(61)
        self.assertEqual(self.server.verify("REGISTER", c, "pw"), "stale")
        self.assertTrue(self.server.challenge(stale=True).stale)

    def test_forged_nonce(self) -> None:
        ch = self.server.challenge()
        forged = Challenge(ch.realm, "0.0000000000000000.0000000000000000")
        self.assertEqual(self.server.verify("REGISTER", self.respond(forged), "pw"), "bad")
        other = DigestServer("example.com", self.clock, random.Random(2))
        self.assertEqual(other.verify("REGISTER", self.respond(ch), "pw"), "bad")

    def test_sha256_server(self) -> None:
        server = DigestServer("example.com", self.clock, random.Random(3), algorithm="sha-256")
        ch = server.challenge()
        self.assertEqual(ch.algorithm, "SHA-256")
        self.assertEqual(server.verify("REGISTER", self.respond(ch), "pw"), "ok")
        self.assertEqual(self.server.verify("REGISTER", self.respond(ch), "pw"), "bad")

    def test_nonces_deterministic(self) -> None:
        a = DigestServer("r", Clock(), random.Random(5)).challenge()
        b = DigestServer("r", Clock(), random.Random(5)).challenge()
        self.assertEqual(a, b)

    def test_server_holds_no_password(self) -> None:
        c = self.respond(self.server.challenge(), password="hunter2-secret")
        self.server.verify("REGISTER", c, "hunter2-secret")
        self.assertNotIn("hunter2", repr(vars(self.server)))
