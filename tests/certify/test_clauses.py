"""
Tests for L{harness.certify.clauses}: the catalogue matches CLAUSES.md, IDs
are unique, look-ups fail helpfully, and the printed catalogue is complete.
"""

from __future__ import annotations

import re
from pathlib import Path

from twisted.trial.unittest import SkipTest, SynchronousTestCase

from harness.certify.clauses import (
    CLAUSES,
    FAMILY_TITLES,
    Clause,
    by_id,
    families,
    format_catalogue,
    in_family,
)

CLAUSES_MD = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "CLAUSES.md"

#: The IDs of the brief, in catalogue order (DNS-T is the harness's name for
#: the unnamed "transport 0/1/2 with port 0" rule).
EXPECTED = (
    ["CFG-1", "CFG-2", "CFG-3"]
    + [f"DNS-{n}" for n in range(1, 12)]
    + ["DNS-T"]
    + [f"RTX-{n}" for n in range(1, 6)]
    + ["REG-1", "REG-2", "REG-3"]
    + [f"FO-{n}" for n in range(1, 7)]
    + ["FB-0", "FB-1", "FB-2", "FB-3", "FB-3Z", "FB-OK"]
    + ["FBK-C1", "FBK-C2", "FBK-C3", "FBK-S1", "FBK-S2", "FBK-S3", "FBK-S4", "FBK-F"]
    + ["TLS-1", "STORM-1"]
)


def _md_ids(text: str) -> list[str]:
    """The clause IDs CLAUSES.md defines: list items that start with a bold ID."""
    return re.findall(r"^- \*\*([A-Z]+-[A-Z0-9]+)\b", text, flags=re.MULTILINE)


class CatalogueTests(SynchronousTestCase):
    def test_ids_in_catalogue_order(self) -> None:
        self.assertEqual([c.id for c in CLAUSES], EXPECTED)

    def test_no_duplicate_ids(self) -> None:
        ids = [c.id for c in CLAUSES]
        self.assertEqual(len(ids), len(set(ids)))

    def test_every_clause_md_id_is_in_the_catalogue(self) -> None:
        if not CLAUSES_MD.exists():
            raise SkipTest(f"{CLAUSES_MD} not present")
        text = CLAUSES_MD.read_text(encoding="utf-8")
        defined = _md_ids(text)
        self.assertGreater(len(defined), 40)
        ids = {c.id for c in CLAUSES}
        self.assertEqual(sorted(set(defined) - ids), [])
        # Only DNS-T is ours; everything else is defined in CLAUSES.md, in the same order.
        self.assertEqual([i for i in EXPECTED if i != "DNS-T"], defined)
        # Every concrete ID mentioned anywhere (e.g. "per RTX-1") exists too.
        prefixes = "|".join(sorted(FAMILY_TITLES, key=len, reverse=True))
        mentioned = set(re.findall(rf"\b(?:{prefixes})-[A-Z]?[0-9][A-Z0-9]*\b", text))
        self.assertEqual(sorted(mentioned - ids), [])
        # The unnamed rule DNS-T stands for is still in CLAUSES.md.
        self.assertIn("Transport 0/1/2 with port 0", text)

    def test_clauses_are_complete_and_frozen(self) -> None:
        for c in CLAUSES:
            self.assertIsInstance(c, Clause)
            self.assertEqual(c.family, c.id.split("-")[0])
            self.assertTrue(c.title and c.text, c.id)
            self.assertLessEqual(len(c.title), 50, c.id)
            self.assertNotIn("\n", c.text)
            if c.interpretation is not None:
                self.assertTrue(c.interpretation.strip(), c.id)
        self.assertRaises(AttributeError, setattr, CLAUSES[0], "title", "x")

    def test_interpretations_where_clauses_md_says_so(self) -> None:
        for clause_id in ("DNS-4", "DNS-6", "RTX-1", "REG-2", "FB-1", "DNS-T", "CFG-1"):
            self.assertIsNotNone(by_id(clause_id).interpretation, clause_id)
        self.assertIn("3600", by_id("CFG-1").interpretation or "")
        self.assertIsNone(by_id("FO-2").interpretation)

    def test_texts_are_faithful_on_key_numbers(self) -> None:
        self.assertIn("napt_r_build", by_id("CFG-1").text)
        self.assertIn("0 or 60..65535", by_id("CFG-2").text)
        self.assertIn("bounded depth, 4", by_id("DNS-5").text)
        self.assertIn("Retry-After", by_id("RTX-3").text)
        self.assertIn("405/489/501", by_id("FBK-F").text)


class LookupTests(SynchronousTestCase):
    def test_by_id(self) -> None:
        self.assertIs(by_id("FB-3Z"), next(c for c in CLAUSES if c.id == "FB-3Z"))

    def test_unknown_id_lists_close_matches(self) -> None:
        with self.assertRaises(ValueError) as cm:
            by_id("FB-3z")
        self.assertIn("'FB-3z'", str(cm.exception))
        self.assertIn("FB-3Z", str(cm.exception))

    def test_unknown_id_without_close_match(self) -> None:
        with self.assertRaises(ValueError) as cm:
            by_id("nonsense-clause-name")
        self.assertNotIn("close matches", str(cm.exception))

    def test_unknown_id_is_not_a_key_error(self) -> None:
        try:
            by_id("DNS-99")
        except KeyError:  # pragma: no cover
            self.fail("KeyError escaped")
        except ValueError:
            pass

    def test_families(self) -> None:
        self.assertEqual(
            families(), ("CFG", "DNS", "RTX", "REG", "FO", "FB", "FBK", "TLS", "STORM")
        )
        self.assertEqual(tuple(FAMILY_TITLES), families())

    def test_in_family(self) -> None:
        self.assertEqual([c.id for c in in_family("FO")], [f"FO-{n}" for n in range(1, 7)])
        self.assertRaises(ValueError, in_family, "XYZ")


class FormatTests(SynchronousTestCase):
    def test_one_line_per_clause_grouped_by_family(self) -> None:
        text = format_catalogue()
        lines = text.splitlines()
        for c in CLAUSES:
            matching = [line for line in lines if line.split()[:1] == [c.id]]
            self.assertEqual(len(matching), 1, c.id)
            self.assertIn(c.title, matching[0])
        headings = [line.split(":")[0] for line in lines if line and not line.startswith(" ")]
        self.assertEqual(headings[: len(families())], list(families()))
        # Each clause line sits under its family's heading.
        current = None
        for line in lines:
            if line and not line.startswith(" ") and line.split(":")[0] in FAMILY_TITLES:
                current = line.split(":")[0]
            elif line.startswith("  "):
                self.assertEqual(by_id(line.split()[0]).family, current)
