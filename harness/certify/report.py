"""
Certification reports: the clause table for people, JSON and JUnit XML for
machines, HTML with ladders for reviewing a failure.

A certification is a list of runs (one per scenario), each with its verdicts.
A clause's overall status: C{fail} if any scenario failed it, else C{pass} if
any scenario passed it, else C{n/a}.  The JSON schema (C{"schema": 1}) is
stable: fields are only ever added.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from harness.certify.clauses import CLAUSES
from harness.certify.verdict import Verdict

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RunSummary:
    """What a report needs of one scenario run."""

    scenario: str
    digest: str
    verdicts: tuple[Verdict, ...]
    phone: str
    seed: int
    wall_seconds: float = 0.0
    virtual_seconds: float = 0.0
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClauseRow:
    clause: str
    title: str
    status: str
    scenarios_pass: tuple[str, ...]
    scenarios_fail: tuple[str, ...]
    first_failure: Verdict | None


def clause_rows(
    runs: Sequence[RunSummary], selected: Iterable[str] | None = None
) -> list[ClauseRow]:
    """One row per clause of the catalogue (or of C{selected}), in catalogue order."""
    wanted = set(selected) if selected is not None else None
    rows = []
    for clause in CLAUSES:
        if wanted is not None and clause.id not in wanted:
            continue
        passed: list[str] = []
        failed: list[str] = []
        first: Verdict | None = None
        for run in runs:
            for v in run.verdicts:
                if v.clause != clause.id:
                    continue
                if v.status == "pass":
                    passed.append(run.scenario)
                elif v.status == "fail":
                    failed.append(run.scenario)
                    first = first or v
        status = "fail" if failed else "pass" if passed else "n/a"
        rows.append(ClauseRow(clause.id, clause.title, status, tuple(passed), tuple(failed), first))
    return rows


def overall(rows: Sequence[ClauseRow], runs: Sequence[RunSummary]) -> bool:
    """True when no clause failed and no run had an internal error."""
    return all(r.status != "fail" for r in rows) and not any(run.errors for run in runs)


def text_report(runs: Sequence[RunSummary], rows: Sequence[ClauseRow], *, phone: str) -> str:
    """The clause table and a summary, as printed by C{sip-harness certify}."""
    out = [f"Certification of phone {phone!r}: {len(runs)} scenario(s)", ""]
    width = max((len(r.title) for r in rows), default=10)
    width = min(width, 48)
    out.append(f"{'CLAUSE':<8} {'TITLE':<{width}} {'VERDICT':<7} SCENARIOS")
    for r in rows:
        names = r.scenarios_fail if r.status == "fail" else r.scenarios_pass
        shown = ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
        verdict = {"pass": "PASS", "fail": "FAIL", "n/a": "n/a"}[r.status]
        out.append(f"{r.clause:<8} {r.title[:width]:<{width}} {verdict:<7} {shown}")
    failures = [r for r in rows if r.status == "fail"]
    if failures:
        out.append("")
        out.append("Failures:")
        for r in failures:
            v = r.first_failure
            assert v is not None
            out.append(f"  {r.clause} in {v.scenario}: {v.summary}")
            if v.expected:
                out.append(f"      expected: {v.expected}")
            if v.seen:
                out.append(f"      seen:     {v.seen}")
    errors = [(run.scenario, e) for run in runs for e in run.errors]
    if errors:
        out.append("")
        out.append("Internal errors (a bug in the harness or the built-in phone):")
        for name, e in errors:
            out.append(f"  {name}: {e}")
    n_pass = sum(r.status == "pass" for r in rows)
    n_fail = len(failures)
    n_na = sum(r.status == "n/a" for r in rows)
    out.append("")
    out.append(
        f"{n_pass} clauses passed, {n_fail} failed, {n_na} not applicable; "
        f"result: {'CERTIFIED' if overall(rows, runs) else 'NOT CERTIFIED'}"
    )
    return "\n".join(out) + "\n"


def _verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "clause": v.clause,
        "scenario": v.scenario,
        "status": v.status,
        "summary": v.summary,
        "expected": v.expected,
        "seen": v.seen,
        "evidence": list(v.evidence),
    }


def json_report(runs: Sequence[RunSummary], rows: Sequence[ClauseRow], *, phone: str) -> str:
    """The machine-readable report (stable schema, version L{SCHEMA_VERSION})."""
    doc = {
        "schema": SCHEMA_VERSION,
        "phone": phone,
        "result": "pass" if overall(rows, runs) else "fail",
        "clauses": [
            {
                "id": r.clause,
                "title": r.title,
                "status": r.status,
                "passed_in": list(r.scenarios_pass),
                "failed_in": list(r.scenarios_fail),
            }
            for r in rows
        ],
        "scenarios": [
            {
                "name": run.scenario,
                "seed": run.seed,
                "trace_sha256": run.digest,
                "virtual_seconds": run.virtual_seconds,
                "wall_seconds": round(run.wall_seconds, 4),
                "errors": list(run.errors),
                "verdicts": [_verdict_json(v) for v in run.verdicts],
            }
            for run in runs
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def junit_report(runs: Sequence[RunSummary], *, phone: str) -> str:
    """JUnit XML: one testcase per clause x scenario (n/a verdicts are skipped cases)."""
    cases = []
    failures = skipped = 0
    for run in runs:
        for v in run.verdicts:
            name = quoteattr(f"{v.clause} [{run.scenario}]")
            cls = quoteattr(f"sip-harness.{v.clause.split('-')[0]}")
            body = ""
            if v.status == "fail":
                failures += 1
                msg = quoteattr(v.summary)
                detail = xml_escape(f"expected: {v.expected}\nseen: {v.seen}")
                body = f"<failure message={msg}>{detail}</failure>"
            elif v.status == "n/a":
                skipped += 1
                body = f"<skipped message={quoteattr(v.summary)}/>"
            cases.append(f'    <testcase classname={cls} name={name} time="0">{body}</testcase>')
    total = len(cases)
    head = (
        f'<testsuite name={quoteattr("sip-harness certify " + phone)} tests="{total}" '
        f'failures="{failures}" errors="0" skipped="{skipped}">'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  '
        + head
        + "\n"
        + "\n".join(cases)
        + "\n  </testsuite>\n</testsuites>\n"
    )


def html_report(
    runs: Sequence[RunSummary],
    rows: Sequence[ClauseRow],
    *,
    phone: str,
    ladders: dict[str, str] | None = None,
) -> str:
    """
    A self-contained HTML page: the clause table, then per scenario its
    verdicts and (from C{ladders}: scenario -> SVG markup) its ladder diagram
    with the failing evidence highlighted.  Everything from the wire is
    escaped: a phone's messages are hostile input.
    """
    esc = html.escape
    ok = overall(rows, runs)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>sip-harness certification: {esc(phone)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
        ".pass{background:#dfd}.fail{background:#fdd}.na{color:#888}"
        "details{margin:1em 0}.svg{overflow-x:auto;border:1px solid #ddd}</style>",
        "</head><body>",
        f"<h1>Certification of {esc(phone)}: "
        f"<span class='{'pass' if ok else 'fail'}'>{'CERTIFIED' if ok else 'NOT CERTIFIED'}"
        "</span></h1>",
        "<table><tr><th>Clause</th><th>Title</th><th>Verdict</th><th>Scenarios</th></tr>",
    ]
    for r in rows:
        cls = {"pass": "pass", "fail": "fail", "n/a": "na"}[r.status]
        names = r.scenarios_fail if r.status == "fail" else r.scenarios_pass
        links = ", ".join(f"<a href='#{esc(n)}'>{esc(n)}</a>" for n in dict.fromkeys(names))
        parts.append(
            f"<tr class='{cls}'><td>{esc(r.clause)}</td><td>{esc(r.title)}</td>"
            f"<td>{esc(r.status.upper())}</td><td>{links}</td></tr>"
        )
    parts.append("</table>")
    for run in runs:
        parts.append(f"<h2 id='{esc(run.scenario)}'>{esc(run.scenario)}</h2>")
        parts.append(f"<p>seed {run.seed}; trace SHA-256 <code>{esc(run.digest)}</code></p>")
        parts.append("<table><tr><th>Clause</th><th>Verdict</th><th>Summary</th></tr>")
        for v in run.verdicts:
            if v.status == "n/a":
                continue
            cls = "pass" if v.status == "pass" else "fail"
            detail = esc(v.summary)
            if v.status == "fail":
                detail += f"<br>expected: {esc(v.expected)}<br>seen: {esc(v.seen)}"
            parts.append(
                f"<tr class='{cls}'><td>{esc(v.clause)}</td><td>{esc(v.status)}</td>"
                f"<td>{detail}</td></tr>"
            )
        parts.append("</table>")
        if ladders and run.scenario in ladders:
            parts.append(
                "<details open><summary>Ladder</summary><div class='svg'>"
                + ladders[run.scenario]
                + "</div></details>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
