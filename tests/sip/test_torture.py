"""
Torture tests in the categories of RFC 4475 section 3.1 (parser tests):
messages a robust parser must accept (3.1.1) and must reject (3.1.2).  The
messages are written after the RFC's, not copied byte for byte.

Deliberate deviation: RFC 4475 3.1.1.2 puts NUL, BEL and DEL (as quoted-pairs)
in a display name.  This parser rejects every raw control character except
HT in the header section, so that a parsed message can always be logged and
written back; that one message would be rejected.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.sip.message import NameAddr, ParseError, Request, Response, parse

SDP = (
    "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n"
    "t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n"
)


def msg(text: str, body: str = "") -> bytes:
    """Lines joined by CRLF, Content-Length filled in where C{%(cl)d} stands."""
    head = text.strip("\n").replace("\n", "\r\n").replace("%(cl)d", str(len(body.encode())))
    return (head + "\r\n\r\n" + body).encode("utf-8")


REQUIRED = """Call-ID: torture@example.com
From: <sip:a@example.com>;tag=1
To: <sip:b@example.com>
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1"""


class ValidTests(SynchronousTestCase):
    def test_short_tortuous_invite(self) -> None:
        """3.1.1.1: folding, blanks everywhere, odd case, compact forms, odd params."""
        m = parse(msg("""
INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
TO :
 sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1
Content-Length   : %(cl)d
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /UDP
    192.0.2.2;branch=390skdjuw
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  127.0.255.111   ; branch=
 z9hG4bK30239
m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33
""", SDP))
        assert isinstance(m, Request)
        self.assertEqual(m.to.tag, "1918181833n")
        self.assertEqual(m.from_.display, 'J Rosenberg \\"')
        self.assertEqual(m.from_.tag, "98asjd8")
        self.assertEqual((m.cseq.seq, m.cseq.method), (9, "INVITE"))
        self.assertEqual([(v.transport, v.host, v.branch) for v in m.vias], [
            ("UDP", "192.0.2.2", "390skdjuw"),
            ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
            ("UDP", "127.0.255.111", "z9hG4bK30239"),
        ])
        self.assertEqual(m.headers.get("Subject"), "")
        self.assertEqual(m.headers.get("newfangledheader"),
                         "newfangled value continued newfangled value")
        self.assertEqual(m.headers.get("UnknownHeaderWithUnusualValue"), ";;,,;;,;")
        contact = m.contacts[0]
        assert isinstance(contact, NameAddr)
        self.assertEqual((contact.display, contact.param("q")), ('Quoted string ""', "0.33"))
        self.assertEqual(m.body, SDP.encode())
        self.assertEqual(parse(m.to_bytes()), m)

    def test_wide_range_of_characters(self) -> None:
        """3.1.1.2 (without control characters): unusual method, URI and tokens."""
        method = "!interesting-Method0123456789_*+`.%indeed'~"
        crazy = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
        russian = "\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439"
        m = parse(msg("\n".join([
            f"{method} sip:{crazy}:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0",
            "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
            f'To: "BEL:\\\\ DEL:\\\\" <sip:{crazy}@example.com>',
            "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>"
            f";fromParam''~+*_!.-%=\"{russian}\";tag=_token~1'+`*%!-.",
            "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
            f"CSeq: 139122385 {method}",
            "Max-Forwards: 255",
            "extensionHeader-!.%*+_`'~: \ufeff\u5927\u505c\u96fb",
            "Content-Length: 0",
        ])))
        assert isinstance(m, Request)
        self.assertEqual(m.method, method)
        self.assertEqual(m.from_.display, "token1~` token2'+_ token3*%!.-")
        self.assertEqual(m.from_.tag, "_token~1'+`*%!-.")
        self.assertEqual(m.to.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        self.assertEqual(m.headers.get("Extensionheader-!.%*+_`'~"), "\ufeff\u5927\u505c\u96fb")
        self.assertEqual(parse(m.to_bytes()), m)

    def test_escaped_uris(self) -> None:
        """3.1.1.3/3.1.1.4: %-escapes in user parts, parameters, and an escaped NUL."""
        m = parse(msg("""
INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0
To: sip:%75se%72@example.com
From: <sip:I%20have%20spaces@example.net>;tag=938
Max-Forwards: 87
Call-ID: esc01.239409asdfakjkn23onasd0-3234
CSeq: 234234 INVITE
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw
C: application/sdp
Contact:
  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: 0
"""))
        assert isinstance(m, Request)
        self.assertEqual(m.to.uri.user, "user")
        self.assertEqual(m.from_.uri.user, "I have spaces")
        contact = m.contacts[0]
        assert isinstance(contact, NameAddr)
        self.assertEqual(contact.uri.user, "caller")
        self.assertEqual(contact.uri.params, (("lr", None), ("name", "value%41")))
        self.assertEqual(str(contact.uri), "sip:caller@host5.example.net;lr;name=value%2541")
        null = parse(msg("""
REGISTER sip:example.com SIP/2.0
To: sip:null-%00-null@example.com
From: sip:null-%00-null@example.com;tag=839923423
Max-Forwards: 70
Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw
Contact: <sip:%00@host5.example.com>
Contact: <sip:%00%00@host5.example.com>
L:0
"""))
        self.assertEqual(null.to.uri.user, "null-\x00-null")
        self.assertEqual(len(null.contacts), 2)

    def test_semicolon_in_user_part(self) -> None:
        m = parse(msg("OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\n"
                      "CSeq: 8 OPTIONS\n" + REQUIRED))
        self.assertEqual(m.to.uri.host, "example.com")

    def test_unusual_transports_and_versions(self) -> None:
        m = parse(msg("""
OPTIONS sip:user@example.com sip/2.0
Via: SIP/2.0/SCTP t.example.com;branch=z9hG4bKkdjuw, SIP/2.0/FOO u.example.com;branch=x
To: sip:user@example.com
From: sip:caller@example.com;tag=1
Call-ID: transports.kijh4akdnaqjkwendsasfdj
CSeq: 60 OPTIONS
"""))
        self.assertEqual([v.transport for v in m.vias], ["SCTP", "FOO"])

    def test_long_values(self) -> None:
        """3.1.1.6: long tags, long Call-ID, many Vias, a long unknown header."""
        long = "x" * 1000
        to_uri = f"sip:user@example.com:6000;unknownparam1=very{long}long;unknownparam2=short"
        vias = "\n".join(
            f"Via: SIP/2.0/TCP sip{i}.example.com;branch=z9hG4bK{i}" for i in range(40)
        )
        m = parse(msg(f"""
INVITE sip:user@example.com SIP/2.0
To: "I have a user name of {long} proportion" <{to_uri}>
From: sip:{'a' * 300}@example.com;tag={long}
Call-ID: longreq.{long}
CSeq: 1 INVITE
{vias}
Unknown-{long}-Header: unknown-{long}-value; unknown-{long}-parameter=value; unknown-flag
Content-Length: 0
"""))
        self.assertEqual(len(m.vias), 40)
        self.assertEqual(m.from_.tag, long)
        self.assertEqual(m.to.uri.port, 6000)
        self.assertEqual(parse(m.to_bytes()), m)

    def test_unusual_reason_phrase(self) -> None:
        reason = (
            "= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f"
            "\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - "
            "\u043f\u0440\u043e\u0441\u0442\u043e\u0435"
        )
        m = parse(msg(f"""
SIP/2.0 200 {reason}
Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923
Call-ID: unreason.1234ksdfak3j2erwedfsASdf
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: 0
"""))
        assert isinstance(m, Response)
        self.assertEqual(m.reason, reason)
        self.assertEqual(parse(m.to_bytes()), m)

    def test_empty_reason_phrase(self) -> None:
        m = parse(msg("SIP/2.0 100 \nCSeq: 1 INVITE\n" + REQUIRED))
        assert isinstance(m, Response)
        self.assertEqual((m.status, m.reason), (100, ""))
        self.assertEqual(parse(m.to_bytes()), m)

    def test_multipart_body(self) -> None:
        body = (
            "--7a9cbec02ceef655\r\nContent-Type: application/sdp\r\n\r\n" + SDP
            + "\r\n--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
            "--7a9cbec02ceef655--\r\n"
        )
        m = parse(msg("MESSAGE sip:kumiko@example.org SIP/2.0\nCSeq: 1 MESSAGE\n" + REQUIRED
                      + "\nContent-Type: multipart/mixed;boundary=7a9cbec02ceef655\n"
                      "Content-Length: %(cl)d", body))
        self.assertEqual(m.body, body.encode())

    def test_scalar_overflow_in_optional_fields(self) -> None:
        """3.1.2.4 minus the CSeq: Expires overflow reads as absent."""
        m = parse(msg("""
REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3
To: <sip:user@example.com>
From: <sip:user@example.com>;tag=239232jh3
CSeq: 36893 REGISTER
Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32
Max-Forwards: 300
Expires: 10000000000000000000
Contact: <sip:user@host129.example.com>;expires=280297596632815
"""))
        assert isinstance(m, Request)
        self.assertIsNone(m.expires)
        contact = m.contacts[0]
        assert isinstance(contact, NameAddr)
        self.assertIsNone(contact.expires)


class InvalidTests(SynchronousTestCase):
    def assertInvalid(self, data: bytes, header: str | None = None) -> ParseError:
        e = self.assertRaises(ParseError, parse, data)
        if header is not None:
            self.assertEqual(e.header, header)
        return e

    def test_content_length_larger_than_body(self) -> None:
        self.assertInvalid(msg("INVITE sip:a@example.com SIP/2.0\nCSeq: 1 INVITE\n" + REQUIRED
                               + "\nContent-Length: 9999", "v=0\r\n"), "Content-Length")

    def test_negative_content_length(self) -> None:
        self.assertInvalid(msg("INVITE sip:a@example.com SIP/2.0\nCSeq: 1 INVITE\n" + REQUIRED
                               + "\nContent-Length: -999", "v=0\r\n"), "Content-Length")

    def test_conflicting_content_lengths(self) -> None:
        self.assertInvalid(msg("INVITE sip:a@example.com SIP/2.0\nCSeq: 1 INVITE\n" + REQUIRED
                               + "\nContent-Length: 2\nl: 3", "abc"), "Content-Length")

    def test_cseq_overflow(self) -> None:
        for seq in ("36893488147419103232", str(2**32), str(2**31)):
            self.assertInvalid(
                msg(f"REGISTER sip:example.com SIP/2.0\nCSeq: {seq} REGISTER\n" + REQUIRED),
                "CSeq",
            )

    def test_cseq_method_mismatch(self) -> None:
        self.assertInvalid(msg("INVITE sip:a@example.com SIP/2.0\nCSeq: 1 OPTIONS\n" + REQUIRED),
                           "CSeq")

    def test_unterminated_quoted_string(self) -> None:
        self.assertInvalid(msg("""
INVITE sip:user@example.com SIP/2.0
To: "Mr. J. User <sip:j.user@example.com>
From: sip:caller@example.net;tag=93334
Max-Forwards: 10
Call-ID: quotbal.aksdj
Contact: <sip:caller@host59.example.net>
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234
"""), "To")

    def test_unterminated_quote_in_list_header(self) -> None:
        self.assertInvalid(msg("REGISTER sip:example.com SIP/2.0\nCSeq: 1 REGISTER\n" + REQUIRED
                               + '\nContact: "a, <sip:a@b.com>'), "Contact")

    def test_bad_versions(self) -> None:
        for line in ("OPTIONS sip:t@example.com SIP/7.0", "OPTIONS sip:t@example.com SIP/2.0x",
                     "OPTIONS sip:t@example.com HTTP/1.1"):
            self.assertInvalid(msg(line + "\nCSeq: 1 OPTIONS\n" + REQUIRED))
        self.assertInvalid(msg("SIP/7.0 200 OK\nCSeq: 1 OPTIONS\n" + REQUIRED))

    def test_bad_status_codes(self) -> None:
        for line in ("SIP/2.0 99 Low", "SIP/2.0 1000 High", "SIP/2.0 700 Out", "SIP/2.0 2OO OK"):
            self.assertInvalid(msg(line + "\nCSeq: 1 OPTIONS\n" + REQUIRED))

    def test_spaces_in_request_uri(self) -> None:
        self.assertInvalid(msg("INVITE sip:user@example.com; lr SIP/2.0\nCSeq: 1 INVITE\n"
                               + REQUIRED))
        self.assertInvalid(msg("INVITE <sip:user@example.com> SIP/2.0\nCSeq: 1 INVITE\n"
                               + REQUIRED))

    def test_missing_required_headers(self) -> None:
        for drop in ("Call-ID", "From", "To", "Via"):
            lines = [ln for ln in REQUIRED.split("\n") if not ln.startswith(drop)]
            self.assertInvalid(
                msg("INVITE sip:a@example.com SIP/2.0\nCSeq: 1 INVITE\n" + "\n".join(lines)), drop
            )
        self.assertInvalid(msg("INVITE sip:a@example.com SIP/2.0\n" + REQUIRED), "CSeq")

    def test_bad_header_syntax(self) -> None:
        start = "INVITE sip:a@example.com SIP/2.0\nCSeq: 1 INVITE\n"
        cases = [
            ("no colon here", None),
            ("Bad Name: x", None),
            (": no name", None),
        ]
        for line, header in cases:
            e = self.assertInvalid(msg(start + line + "\n" + REQUIRED), header)
            self.assertEqual(e.line, 3)
        for bad_via in ("SIP/2.0/UDP ;branch=x", "SIP/2.0/UDP host:99999", "SIP/2.0 host",
                        "SIP/2.0/UDP host;branch=\"x", "SIP/2.0/UDP host;rport=x",
                        "SIP/3.0/UDP host", "SIP/2.0/UDP host junk"):
            self.assertInvalid(msg(start + REQUIRED.replace(
                "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", bad_via)), "Via")
        for bad_from in ("<sip:a@example.com", "<>", "<tel:123>", "a@b <sip:a@b.com>",
                         "<sip:a@example.com>;tag=\"x", "<sip:a@example.com> junk"):
            self.assertInvalid(msg(start + REQUIRED.replace(
                "<sip:a@example.com>;tag=1", bad_from)), "From")

    def test_continuation_before_first_header(self) -> None:
        self.assertInvalid(msg("INVITE sip:a@example.com SIP/2.0\n folded\nCSeq: 1 INVITE\n"
                               + REQUIRED))

    def test_control_characters_and_encoding(self) -> None:
        base = "INVITE sip:a@example.com SIP/2.0\nCSeq: 1 INVITE\n" + REQUIRED
        self.assertInvalid(msg(base + "\nSubject: a\x00b"))
        self.assertInvalid(msg(base + "\nSubject: a\rb"))
        self.assertInvalid(msg(base).replace(b"torture", b"tort\xffure"))

    def test_no_empty_line(self) -> None:
        self.assertInvalid(b"INVITE sip:a@example.com SIP/2.0\r\nCSeq: 1 INVITE")

    def test_garbage(self) -> None:
        for data in (b"", b"\r\n", b"\x00\x01", b"HELLO", b"SIP/2.0\r\n\r\n", b"\xc3\xa9"):
            self.assertInvalid(data)
