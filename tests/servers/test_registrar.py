"""Registration lifecycle and digest authentication at the fake registrar."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from harness.net.simulated import SimWorld
from harness.servers.location import LocationService, OutOfOrder
from harness.sip.digest import answer, parse_challenge
from harness.sip.message import Response
from tests.servers.world import ALICE, PRIMARY, result, server, ua, udp


def contacts(response: Response) -> list[str]:
    return list(response.headers.get_all("Contact"))


class LocationTests(SynchronousTestCase):
    def test_expiry_on_the_injected_clock(self) -> None:
        clock = Clock()
        loc = LocationService(clock)
        loc.update("sip:a@x", "sip:a@1.2.3.4", 60, source=("udp", "1.2.3.4", 5060),
                   call_id="c", cseq=1)
        clock.advance(59)
        self.assertEqual(len(loc.bindings("a")), 1)
        clock.advance(1)
        self.assertEqual(loc.bindings("a"), [])
        self.assertTrue(loc.known("a"))
        self.assertEqual(loc.purge(), 1)

    def test_refresh_with_old_cseq_is_out_of_order(self) -> None:
        loc = LocationService(Clock())
        loc.update("a", "sip:a@h", 60, source=("udp", "h", 5060), call_id="c", cseq=5)
        self.assertRaises(OutOfOrder, loc.check_order, "a", "sip:a@h", "c", 5)
        loc.check_order("a", "sip:a@h", "other", 1)  # another Call-ID: fine

    def test_aor_is_keyed_by_user(self) -> None:
        loc = LocationService(Clock())
        loc.update("sip:Bob@example.test", "sip:bob@h", 60, source=("udp", "h", 1),
                   call_id="c", cseq=1)
        self.assertIsNotNone(loc.lookup("sip:bob@127.0.1.15"))
        self.assertIsNotNone(loc.find_contact("sip:bob@h"))


class RegistrationTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=3)
        self.server = server(self.world, min_expires=60, max_expires=7200)
        self.alice = ua(self.world, "alice", ALICE)

    def register(self, **kw: object) -> Response:
        r = result(self.world, self.alice.register(udp(PRIMARY), **kw))  # type: ignore[arg-type]
        self.assertIsInstance(r, Response)
        return r

    def test_register_binds_and_lists_the_contact_with_expires(self) -> None:
        r = self.register(expires=600)
        self.assertEqual(r.status, 200)
        self.assertEqual(contacts(r), ["<sip:alice@127.0.0.5:5060>;expires=600"])
        [b] = self.server.bindings("alice")
        self.assertEqual(b.source, ("udp", ALICE, 5060))
        self.assertEqual(b.server, "primary")

    def test_binding_expires_on_virtual_time(self) -> None:
        self.register(expires=600)
        self.world.advance(599)
        self.assertEqual(len(self.server.bindings("alice")), 1)
        self.world.advance(2)
        self.assertEqual(self.server.bindings("alice"), [])

    def test_refresh_extends_the_binding(self) -> None:
        self.register(expires=600)
        self.world.advance(500)
        r = self.register(expires=600)
        self.assertEqual(contacts(r), ["<sip:alice@127.0.0.5:5060>;expires=600"])
        self.world.advance(200)
        self.assertEqual(len(self.server.bindings("alice")), 1)

    def test_expires_zero_removes_one_contact(self) -> None:
        self.register(contacts=["<sip:alice@127.0.0.5:5060>", "<sip:alice@127.0.0.5:5070>"])
        r = self.register(contacts=["<sip:alice@127.0.0.5:5070>"], expires=0)
        self.assertEqual(contacts(r), ["<sip:alice@127.0.0.5:5060>;expires=3600"])

    def test_contact_param_overrides_expires_header(self) -> None:
        r = self.register(expires=600, contact_expires=120)
        self.assertEqual(contacts(r), ["<sip:alice@127.0.0.5:5060>;expires=120"])

    def test_star_with_expires_zero_removes_all(self) -> None:
        self.register(contacts=["<sip:alice@127.0.0.5:5060>", "<sip:alice@127.0.0.5:5070>"])
        r = self.register(contacts=["*"], expires=0)
        self.assertEqual((r.status, contacts(r)), (200, []))
        self.assertEqual(self.server.bindings("alice"), [])

    def test_star_without_expires_zero_is_400(self) -> None:
        self.assertEqual(self.register(contacts=["*"], expires=60).status, 400)

    def test_too_brief_is_423_with_min_expires(self) -> None:
        r = self.register(expires=30)
        self.assertEqual(r.status, 423)
        self.assertEqual(r.headers.get("Min-Expires"), "60")
        self.assertEqual(self.server.bindings("alice"), [])

    def test_too_long_is_capped(self) -> None:
        r = self.register(expires=100000)
        self.assertEqual(contacts(r), ["<sip:alice@127.0.0.5:5060>;expires=7200"])

    def test_query_without_contact_lists_bindings(self) -> None:
        self.register(expires=600)
        self.world.advance(100)
        r = self.register(contacts=[], expires=None)
        self.assertEqual(contacts(r), ["<sip:alice@127.0.0.5:5060>;expires=500"])


class DigestTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=4)
        self.alice = ua(self.world, "alice", ALICE)

    def test_challenge_then_success(self) -> None:
        srv = server(self.world, credentials={"alice": "secret"})
        r = result(self.world, self.alice.register(udp(PRIMARY), password="secret"))
        self.assertEqual(r.status, 200)
        statuses = [e.message.status for e in self.world.trace.sip([PRIMARY])
                    if e.direction == "out"]
        self.assertEqual(statuses, [401, 200])
        self.assertEqual(len(srv.bindings("alice")), 1)

    def test_password_never_in_trace(self) -> None:
        server(self.world, credentials={"alice": "s3cr3t-pw"})
        result(self.world, self.alice.register(udp(PRIMARY), password="s3cr3t-pw"))
        self.assertNotIn("s3cr3t-pw", self.world.trace.to_jsonl())

    def test_sha256_is_offered_first_and_accepted(self) -> None:
        server(self.world, credentials={"alice": "pw"}, digest_algorithms=("SHA-256", "MD5"))
        r = result(self.world, self.alice.register(udp(PRIMARY), password="pw"))
        self.assertEqual(r.status, 200)
        first_401 = next(e.message for e in self.world.trace.sip([PRIMARY])
                         if e.direction == "out")
        algs = [parse_challenge(v).algorithm for v in first_401.headers.get_all("WWW-Authenticate")]
        self.assertEqual(algs, ["SHA-256", "MD5"])

    def test_wrong_password_is_challenged_again_then_forbidden(self) -> None:
        srv = server(self.world, credentials={"alice": "right"})
        r = result(self.world, self.alice.register(udp(PRIMARY), password="wrong",
                                                   max_challenges=5))
        self.assertEqual(r.status, 403)
        statuses = [e.message.status for e in self.world.trace.sip([PRIMARY])
                    if e.direction == "out"]
        self.assertEqual(statuses, [401, 401, 403])
        self.assertEqual(srv.bindings("alice"), [])

    def test_unknown_user_is_not_registered(self) -> None:
        server(self.world, credentials={"bob": "pw"})
        r = result(self.world, self.alice.register(udp(PRIMARY), password="pw", max_challenges=1))
        self.assertEqual(r.status, 401)

    def test_stale_nonce_gets_stale_challenge(self) -> None:
        server(self.world, credentials={"alice": "pw"}, nonce_lifetime=10)
        first = result(self.world, self.alice.register(udp(PRIMARY)))
        self.assertEqual(first.status, 401)
        challenge = parse_challenge(first.headers.get("WWW-Authenticate") or "")
        self.world.advance(60)
        creds = answer(challenge, method="REGISTER", uri="sip:example.test", username="alice",
                       password="pw", cnonce="abcd")
        r = result(self.world, self.alice.register(
            udp(PRIMARY), extra=[("Authorization", creds.to_header())]))
        self.assertEqual(r.status, 401)
        self.assertTrue(parse_challenge(r.headers.get("WWW-Authenticate") or "").stale)
