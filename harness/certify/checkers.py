"""
One checker per clause of C{CLAUSES.md}, and L{judge}, which runs them.

Why the checkers only read the wire: the same checker must certify the
built-in phone, a soft phone in another process and a physical phone, and only
the harness's servers, DNS server and network see all three.  The families
live in C{checks_dns}, C{checks_rtx}, C{checks_fo} and C{checks_fbk}; the
shared reading of the trace is L{harness.certify.wire}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from harness.certify import checks_dns, checks_fbk, checks_fo, checks_rtx
from harness.certify.checks_base import Checker, Ctx
from harness.certify.clauses import CLAUSES
from harness.certify.facts import Facts
from harness.certify.verdict import Verdict
from harness.trace.events import Trace

__all__ = ["CHECKERS", "judge"]

_FAMILY: dict[str, Checker] = {
    **checks_dns.CHECKS,
    **checks_rtx.CHECKS,
    **checks_fo.CHECKS,
    **checks_fbk.CHECKS,
}


def _bind(check: Checker) -> Callable[[Trace, Facts], Verdict]:
    def run(trace: Trace, facts: Facts) -> Verdict:
        return check(Ctx(trace, facts))

    run.__name__ = check.__name__
    run.__doc__ = check.__doc__
    return run


#: Clause ID -> checker, in catalogue order.
CHECKERS: dict[str, Callable[[Trace, Facts], Verdict]] = {
    c.id: _bind(_FAMILY[c.id]) for c in CLAUSES if c.id in _FAMILY
}


def judge(trace: Trace, facts: Facts, clauses: Iterable[str] | None = None) -> list[Verdict]:
    """
    Run the checkers of C{clauses} (default: every clause) in catalogue
    order over one trace.  Never raises: a checker that crashes yields a
    C{"fail"} verdict whose summary starts with C{"checker error:"}, so one bug
    cannot hide the other verdicts.

    @raise KeyError: only for a clause ID that has no checker.
    """
    if clauses is None:
        wanted = list(CHECKERS)
    else:
        asked = list(dict.fromkeys(clauses))
        unknown = [c for c in asked if c not in CHECKERS]
        if unknown:
            raise KeyError(f"no checker for clause(s): {', '.join(unknown)}")
        order = {cid: n for n, cid in enumerate(CHECKERS)}
        wanted = sorted(asked, key=order.__getitem__)
    ctx = Ctx(trace, facts)
    out = []
    for cid in wanted:
        try:
            out.append(_FAMILY[cid](ctx))
        except Exception as e:  # a checker bug must not hide the other verdicts
            out.append(
                Verdict(
                    clause=cid,
                    scenario=facts.scenario,
                    status="fail",
                    summary=f"checker error: {type(e).__name__}: {e}",
                )
            )
    return out
