"""
A fixed set of generated worlds, judged by two trees: the A/B record of a
checker change.

Why not a seed: a seed's worlds are drawn partly from the literals of
C{harness}'s source (Hypothesis's constants, pinned to that pool by
L{harness.testing.hypothesis_trial.pin_constants}), so a fix that adds a
literal draws other worlds from the same seed, and "seed 7029: 19 -> 12"
compares two different sets.  Session 22 drew each seed's worlds once,
pickled them, and judged the same file at the old tree and at each branch:
a fix then shows exactly the worlds it changed, and any world that newly
fails.

C{python -m harness.testing.worlds dump SEED N FILE}: draw N worlds
(the survey's generation phase) and pickle them.
C{python -m harness.testing.worlds judge FILE OUT.json [--jobs J] [--digest]}:
judge every world against the built-in phone; write, per world, its
violations, their signatures (L{harness.testing.survey.signature}) and, with
C{--digest}, its trace's SHA-256.
C{python -m harness.testing.worlds diff A.json B.json}: the worlds whose
signatures differ, the failing counts, the differing traces; exit 1 when a
world fails in B that did not in A.
C{python -m harness.testing.worlds save FILE I DIR}: world I as fixture
files under DIR (for C{sip-harness run}/C{certify --scenario}).

The pickles hold L{World} objects and are read with C{pickle}: load only
files you made.  Run the module with the tree under test first on
C{sys.path} (C{cd} into it: C{python -m} puts the working directory first).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import pickle
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from hypothesis import Phase

from harness.explore import check_world, run_world, search_worlds
from harness.testing.strategies import World
from harness.testing.survey import signature, write_world

__all__ = ["diff", "draw", "judge", "judge_one", "main"]

Judgment = dict[str, Any]


def draw(seed: int, n: int) -> list[World]:
    """The first C{n} worlds the survey draws for C{seed} at this tree."""
    worlds: list[World] = []
    search_worlds(worlds.append, n, seed=seed, phases=[Phase.generate])
    return worlds


def judge_one(world: World, digest: bool = False) -> Judgment:
    """One world run and judged: violations, signatures, and optionally the trace digest."""
    run = run_world(world)
    problems = check_world(run)
    return {"problems": problems,
            "sigs": sorted({signature(p) for p in problems}),
            "digest": run.result.digest if digest else None}


def _judge_digest(world: World) -> Judgment:
    return judge_one(world, True)


def judge(worlds: Sequence[World], *, jobs: int = 1, digest: bool = False) -> list[Judgment]:
    """Every world judged, in order; C{jobs} worker processes (the same result for any number)."""
    fn = _judge_digest if digest else judge_one
    if jobs <= 1:
        return [fn(w) for w in worlds]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, worlds, chunksize=20))


def diff(a: Sequence[Judgment], b: Sequence[Judgment]) -> tuple[list[str], int]:
    """
    Lines saying which worlds' signatures changed from C{a} to C{b}, then
    the failing counts and the traces that differ; and how many worlds fail
    in C{b} that passed in C{a} (a fix must leave that at 0).
    """
    if len(a) != len(b):
        raise ValueError(f"judgments of different world files ({len(a)} vs {len(b)} worlds)")
    lines = [f"[{i}] {x['sigs']} -> {y['sigs']}"
             for i, (x, y) in enumerate(zip(a, b, strict=True)) if x["sigs"] != y["sigs"]]
    newly = sum(1 for x, y in zip(a, b, strict=True) if y["problems"] and not x["problems"])
    traces = sum(1 for x, y in zip(a, b, strict=True)
                 if x.get("digest") and y.get("digest") and x["digest"] != y["digest"])
    lines.append(f"failing {sum(1 for x in a if x['problems'])} -> "
                 f"{sum(1 for y in b if y['problems'])}; newly failing {newly}; "
                 f"traces differing {traces}")
    return lines, newly


def _load(path: Path) -> list[World]:
    with path.open("rb") as f:
        worlds = pickle.load(f)
    if not isinstance(worlds, list) or not all(isinstance(w, World) for w in worlds):
        raise SystemExit(f"{path}: not a world file written by 'dump'")
    return worlds


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m harness.testing.worlds",
        description="Draw generated worlds once, judge the same worlds at two trees, compare.")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="draw N worlds of a seed and pickle them")
    d.add_argument("seed", type=int)
    d.add_argument("n", type=int)
    d.add_argument("file", type=Path)
    j = sub.add_parser("judge", help="judge every world of a file; write JSON")
    j.add_argument("file", type=Path)
    j.add_argument("out", type=Path)
    j.add_argument("-j", "--jobs", type=int, default=1)
    j.add_argument("--digest", action="store_true", help="record each trace's SHA-256")
    c = sub.add_parser("diff", help="compare two judgments of the same world file")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    s = sub.add_parser("save", help="write world I as fixture files under DIR")
    s.add_argument("file", type=Path)
    s.add_argument("index", type=int)
    s.add_argument("dir", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "dump":
        if args.n < 1:
            p.error("n must be at least 1")
        worlds = draw(args.seed, args.n)
        with args.file.open("wb") as f:
            pickle.dump(worlds, f)
        print(f"{len(worlds)} worlds of seed {args.seed} -> {args.file}")
    elif args.cmd == "judge":
        if args.jobs < 1:
            p.error("--jobs must be at least 1")
        out = judge(_load(args.file), jobs=args.jobs, digest=args.digest)
        args.out.write_text(json.dumps(out))
        bad = sum(1 for r in out if r["problems"])
        print(f"{len(out)} worlds judged, {bad} failing "
              f"({1000 * bad / len(out):.2f} per 1,000) -> {args.out}")
    elif args.cmd == "diff":
        lines, newly = diff(json.loads(args.a.read_text()), json.loads(args.b.read_text()))
        print("\n".join(lines))
        return 1 if newly else 0
    else:
        worlds = _load(args.file)
        if not 0 <= args.index < len(worlds):
            p.error(f"index {args.index} outside 0..{len(worlds) - 1}")
        print(write_world(worlds[args.index], args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
