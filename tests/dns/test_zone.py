"""
Tests for L{harness.dns.zone}: the in-memory authority, its run-time changes,
its authoritative answers and the master-file loader.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.names import dns, error
from twisted.trial.unittest import SynchronousTestCase

from harness.dns.zone import NameNotFound, NotAuthoritative, Zone, rr_text, type_code

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "zones")


def fixture(name: str) -> str:
    return os.path.join(FIXTURES, name)


def texts(rrs: Any) -> list[str]:
    return [rr_text(rr) for rr in rrs]


def small_zone(**kw: Any) -> Zone:
    z = Zone("example.test", **kw)
    z.add("@", dns.Record_NAPTR(10, 50, b"s", b"SIP+D2U", b"", b"_sip._udp.example.test"))
    z.add("_sip._udp", dns.Record_SRV(0, 1, 5060, b"a.example.test"), ttl=120)
    z.add("a", dns.Record_A("127.0.1.10"), ttl=30)
    z.add("a", dns.Record_AAAA("::1"), ttl=30)
    return z


class ZoneBasicsTests(SynchronousTestCase):
    def test_default_soa_at_origin(self) -> None:
        z = Zone("Example.Test.")
        self.assertEqual(z.origin, b"example.test")
        self.assertEqual(z.soa[0], b"example.test")
        answers, _, _ = z.answer(b"example.test", dns.SOA)
        self.assertEqual(len(answers), 1)
        self.assertEqual(answers[0].type, dns.SOA)

    def test_relative_and_absolute_names(self) -> None:
        z = Zone("example.test")
        self.assertEqual(z.absolute("a"), b"a.example.test")
        self.assertEqual(z.absolute("@"), b"example.test")
        self.assertEqual(z.absolute("A.Example.Test"), b"a.example.test")
        self.assertEqual(z.absolute("other.test."), b"other.test")

    def test_add_copies_and_sets_ttl(self) -> None:
        rec = dns.Record_A("127.0.1.10", ttl=5)
        z = Zone("example.test")
        z.add("a", rec, ttl=42)
        self.assertEqual(rec.ttl, 5)
        self.assertEqual([r.ttl for r in z.get("a", "A")], [42])

    def test_record_without_ttl_gets_default(self) -> None:
        z = Zone("example.test", default_ttl=77)
        z.add("a", dns.Record_A("127.0.1.10"))
        answers, _, _ = z.answer(b"a.example.test", dns.A)
        self.assertEqual(answers[0].ttl, 77)

    def test_remove_by_type(self) -> None:
        z = small_zone()
        self.assertEqual(z.remove("a", "AAAA"), 1)
        self.assertEqual([r.TYPE for r in z.get("a")], [dns.A])

    def test_remove_all_keeps_soa(self) -> None:
        z = small_zone()
        self.assertEqual(z.remove("@"), 1)  # the NAPTR
        self.assertEqual([r.TYPE for r in z.get("@")], [dns.SOA])

    def test_replace_only_given_types(self) -> None:
        z = small_zone()
        z.replace("a", [dns.Record_A("127.0.1.20", ttl=9), dns.Record_A("127.0.1.30", ttl=9)])
        answers, _, _ = z.answer(b"a.example.test", dns.A)
        self.assertEqual(
            texts(answers), ["a.example.test A 127.0.1.20", "a.example.test A 127.0.1.30"]
        )
        self.assertEqual(len(z.get("a", "AAAA")), 1)

    def test_replace_with_nothing_for_type(self) -> None:
        z = small_zone()
        z.replace("a", [], type="A")
        self.assertEqual(z.get("a", "A"), [])

    def test_set_ttl_seen_by_next_query(self) -> None:
        z = small_zone()
        self.assertEqual(z.set_ttl("_sip._udp", "SRV", 7), 1)
        answers, _, _ = z.answer(b"_sip._udp.example.test", dns.SRV)
        self.assertEqual([rr.ttl for rr in answers], [7])

    def test_soa_replaced_by_add(self) -> None:
        z = Zone("example.test")
        z.add("@", dns.Record_SOA(b"ns.example.test", b"h.example.test", serial=9, minimum=5))
        self.assertEqual(z.soa[1].serial, 9)
        self.assertEqual(len(z.get("@", "SOA")), 1)

    def test_soa_elsewhere_rejected(self) -> None:
        self.assertRaises(ValueError, Zone("example.test").add, "a", dns.Record_SOA())

    def test_type_code(self) -> None:
        self.assertEqual(type_code("naptr"), dns.NAPTR)
        self.assertEqual(type_code(33), 33)
        self.assertRaises(ValueError, type_code, "BOGUS")


class ZoneAnswerTests(SynchronousTestCase):
    def test_positive_answers_are_authoritative(self) -> None:
        answers, authority, _ = small_zone().answer(b"a.example.test", dns.A)
        self.assertEqual(texts(answers), ["a.example.test A 127.0.1.10"])
        self.assertTrue(all(rr.auth for rr in answers))
        self.assertEqual(authority, [])

    def test_case_insensitive(self) -> None:
        answers, _, _ = small_zone().answer(b"A.EXAMPLE.test.", dns.A)
        self.assertEqual(len(answers), 1)

    def test_nxdomain_carries_soa(self) -> None:
        z = small_zone()
        e = self.assertRaises(NameNotFound, z.answer, b"nope.example.test", dns.A)
        self.assertEqual([rr.type for rr in e.authority], [dns.SOA])
        self.assertIsInstance(e, error.DNSNameError)
        self.assertIsInstance(e, error.AuthoritativeDomainError)

    def test_negative_soa_ttl_is_min_of_ttl_and_minimum(self) -> None:
        z = Zone("example.test", default_ttl=300)  # default SOA minimum 60
        self.assertEqual(z.negative_authority()[0].ttl, 60)

    def test_nodata_carries_soa(self) -> None:
        answers, authority, _additional = small_zone().answer(b"a.example.test", dns.SRV)
        self.assertEqual(answers, [])
        self.assertEqual([rr.type for rr in authority], [dns.SOA])

    def test_empty_non_terminal_is_nodata(self) -> None:
        answers, authority, _ = small_zone().answer(b"_udp.example.test", dns.SRV)
        self.assertEqual(answers, [])
        self.assertEqual([rr.type for rr in authority], [dns.SOA])

    def test_outside_zone_refused(self) -> None:
        z = small_zone()
        self.assertRaises(NotAuthoritative, z.answer, b"example.org", dns.A)
        self.assertRaises(NotAuthoritative, z.answer, b"badexample.test", dns.A)

    def test_srv_glue(self) -> None:
        _, _, additional = small_zone().answer(b"_sip._udp.example.test", dns.SRV)
        self.assertEqual(
            texts(additional), ["a.example.test A 127.0.1.10", "a.example.test AAAA ::1"]
        )

    def test_glue_off(self) -> None:
        _, _, additional = small_zone(glue=False).answer(b"_sip._udp.example.test", dns.SRV)
        self.assertEqual(additional, [])

    def test_glue_toggled_at_run_time(self) -> None:
        z = small_zone()
        z.glue = False
        self.assertEqual(z.answer(b"_sip._udp.example.test", dns.SRV)[2], [])

    def test_naptr_glue_has_srv_and_addresses(self) -> None:
        _, _, additional = small_zone().answer(b"example.test", dns.NAPTR)
        self.assertEqual(
            texts(additional),
            [
                "_sip._udp.example.test SRV 0 1 5060 a.example.test",
                "a.example.test A 127.0.1.10",
                "a.example.test AAAA ::1",
            ],
        )

    def test_cname_followed_in_zone(self) -> None:
        z = small_zone()
        z.add("alias", dns.Record_CNAME(b"a.example.test"), ttl=11)
        answers, _, _ = z.answer(b"alias.example.test", dns.A)
        self.assertEqual(
            texts(answers),
            ["alias.example.test CNAME a.example.test", "a.example.test A 127.0.1.10"],
        )
        self.assertEqual([rr.ttl for rr in answers], [11, 30])

    def test_cname_out_of_zone_stops(self) -> None:
        z = small_zone()
        z.add("ext", dns.Record_CNAME(b"host.example.org"))
        answers, authority, _ = z.answer(b"ext.example.test", dns.A)
        self.assertEqual(texts(answers), ["ext.example.test CNAME host.example.org"])
        self.assertEqual(authority, [])

    def test_cname_loop_terminates(self) -> None:
        z = Zone("example.test")
        z.add("x", dns.Record_CNAME(b"y.example.test"))
        z.add("y", dns.Record_CNAME(b"x.example.test"))
        answers, _, _ = z.answer(b"x.example.test", dns.A)
        self.assertEqual(len(answers), 2)

    def test_is_an_iresolver(self) -> None:
        d = small_zone().lookupService("_sip._udp.example.test")
        answers, _, _ = self.successResultOf(d)
        self.assertEqual(answers[0].payload.port, 5060)

    def test_iresolver_nxdomain_fails(self) -> None:
        f = self.failureResultOf(small_zone().lookupAddress("zz.example.test"))
        f.trap(error.DNSNameError)

    def test_iresolver_outside_fails_refused(self) -> None:
        f = self.failureResultOf(small_zone().lookupAddress("example.org"))
        f.trap(error.DNSQueryRefusedError)

    def test_change_seen_by_next_query(self) -> None:
        z = small_zone()
        z.replace("a", [dns.Record_A("127.0.1.99")])
        answers, _, _ = self.successResultOf(z.lookupAddress("a.example.test"))
        self.assertEqual(answers[0].payload.dottedQuad(), "127.0.1.99")


MASTER = """
; a comment line
$ORIGIN m.test.
$TTL 120
@   IN SOA ns1 hostmaster (
        7       ; serial
        3600 600 86400
        30 )    ; minimum
    IN NS  ns1
@   IN NAPTR 10 20 "S" "SIPS+D2T" "" _sips._tcp ; trailing comment
@   IN NAPTR 20 20 "" "" "!^.*$!x!" next
next 45 IN NAPTR 5 5 "s" "SIP+D2U" "" _sip._udp.m.test.
_sips._tcp IN SRV 0 5 5061 host
_sip._udp 600 IN SRV 1 0 5060 .
host IN A 127.0.1.10
host IN AAAA ::1
alias IN CNAME host
txt IN TXT "semi;colon" "quote\\"d"
"""


class MasterFileTests(SynchronousTestCase):
    def test_quoted_naptr_strings(self) -> None:
        z = Zone.from_text(MASTER, "m.test")
        naptr = z.get("@", "NAPTR")
        self.assertEqual(naptr[0].flags.string, b"S")
        self.assertEqual(naptr[0].service.string, b"SIPS+D2T")
        self.assertEqual(naptr[0].regexp.string, b"")
        self.assertEqual(naptr[1].flags.string, b"")
        self.assertEqual(naptr[1].regexp.string, b"!^.*$!x!")

    def test_relative_names_in_rdata_expanded(self) -> None:
        z = Zone.from_text(MASTER, "m.test")
        self.assertEqual(z.get("@", "NAPTR")[0].replacement.name, b"_sips._tcp.m.test")
        self.assertEqual(z.get("_sips._tcp", "SRV")[0].target.name, b"host.m.test")
        self.assertEqual(z.get("alias", "CNAME")[0].name.name, b"host.m.test")

    def test_root_target(self) -> None:
        z = Zone.from_text(MASTER, "m.test")
        answers, _, _ = z.answer(b"_sip._udp.m.test", dns.SRV)
        self.assertEqual(texts(answers), ["_sip._udp.m.test SRV 1 0 5060 ."])

    def test_ttls(self) -> None:
        z = Zone.from_text(MASTER, "m.test")
        self.assertEqual(z.get("host", "A")[0].ttl, 120)
        self.assertEqual(z.get("next", "NAPTR")[0].ttl, 45)
        self.assertEqual(z.get("_sip._udp", "SRV")[0].ttl, 600)

    def test_parenthesised_soa(self) -> None:
        z = Zone.from_text(MASTER, "m.test")
        soa = z.soa[1]
        self.assertEqual((soa.serial, soa.minimum, soa.expire), (7, 30, 86400))
        self.assertEqual(soa.mname.name, b"ns1.m.test")

    def test_comments_inside_quotes_kept(self) -> None:
        z = Zone.from_text(MASTER, "m.test")
        self.assertEqual(z.get("txt", "TXT")[0].data, [b"semi;colon", b'quote"d'])

    def test_no_soa_gets_default(self) -> None:
        z = Zone.from_text("$TTL 5\na IN A 127.0.0.1\n", "x.test")
        self.assertEqual(z.soa[0], b"x.test")
        self.assertEqual(len(z.get("@", "SOA")), 1)

    def test_syntax_error_names_file(self) -> None:
        e = self.assertRaises(
            ValueError, Zone.from_text, "a IN SRV 0 x\n", "x.test", filename="bad.zone"
        )
        self.assertIn("bad.zone", str(e))

    def test_unsupported_type(self) -> None:
        e = self.assertRaises(ValueError, Zone.from_text, "a IN HINFO cpu os\n", "x.test")
        self.assertIn("HINFO", str(e))

    def test_origin_from_file_name(self) -> None:
        z = Zone.from_master_file(fixture("a-only.test.zone"))
        self.assertEqual(z.origin, b"a-only.test")
        answers, _, _ = z.answer(b"a-only.test", dns.A)
        self.assertEqual(texts(answers), ["a-only.test A 127.0.1.10", "a-only.test A 127.0.1.20"])

    def test_example_fixture_is_the_guides_shape(self) -> None:
        z = Zone.from_master_file(fixture("example.test.zone"))
        naptr, _, _ = z.answer(b"example.test", dns.NAPTR)
        self.assertEqual(
            texts(naptr),
            [
                'example.test NAPTR 90 50 "s" "SIP+D2T" "" _sip._tcp.example.test',
                'example.test NAPTR 100 50 "s" "SIP+D2U" "" _sip._udp.example.test',
            ],
        )
        for name in (b"_sip._tcp.example.test", b"_sip._udp.example.test"):
            srv, _, glue = z.answer(name, dns.SRV)
            self.assertEqual(
                [(rr.payload.priority, rr.payload.weight) for rr in srv], [(0, 1), (0, 2)]
            )
            self.assertEqual(
                sorted(rr.payload.dottedQuad() for rr in glue), ["127.0.1.10", "127.0.1.20"]
            )
        primary, _, _ = z.answer(b"primary.example.test", dns.A)
        self.assertEqual(primary[0].payload.dottedQuad(), "127.0.1.10")
        self.assertEqual(
            z.answer(b"fallback.example.test", dns.A)[0][0].payload.dottedQuad(), "127.0.1.15"
        )

    def test_srv_only_fixture(self) -> None:
        z = Zone.from_master_file(fixture("srv-only.test.zone"))
        self.assertEqual(z.answer(b"srv-only.test", dns.NAPTR)[0], [])
        self.assertEqual(len(z.answer(b"_sip._udp.srv-only.test", dns.SRV)[0]), 2)

    def test_syntax_error_line_number(self) -> None:
        e = self.assertRaises(
            ValueError,
            Zone.from_text,
            "a IN A 127.0.0.1\nb IN SRV 0 x 5060 t\n",
            "x.test",
            filename="bad.zone",
        )
        self.assertIn("bad.zone:2:", str(e))

    def test_no_ttl_directive_uses_default(self) -> None:
        z = Zone.from_text("a IN A 127.0.0.1\n", "x.test", default_ttl=33)
        self.assertEqual(z.get("a", "A")[0].ttl, 33)


class OriginFromFileTests(SynchronousTestCase):
    def test_origin_directive_wins_over_file_name(self) -> None:
        """Regression: a zone file's $ORIGIN names the zone, whatever the file is called."""
        import shutil
        from pathlib import Path

        src = Path(__file__).resolve().parents[2] / "fixtures" / "zones" / "example.test.zone"
        copy = Path(self.mktemp() + ".zone")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, copy)
        zone = Zone.from_master_file(copy)
        self.assertEqual(zone.origin, b"example.test")


class MasterFileCacheTests(SynchronousTestCase):
    """A master file is read once while it is unchanged, again when it changes."""

    TEXT = "$ORIGIN cached.test.\n@ 60 IN A 127.0.0.{n}\n"

    def write(self, path: str, n: int, mtime_ns: int) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.TEXT.format(n=n))
        os.utime(path, ns=(mtime_ns, mtime_ns))

    def address(self, zone: Zone) -> str:
        (rec,) = [r for r in zone.records[b"cached.test"] if r.TYPE == dns.A]
        return str(rec.dottedQuad())

    def test_unchanged_not_read_again(self) -> None:
        from harness.dns import zone as zone_module

        path = self.mktemp()
        self.write(path, 1, 1_000_000_000)
        Zone.from_master_file(path)
        opened: list[Any] = []
        real_open = open

        def spy(*a: Any, **k: Any) -> Any:
            opened.append(a[0])
            return real_open(*a, **k)

        # a module global shadows the builtin for the module's own calls
        zone_module.open = spy  # type: ignore[attr-defined]
        self.addCleanup(delattr, zone_module, "open")
        self.assertEqual(self.address(Zone.from_master_file(path)), "127.0.0.1")
        self.assertEqual(opened, [])

    def test_same_size_edit_seen(self) -> None:
        """An edit keeping the size (a new modification time) is read."""
        path = self.mktemp()
        self.write(path, 1, 1_000_000_000)
        self.assertEqual(self.address(Zone.from_master_file(path)), "127.0.0.1")
        self.write(path, 2, 2_000_000_000)
        self.assertEqual(self.address(Zone.from_master_file(path)), "127.0.0.2")

    def test_replaced_by_rename_seen(self) -> None:
        """A file replaced by another with the same time and size (a new inode) is read."""
        path = self.mktemp()
        self.write(path, 1, 1_000_000_000)
        Zone.from_master_file(path)
        other = self.mktemp()
        self.write(other, 3, 1_000_000_000)
        os.replace(other, path)
        self.assertEqual(self.address(Zone.from_master_file(path)), "127.0.0.3")

    def test_clones_independent(self) -> None:
        """Each load gets its own record objects, equal to the file's."""
        path = self.mktemp()
        self.write(path, 1, 1_000_000_000)
        a, b = Zone.from_master_file(path), Zone.from_master_file(path)
        (ra,), (rb,) = ([r for r in z.records[b"cached.test"] if r.TYPE == dns.A] for z in (a, b))
        self.assertIsNot(ra, rb)
        self.assertEqual(ra, rb)
        self.assertEqual(vars(ra), vars(rb))

    def test_unchanged_clones_share_changes_do_not_leak(self) -> None:
        """
        Loads share the parsed records until one changes them (set_ttl, add,
        remove, or an edit through C{records}); no change reaches another load.
        """
        path = self.mktemp()
        self.write(path, 1, 1_000_000_000)
        a, b = Zone.from_master_file(path), Zone.from_master_file(path)
        self.assertIs(a.entries, b.entries)
        self.assertEqual(a.set_ttl("cached.test.", "A", 7), 1)
        a.add("new.cached.test.", dns.Record_A("127.0.0.9"))
        soa_ttl = b.soa[1].ttl
        a.set_ttl("cached.test.", "SOA", 1)
        c = Zone.from_master_file(path)
        c.records[b"cached.test"].clear()
        c.changed()
        for z in (b, Zone.from_master_file(path)):
            (rec,) = (r for r in z.entries[b"cached.test"] if r.TYPE == dns.A)
            self.assertNotEqual(rec.ttl, 7)
            self.assertNotIn(b"new.cached.test", z.entries)
            self.assertEqual(z.soa[1].ttl, soa_ttl)
        self.assertEqual(
            [r.ttl for r in a.entries[b"cached.test"] if r.TYPE == dns.A], [7]
        )
        self.assertEqual(a.soa[1].ttl, 1)
        self.assertIn(a.soa[1], a.entries[b"cached.test"])


class CopyRecordTests(SynchronousTestCase):
    """The zone's record copy is C{copy.copy}, for every record class."""

    def test_like_copy_copy(self) -> None:
        import copy

        from harness.dns.zone import _copy_record

        records = [
            dns.Record_A("127.0.0.1", ttl=5),
            dns.Record_SRV(10, 60, 5060, b"a.example.test", ttl=7),
            dns.Record_NAPTR(10, 50, b"s", b"SIP+D2U", b"", b"_sip._udp.example.test"),
            dns.Record_SOA(b"ns.example.test", b"root.example.test", serial=3),
            dns.Record_NS(b"ns.example.test"),
            dns.Record_CNAME(b"x.example.test"),
            dns.Record_TXT(b"hello"),
        ]
        for rec in records:
            mine, theirs = _copy_record(rec), copy.copy(rec)
            self.assertIs(type(mine), type(rec))
            self.assertIsNot(mine, rec)
            self.assertEqual(vars(mine), vars(theirs))

    def test_falls_back_for_own_copy(self) -> None:
        from harness.dns.zone import _copy_record

        class Odd:
            def __copy__(self) -> str:
                return "own copy"

        self.assertEqual(_copy_record(Odd()), "own copy")
