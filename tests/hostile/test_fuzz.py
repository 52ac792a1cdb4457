"""
The parser fuzz target (L{harness.testing.fuzz}) in CI: replay the committed
corpus, then a bounded number of seeded mutations (deterministic; capped at
20 s of wall time).  C{SIP_HARNESS_LONG=1} runs ten times as many.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from harness.sip.message import ParseError, parse
from harness.testing.fuzz import fuzz_one, load_corpus, mutate, run_mutational
from harness.testing.hypothesis_trial import show_notes

CORPUS = Path(__file__).resolve().parent / "corpus"
LONG = os.environ.get("SIP_HARNESS_LONG") == "1"
COUNT = 500_000 if LONG else 50_000


class CorpusTests(SynchronousTestCase):
    def test_corpus_is_small(self) -> None:
        files = list(CORPUS.iterdir())
        self.assertLess(len(files), 200)
        self.assertLess(sum(p.stat().st_size for p in files), 1_000_000)

    def test_corpus_replays(self) -> None:
        """Every corpus file meets the contract; the hand-written seeds parse."""
        corpus = load_corpus(CORPUS)
        parsed = 0
        for data in corpus:
            fuzz_one(data)
            try:
                parse(data)
                parsed += 1
            except ParseError:
                pass
        self.assertGreater(parsed, 40)

    def test_mutations(self) -> None:
        """Seeded mutations of the corpus: only ParseError, and round trips hold."""
        stats = run_mutational(load_corpus(CORPUS), count=COUNT, seed=2024, max_seconds=20.0)
        print(f"\nfuzz: {stats.total} inputs ({stats.replayed} corpus + {stats.generated} "
              f"mutated, {stats.parsed} parsed) in {stats.seconds:.1f} s")
        self.assertGreater(stats.generated, min(COUNT, 2000))

    def test_mutate_is_deterministic(self) -> None:
        corpus = load_corpus(CORPUS)
        a = [mutate(random.Random(1), corpus[0], corpus) for _ in range(3)]
        b = [mutate(random.Random(1), corpus[0], corpus) for _ in range(3)]
        self.assertEqual(a, b)

    def test_fuzz_one_reports_other_exceptions(self) -> None:
        """The runner is able to fail: a target that raises something else propagates."""
        def bad(data: bytes) -> None:
            raise KeyError(data)
        with self.assertRaises(KeyError):
            run_mutational([b"x"], count=1, target=bad)


class HypothesisBytesTests(SynchronousTestCase):
    @show_notes
    @settings(max_examples=300, derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=600))
    def test_arbitrary_bytes(self, data: bytes) -> None:
        fuzz_one(data)

    @show_notes
    @settings(max_examples=300, derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(load_corpus(CORPUS)), st.binary(max_size=40), st.integers(0, 5000))
    def test_corpus_with_inserted_bytes(self, seed: bytes, insert: bytes, at: int) -> None:
        at %= len(seed) + 1
        fuzz_one(seed[:at] + insert + seed[at:])
