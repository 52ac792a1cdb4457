"""Messages: parse, accessors, canonical serialisation, building responses."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from harness.sip.message import (
    CSeq,
    Headers,
    Limits,
    NameAddr,
    ParseError,
    Request,
    Response,
    Via,
    make_response,
    new_branch,
    new_call_id,
    new_tag,
    parse,
    parse_expires,
    parse_name_addr,
    parse_retry_after,
    parse_via,
)
from harness.testing.hypothesis_trial import show_notes
from harness.testing.strategies_sip import messages, name_addrs, vias

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def crlf(text: str) -> bytes:
    head, _, body = text.partition("\n\n")
    return (head.replace("\n", "\r\n") + "\r\n\r\n" + body).encode("utf-8")


class RFC3261ExampleTests(SynchronousTestCase):
    """The section 24 flows parse into what they say."""

    def test_register(self) -> None:
        m = parse(fixture("register.sip"))
        assert isinstance(m, Request)
        self.assertEqual((m.method, m.uri), ("REGISTER", "sip:registrar.biloxi.com"))
        self.assertEqual(m.call_id, "843817637684230@998sdasdh09")
        self.assertEqual(m.cseq, CSeq(1826, "REGISTER"))
        self.assertEqual(m.top_via.branch, "z9hG4bKnashds7")
        self.assertEqual((m.top_via.transport, m.top_via.host, m.top_via.port),
                         ("UDP", "bobspc.biloxi.com", 5060))
        self.assertEqual(m.from_.tag, "456248")
        self.assertEqual(m.from_.display, "Bob")
        self.assertIsNone(m.to.tag)
        self.assertEqual(m.expires, 7200)
        contact = m.contacts[0]
        assert isinstance(contact, NameAddr)
        self.assertEqual(str(contact.uri), "sip:bob@192.0.2.4")

    def test_register_ok(self) -> None:
        m = parse(fixture("register-200.sip"))
        assert isinstance(m, Response)
        self.assertEqual((m.status, m.reason), (200, "OK"))
        self.assertEqual(m.top_via.received, "192.0.2.4")
        self.assertEqual(m.to.tag, "2493k59kd")

    def test_invite_body(self) -> None:
        m = parse(fixture("invite.sip"))
        self.assertTrue(m.body.startswith(b"v=0\r\n"))
        self.assertEqual(m.headers.get("content-length"), str(len(m.body)))
        self.assertEqual(m.headers.get("Content-Type"), "application/sdp")

    def test_invite_ok_vias_and_record_route(self) -> None:
        m = parse(fixture("invite-200.sip"))
        self.assertEqual([v.host for v in m.vias],
                         ["server10.biloxi.com", "bigbox3.site3.atlanta.com", "pc33.atlanta.com"])
        self.assertEqual(m.headers.get_all("Record-Route"),
                         ("<sip:server10.biloxi.com;lr>", "<sip:bigbox3.site3.atlanta.com;lr>"))

    def test_fixtures_round_trip(self) -> None:
        for name in ("register.sip", "register-200.sip", "invite.sip", "invite-200.sip"):
            m = parse(fixture(name))
            self.assertEqual(parse(m.to_bytes()), m, name)

    def test_bad_fixture(self) -> None:
        e = self.assertRaises(ParseError, parse, fixture("bad-content-length.sip"))
        self.assertEqual(e.header, "Content-Length")


class HeadersTests(SynchronousTestCase):
    def test_case_insensitive_and_compact(self) -> None:
        h = Headers([("i", "abc"), ("v", "SIP/2.0/UDP a.com"), ("CSEQ", "1 INVITE")])
        self.assertEqual(list(h), [("Call-ID", "abc"), ("Via", "SIP/2.0/UDP a.com"),
                                   ("CSeq", "1 INVITE")])
        self.assertEqual(h.get("call-id"), "abc")
        self.assertEqual(h.get("I"), "abc")

    def test_canonical_names(self) -> None:
        h = Headers([("www-authenticate", "Digest realm=\"a\""), ("x-my-header", "1"),
                     ("call-id", "c")])
        self.assertEqual([n for n, _ in h], ["WWW-Authenticate", "X-My-Header", "Call-ID"])

    def test_list_headers_split(self) -> None:
        h = Headers([("Contact", '"A, B" <sip:a@b.com;x=1>, <sip:c@d.com>'),
                     ("Allow", "INVITE,ACK , BYE")])
        self.assertEqual(h.get_all("Contact"), ('"A, B" <sip:a@b.com;x=1>', "<sip:c@d.com>"))
        self.assertEqual(h.get("Allow"), "INVITE")
        self.assertEqual(h.get_all("allow"), ("INVITE", "ACK", "BYE"))

    def test_auth_headers_never_split(self) -> None:
        value = 'Digest realm="a", nonce="b", qop="auth,auth-int"'
        h = Headers([("WWW-Authenticate", value), ("Date", "Sat, 13 Nov 2010 23:29:00 GMT")])
        self.assertEqual(h.get_all("WWW-Authenticate"), (value,))
        self.assertEqual(h.get("Date"), "Sat, 13 Nov 2010 23:29:00 GMT")

    def test_set_add_remove_are_new_values(self) -> None:
        h = Headers([("Via", "SIP/2.0/UDP a.com"), ("To", "<sip:a@b.com>")])
        h2 = h.add("Via", "SIP/2.0/UDP p.com", first=True).set("to", "<sip:x@y.com>")
        self.assertEqual(h.get("To"), "<sip:a@b.com>")
        self.assertEqual(h2.get_all("Via"), ("SIP/2.0/UDP p.com", "SIP/2.0/UDP a.com"))
        self.assertEqual(h2.get("To"), "<sip:x@y.com>")
        self.assertNotIn("To", h2.remove("TO"))
        self.assertEqual(h.add("X-A", "1").get("x-a"), "1")

    def test_equality_and_hash(self) -> None:
        self.assertEqual(Headers([("i", "a")]), Headers([("Call-ID", "a")]))
        self.assertEqual(hash(Headers([("i", "a")])), hash(Headers([("Call-ID", "a")])))

    def test_rejects_line_breaks(self) -> None:
        self.assertRaises(ParseError, Headers, [("Subject", "a\r\nVia: x")])
        self.assertRaises(ParseError, Headers, [("Bad Name", "x")])


class AccessorTests(SynchronousTestCase):
    def test_via(self) -> None:
        v = parse_via("SIP/2.0/udp [2001:db8::1]:5060;branch=z9hG4bK1;rport;received=1.2.3.4")
        self.assertEqual((v.transport, v.host, v.port), ("UDP", "[2001:db8::1]", 5060))
        self.assertEqual((v.branch, v.received, v.rport), ("z9hG4bK1", "1.2.3.4", True))
        v2 = v.with_param("rport", "5062")
        self.assertEqual(v2.rport, 5062)
        self.assertEqual(
            str(v2), "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport=5062;received=1.2.3.4"
        )

    def test_name_addr_forms(self) -> None:
        a = parse_name_addr('"Alice \\"A\\"" <sip:alice@a.com;transport=tcp>;tag=1')
        self.assertEqual((a.display, a.tag, a.uri.transport), ('Alice "A"', "1", "tcp"))
        b = parse_name_addr("Bob  Smith <sip:bob@b.com>")
        self.assertEqual(b.display, "Bob Smith")
        c = parse_name_addr("sip:carol@c.com;tag=xyz;expires=60")
        self.assertEqual((c.display, c.tag, c.expires, c.uri.params), (None, "xyz", 60, ()))
        self.assertEqual(str(a), '"Alice \\"A\\"" <sip:alice@a.com;transport=tcp>;tag=1')

    def test_contact_star(self) -> None:
        m = parse(crlf(fixture("register.sip").decode().replace(
            "Contact: <sip:bob@192.0.2.4>", "Contact: *").replace("\r\n", "\n")))
        assert isinstance(m, Request)
        self.assertEqual(m.contacts, ("*",))

    def test_missing_header_accessor(self) -> None:
        r = Request("OPTIONS", "sip:a.com", Headers())
        e = self.assertRaises(ParseError, lambda: r.call_id)
        self.assertEqual(e.header, "Call-ID")

    def test_expires_and_retry_after(self) -> None:
        self.assertEqual(parse_expires("3600"), 3600)
        self.assertIsNone(parse_expires("10000000000000000000"))
        self.assertIsNone(parse_expires("soon"))
        self.assertIsNone(parse_expires(None))
        self.assertEqual(parse_retry_after("120"), 120)
        self.assertEqual(parse_retry_after("18000;duration=3600"), 18000)
        self.assertEqual(parse_retry_after("120 (I'm in a meeting)"), 120)
        self.assertRaises(ParseError, parse_retry_after, "later")


class SerialiseTests(SynchronousTestCase):
    def test_canonical_form(self) -> None:
        raw = crlf(
            "OPTIONS sip:carol@chicago.com SIP/2.0\n"
            "v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877\n"
            "max-forwards:70\n"
            "t: <sip:carol@chicago.com>\n"
            "f: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
            "i: a84b4c76e66710\n"
            "cseq:   63104 OPTIONS\n"
            "k: replaces, 100rel\n\n"
        )
        m = parse(raw)
        self.assertEqual(
            m.to_bytes(),
            crlf(
                "OPTIONS sip:carol@chicago.com SIP/2.0\n"
                "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877\n"
                "Max-Forwards: 70\n"
                "To: <sip:carol@chicago.com>\n"
                "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
                "Call-ID: a84b4c76e66710\n"
                "CSeq: 63104 OPTIONS\n"
                "Supported: replaces, 100rel\n"
                "Content-Length: 0\n\n"
            ),
        )

    def test_content_length_always_correct(self) -> None:
        r = Request("MESSAGE", "sip:a@b.com",
                    Headers([("Content-Length", "99"), ("X-A", "1")]), b"hello")
        self.assertEqual(r.headers.get_all("Content-Length"), ("5",))
        self.assertIn(b"Content-Length: 5\r\n", r.to_bytes())

    def test_datagram_without_content_length(self) -> None:
        raw = fixture("register.sip").replace(b"Content-Length: 0\r\n", b"") + b"body"
        m = parse(raw)
        self.assertEqual((m.body, m.headers.get("Content-Length")), (b"body", "4"))
        self.assertEqual(parse(m.to_bytes()), m)

    def test_bytes_after_content_length_dropped(self) -> None:
        m = parse(fixture("register.sip") + b"garbage")
        self.assertEqual(m.body, b"")

    def test_with_headers(self) -> None:
        m = parse(fixture("register.sip"))
        m2 = m.with_headers(m.headers.set("Expires", "0"))
        self.assertEqual((type(m2), m2.expires, m.expires), (Request, 0, 7200))


class MakeResponseTests(SynchronousTestCase):
    def test_copies_and_tags(self) -> None:
        req = parse(fixture("invite.sip"))
        assert isinstance(req, Request)
        r = make_response(req, 180, to_tag="abc", headers=[("Contact", "<sip:bob@b.com>")])
        self.assertEqual((r.status, r.reason), (180, "Ringing"))
        self.assertEqual(r.headers.get_all("Via"), req.headers.get_all("Via"))
        self.assertEqual(r.to.tag, "abc")
        self.assertEqual((r.from_, r.call_id, r.cseq), (req.from_, req.call_id, req.cseq))
        self.assertEqual(r.headers.get("Content-Length"), "0")
        self.assertEqual(parse(r.to_bytes()), r)

    def test_keeps_existing_to_tag(self) -> None:
        req = parse(fixture("register.sip"))
        assert isinstance(req, Request)
        req = req.with_headers(req.headers.set("To", "<sip:bob@biloxi.com>;tag=old"))
        self.assertEqual(make_response(req, 200, to_tag="new").to.tag, "old")

    def test_reason_override_and_body(self) -> None:
        req = parse(fixture("register.sip"))
        assert isinstance(req, Request)
        r = make_response(req, 503, "Down for maintenance", body=b"x")
        self.assertEqual((r.reason, r.body, r.headers.get("Content-Length")),
                         ("Down for maintenance", b"x", "1"))


    def test_content_length_given_is_replaced(self) -> None:
        """
        A Content-Length among the extra fields (the only place one can be)
        is set from the body, where it was given, as Response() does.
        """
        req = parse(fixture("register.sip"))
        assert isinstance(req, Request)
        r = make_response(req, 200, headers=[("Content-Length", "7"), ("X-A", "1")], body=b"ab")
        self.assertEqual(r.headers.get_all("Content-Length"), ("2",))
        self.assertEqual([n for n, _ in r.headers][-2:], ["Content-Length", "X-A"])

    def test_short_lengths_share_one_field(self) -> None:
        req = parse(fixture("register.sip"))
        assert isinstance(req, Request)
        a, b = make_response(req, 200), make_response(req, 404, body=b"x" * 15)
        c = make_response(req, 200)
        self.assertIs(list(a.headers)[-1], list(c.headers)[-1])
        self.assertEqual(list(b.headers)[-1], ("Content-Length", "15"))
        self.assertEqual(make_response(req, 200, body=b"y" * 16).headers.get("Content-Length"),
                         "16")


class IdentifierTests(SynchronousTestCase):
    def test_deterministic_from_rng(self) -> None:
        a, b = random.Random(7), random.Random(7)
        self.assertEqual([new_branch(a), new_tag(a), new_call_id(a, "h")],
                         [new_branch(b), new_tag(b), new_call_id(b, "h")])

    def test_branch_shape(self) -> None:
        branch = new_branch(random.Random(1))
        self.assertTrue(branch.startswith("z9hG4bK"))
        self.assertEqual(len(branch), 7 + 16)


class LimitTests(SynchronousTestCase):
    def test_max_size(self) -> None:
        e = self.assertRaises(ParseError, parse, fixture("register.sip"), Limits(max_size=100))
        self.assertIn("larger than", str(e))

    def test_max_headers(self) -> None:
        self.assertRaises(ParseError, parse, fixture("register.sip"), Limits(max_headers=5))

    def test_max_line(self) -> None:
        raw = fixture("register.sip").replace(b"Expires: 7200", b"Subject: " + b"x" * 300)
        e = self.assertRaises(ParseError, parse, raw, Limits(max_line=200))
        self.assertEqual(e.line, 9)

    def test_error_str(self) -> None:
        e = ParseError("bad thing", 3, "Via")
        self.assertEqual(str(e), "bad thing (line 3, header Via)")


class PropertyTests(SynchronousTestCase):
    @show_notes
    @given(messages)
    def test_round_trip(self, m: Request | Response) -> None:
        self.assertEqual(parse(m.to_bytes()), m)

    @show_notes
    @given(vias())
    def test_via_round_trip(self, v: Via) -> None:
        self.assertEqual(parse_via(str(v)), v)

    @show_notes
    @given(name_addrs())
    def test_name_addr_round_trip(self, na: NameAddr) -> None:
        self.assertEqual(parse_name_addr(str(na)), na)

    @show_notes
    @given(st.binary(max_size=300))
    def test_arbitrary_bytes_only_parse_error(self, data: bytes) -> None:
        try:
            parse(data)
        except ParseError:
            pass

    @show_notes
    @given(messages, st.data())
    def test_mutated_messages_only_parse_error(self, m: Request | Response,
                                               data: st.DataObject) -> None:
        raw = bytearray(m.to_bytes())
        for _ in range(data.draw(st.integers(1, 4))):
            op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
            i = data.draw(st.integers(0, max(0, len(raw) - 1)))
            if op == "flip" and raw:
                raw[i] = data.draw(st.integers(0, 255))
            elif op == "cut":
                del raw[i : i + data.draw(st.integers(1, 20))]
            else:
                raw[i:i] = data.draw(st.sampled_from(
                    [b"\r\n", b" ", b":", b";", b'"', b"<", b",", b"\xff", b"%", b"9" * 12]))
        try:
            parse(bytes(raw))
        except ParseError:
            pass


class ParseCacheTests(SynchronousTestCase):
    """The name-addr and URI caches keep, when full, the entries still in use."""

    def test_generations_are_bounded_and_keep_what_is_used(self) -> None:
        from harness.sip import message

        cache: message._Generations[str, int] = message._Generations()
        cache.keep("used", 0)
        for i in range(3 * message._CACHE_MAX):
            cache.keep(f"once-{i}", i)
            if "used" not in cache:  # as parse_name_addr looks it up: young, then elder
                self.assertEqual(cache.elder.get("used"), 0)
                cache.keep("used", 0)
            self.assertLessEqual(len(cache) + len(cache.elder), 2 * message._CACHE_MAX)
        self.assertNotIn("once-0", cache)
        self.assertNotIn("once-0", cache.elder)

    def test_name_addr_with_unique_tags_keeps_the_others(self) -> None:
        from harness.sip import message

        contact = parse_name_addr("<sip:alice@192.0.2.1:5060;transport=udp>")
        for i in range(2 * message._CACHE_MAX):
            parse_name_addr(f"<sip:alice@example.test>;tag={i:x}")
            if i % 1000 == 0:
                self.assertIs(parse_name_addr("<sip:alice@192.0.2.1:5060;transport=udp>"),
                              contact)
