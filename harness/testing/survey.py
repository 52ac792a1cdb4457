"""
How often the oracle and a phone disagree on generated worlds: a survey.

Why next to C{--explore}: exploration stops at the first violated property
and shrinks it, which is what a tester wants from one run, but it says
nothing about how often such worlds come up.  "Seeds without a find" moved
little while dozens of finds were fixed, because each explore seed ends at
its first find.  The survey runs every world to the end (no shrinking, no
stop), groups the violations by what they say (the clause and the message
with its numbers blanked), and reports the rate per thousand worlds, by
clause and by the world's packet loss.  Against the golden phone every
violation is a disagreement to triage (a phone bug or a checker misreading);
against a defective variant the rate is how visible the defect is.

C{python -m harness.testing.survey N [--seed S] [--defect D] [--jobs J]
[--save DIR [--shrink]]}: C{--save} writes each distinct violation's first world as
ready-to-run fixture files (C{DIR/NN/fixtures/...}), for C{sip-harness
certify --scenario DIR/NN/fixtures/scenarios/generated.toml}; with
C{--shrink}, the simplest world Hypothesis finds that still shows that very
violation, as C{--explore} prints.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import Phase

from harness.explore import check_world, run_world, search_worlds
from harness.phone.defects import DEFECTS, Defects
from harness.testing.strategies import World

__all__ = ["Survey", "format_survey", "main", "save_worlds", "shrink_world", "signature", "survey",
           "write_world"]

_NUMBER = re.compile(r"\d+(\.\d+)?")
_HEX = re.compile(r"\b[0-9a-f]{12,}\b")
_PARENS = re.compile(r" ?\([^()]*\)")


def signature(problem: str) -> str:
    """
    What a violation says, without the world's particulars: the text without
    its parenthesised parts (the evidence, the expectation), the clause ID
    kept and numbers and Call-IDs blanked, so that the same misreading in two worlds
    groups together.
    """
    clause, sep, rest = problem.partition(": ")
    # (the parenthesised parts are the particulars -- sends, answers, expected and
    # seen -- while the kind of failure may follow them: "REGISTER cseq 19 -> primary
    # at 207.593 (4 sends, 503 at 211.093): the 503 did not make the phone try ...")
    while True:
        bare = _PARENS.sub("", rest)
        if bare == rest:
            break
        rest = bare
    return clause + sep + _NUMBER.sub("#", _HEX.sub("<id>", rest)).strip()


@dataclass
class Survey:
    """
    The outcome of L{survey}: C{worlds} run, C{failing} of them with at least
    one violation, C{by_signature} (distinct violation -> worlds showing it),
    C{first} (signature -> the first world showing it), and per loss level
    the worlds run and failing.
    """

    phone: str
    worlds: int = 0
    failing: int = 0
    wall: float = 0.0
    by_signature: Counter[str] = field(default_factory=Counter)
    first: dict[str, World] = field(default_factory=dict)
    by_loss: Counter[float] = field(default_factory=Counter)
    failing_by_loss: Counter[float] = field(default_factory=Counter)

    def per_thousand(self) -> float:
        """Worlds with a violation per thousand worlds run."""
        return 1000.0 * self.failing / self.worlds if self.worlds else 0.0

    def record(self, world: World, problems: list[str]) -> None:
        """Count one world run and judged, its C{problems} the oracle's violations."""
        loss = float(world.document.get("network", {}).get("loss", 0.0))
        self.worlds += 1
        self.by_loss[loss] += 1
        if problems:
            self.failing += 1
            self.failing_by_loss[loss] += 1
            for sig in dict.fromkeys(signature(p) for p in problems):
                self.by_signature[sig] += 1
                self.first.setdefault(sig, world)


def survey(
    n: int,
    *,
    seed: int = 0,
    defects: Sequence[str] = (),
    max_seconds: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> Survey:
    """
    Run C{n} generated worlds (Hypothesis's generation phase, seeded by
    C{seed}; it also mutates worlds it has drawn, so near-duplicates count
    more than once) against the built-in phone with C{defects}, and judge
    each in full.  C{max_seconds} bounds the wall time: the survey stops
    early and reports what it ran.

    With C{jobs} > 1 the worlds are still drawn here, in the same order (the
    generation phase does not depend on what a world showed: no world raises),
    and run and judged by that many worker processes; the results are taken
    in drawing order, so the survey (counts, first world per violation) is
    the one C{jobs=1} gives, in about 1/C{jobs} of the time on as many cores.
    """
    out = Survey(phone="builtin" + (f":defect={','.join(defects)}" if defects else ""))
    names = tuple(defects)
    started = time.perf_counter()
    deadline = None if max_seconds is None else started + max_seconds

    class _Enough(Exception):
        pass

    def record(world: World, problems: list[str]) -> None:
        out.record(world, problems)
        if progress is not None:
            progress(out.worlds, n)

    if jobs <= 1:
        def probe(world: World) -> None:
            if deadline is not None and time.perf_counter() > deadline:
                raise _Enough
            record(world, judge_world(world, names))

        try:
            search_worlds(probe, n, seed=seed, phases=[Phase.generate])
        except _Enough:
            pass
        out.wall = time.perf_counter() - started
        return out

    pending: deque[tuple[World, Future[list[str]]]] = deque()
    stopped: list[bool] = []
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:

        def take() -> None:
            world, job = pending.popleft()
            wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
            try:
                problems = job.result(timeout=wait)
            except TimeoutError:
                stopped.append(True)
                raise _Enough from None
            record(world, problems)

        def submit(world: World) -> None:
            if stopped:
                # (Hypothesis replays the world that raised: it must raise again)
                raise _Enough
            pending.append((world, pool.submit(judge_world, world, names)))
            # a bounded backlog: enough to keep every worker busy, no more
            while len(pending) > 4 * jobs:
                take()

        try:
            search_worlds(submit, n, seed=seed, phases=[Phase.generate])
            while pending:
                take()
        except _Enough:
            for _, job in pending:
                job.cancel()
    out.wall = time.perf_counter() - started
    return out


def judge_world(world: World, defects: tuple[str, ...] = ()) -> list[str]:
    """One world's violations against the built-in phone with C{defects} (a worker's task)."""
    return check_world(run_world(world, defects=Defects.of(*defects) if defects else None))


def shrink_world(
    sig: str, n: int, *, seed: int = 0, defects: Sequence[str] = ()
) -> World | None:
    """
    The simplest world showing violation C{sig}: the survey's search again
    (same C{seed}, so the same worlds in the same order, up to C{n}), this
    time stopping at the first world showing C{sig} and letting Hypothesis
    shrink it, keeping only worlds that still show C{sig} (another violation
    on the way does not count).  C{None} if none of the C{n} worlds shows it.
    """
    phone_defects = Defects.of(*defects) if defects else None
    last: list[World] = []

    class _Shows(AssertionError):
        pass

    def probe(world: World) -> None:
        problems = check_world(run_world(world, defects=phone_defects))
        if sig in {signature(p) for p in problems}:
            last[:] = [world]
            raise _Shows(sig)

    try:
        search_worlds(probe, n, seed=seed, phases=[Phase.generate, Phase.shrink])
    except _Shows:
        return last[0]
    return None


def format_survey(s: Survey) -> str:
    """The survey as a small report: the rate, by loss, by distinct violation."""
    lines = [
        f"surveyed {s.worlds} worlds against {s.phone} in {s.wall:.1f} s: "
        f"{s.failing} with a violation ({s.per_thousand():.1f} per 1,000), "
        f"{len(s.by_signature)} distinct",
        "",
        f"{'loss':>6} {'worlds':>7} {'failing':>8} {'per 1,000':>10}",
    ]
    for loss in sorted(s.by_loss):
        run, bad = s.by_loss[loss], s.failing_by_loss[loss]
        lines.append(f"{loss:>6.2f} {run:>7} {bad:>8} {1000.0 * bad / run:>10.1f}")
    if s.by_signature:
        lines += ["", f"{'worlds':>6}  violation"]
        for n, (sig, count) in enumerate(s.by_signature.most_common(), 1):
            lines.append(f"{count:>6}  [{n:02d}] {sig}")
    return "\n".join(lines) + "\n"


def save_worlds(
    s: Survey, into: Path, shrunk: Callable[[str], World | None] | None = None
) -> list[Path]:
    """
    Write the first world of each distinct violation as fixture files under
    C{into/NN/} (numbered as in L{format_survey}); return the scenario paths.
    C{shrunk}, if given, maps a signature to a simpler world showing it
    (L{shrink_world}), saved instead where it finds one.
    """
    paths = []
    for n, (sig, _) in enumerate(s.by_signature.most_common(), 1):
        root = into / f"{n:02d}"
        world = (shrunk(sig) if shrunk is not None else None) or s.first[sig]
        paths.append(write_world(world, root))
        (root / "VIOLATION").write_text(sig + "\n")
    return paths


def write_world(world: World, root: Path) -> Path:
    """Write C{world} as fixture files under C{root}; return its scenario's path."""
    for name, text in world.fixture_files().items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root / "fixtures" / "scenarios" / f"{world.name}.toml"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m harness.testing.survey",
        description="Run generated worlds to the end and count the oracle's violations.",
    )
    p.add_argument("worlds", type=int, help="worlds to run (at most)")
    p.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    p.add_argument("--defect", action="append", default=[],
                   help="run a defective phone variant (repeatable)")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="stop after this much wall time and report what ran")
    p.add_argument("--save", type=Path, default=None,
                   help="write each distinct violation's first world as fixtures here")
    p.add_argument("--shrink", action="store_true",
                   help="with --save: shrink each saved world (slower: one search each)")
    p.add_argument("-j", "--jobs", type=int, default=1,
                   help="worker processes running the worlds (default 1; the same survey "
                        "for any number, in drawing order)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = p.parse_args(argv)
    if args.worlds < 1:
        p.error("worlds must be at least 1")
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    if args.shrink and args.save is None:
        p.error("--shrink needs --save DIR")
    known = {d.name for d in DEFECTS}
    unknown = sorted(set(args.defect) - known)
    if unknown:
        p.error(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    def progress(done: int, total: int) -> None:
        if not args.quiet and (done % 250 == 0 or done == total):
            print(f"  {done}/{total} worlds", file=sys.stderr, flush=True)

    s = survey(args.worlds, seed=args.seed, defects=args.defect,
               max_seconds=args.max_seconds, progress=progress, jobs=args.jobs)
    sys.stdout.write(format_survey(s))
    if args.save is not None and s.by_signature:
        def shrunk(sig: str) -> World | None:
            if not args.quiet:
                print(f"  shrinking: {sig}", file=sys.stderr, flush=True)
            return shrink_world(sig, s.worlds, seed=args.seed, defects=args.defect)

        for path in save_worlds(s, args.save, shrunk if args.shrink else None):
            print(f"saved {path}")
    return 1 if s.failing else 0


if __name__ == "__main__":
    sys.exit(main())
