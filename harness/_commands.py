"""
The sub-commands of C{sip-harness} that build worlds: certify, run, serve,
phone, dns, resolve, bench.  Kept apart from L{harness.cli} so the parser
stays small and each command's imports stay lazy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from harness._gc import tune_gc
from harness.cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    load_phone_config,
    load_scenario_file,
)

SubParsers = argparse._SubParsersAction


def add_commands(sub: SubParsers) -> None:
    sp = sub.add_parser(
        "certify",
        help="certify a phone against the clause catalogue",
        description="Run scenarios against a phone and judge every clause from the wire. "
        "Exit 0 only if every selected clause passes.",
    )
    sp.add_argument(
        "--phone",
        default="builtin",
        help="builtin (default), builtin:defect=NAME, or baresip (see --list-phones)",
    )
    sp.add_argument(
        "--scenario",
        action="append",
        metavar="FILE_OR_DIR",
        help="scenario file or directory of *.toml (repeatable; default: every bundled scenario)",
    )
    sp.add_argument(
        "--clause", action="append", metavar="ID", help="judge only this clause (repeatable)"
    )
    sp.add_argument(
        "--profile",
        choices=["yealink", "rfc"],
        help="interpretation profile (default: per scenario, yealink)",
    )
    sp.add_argument(
        "--network",
        choices=["sim", "wire"],
        default="sim",
        help="simulated network (default) or real loopback sockets",
    )
    sp.add_argument("--seed", type=int, help="override every scenario's seed")
    sp.add_argument("--json", metavar="F", help="write the JSON report to F")
    sp.add_argument("--junit", metavar="F", help="write a JUnit XML report to F")
    sp.add_argument("--html", metavar="F", help="write an HTML report with ladders to F")
    sp.add_argument("--pcap", metavar="DIR", help="write one pcap per scenario into DIR")
    sp.add_argument("--redact", action="store_true", help="blank digest credentials in pcaps")
    sp.add_argument(
        "--explore",
        type=int,
        metavar="N",
        help="also run N generated worlds (property exploration)",
    )
    sp.add_argument(
        "--time-scale",
        type=float,
        metavar="F",
        help="wire mode, built-in phone: run every timer F times as long (default 0.05: a "
        "300 s scenario in 15 s); external phones run in real time (F = 1)",
    )
    sp.add_argument(
        "--max-duration",
        type=float,
        metavar="S",
        help="wire mode: trim scenarios to S scenario seconds (default for baresip: 45)",
    )
    sp.add_argument(
        "--list-phones", action="store_true", help="list the phones that can be certified"
    )
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    sp.set_defaults(func=cmd_certify)

    sp = sub.add_parser("run", help="run one scenario; print its ladder and verdicts")
    sp.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    sp.add_argument(
        "--network", choices=["sim", "wire"], default="sim", help="network (default sim)"
    )
    sp.add_argument("--seed", type=int, help="override the scenario's seed")
    sp.add_argument("--phone", default="builtin", help="builtin or builtin:defect=NAME")
    sp.add_argument("--pcap", metavar="F", help="write the pcap to F")
    sp.add_argument("--trace", metavar="F", help="write the JSON-lines trace to F")
    sp.add_argument("--no-ladder", action="store_true", help="do not print the ladder")
    sp.set_defaults(func=cmd_run)
    add_wire_commands(sub)


# -- certify --------------------------------------------------------------------------


def _phone_choice(text: str) -> tuple[str, Any]:
    from harness.phone.defects import Defects

    if text == "builtin":
        return "builtin", Defects()
    if text.startswith("builtin:defect="):
        name = text.split("=", 1)[1]
        try:
            return "builtin", Defects.of(*[n for n in name.split(",") if n])
        except ValueError as e:
            raise UsageError(str(e)) from e
    if text in ("baresip", "external"):
        return text, None
    raise UsageError(f"unknown phone {text!r}; see --list-phones")


def list_phones() -> str:
    import shutil

    from harness.phone.defects import DEFECTS

    out = ["builtin                      the guide's phone, modelled (the golden phone)"]
    for d in DEFECTS:
        out.append(f"builtin:defect={d.name:<34} breaks {d.clause}: {d.description}")
    have = shutil.which("baresip")
    out.append(
        "baresip                      baresip soft phone in another process, on the wire "
        f"({'installed: ' + have if have else 'not installed: apt-get install baresip-core'})"
    )
    out.append(
        "external                     a phone you start yourself: use 'sip-harness serve SCENARIO'"
    )
    return "\n".join(out)


def cmd_certify(args: argparse.Namespace) -> int:
    from harness.certify.report import (
        RunSummary,
        clause_rows,
        html_report,
        json_report,
        junit_report,
        overall,
        text_report,
    )
    from harness.profile import get_profile
    from harness.scenario import (
        ScenarioError,
        bundled_scenarios_dir,
        find_scenarios,
        load_scenario,
    )

    if args.list_phones:
        print(list_phones())
        return EXIT_OK
    kind, defects = _phone_choice(args.phone)
    if kind == "external":
        raise UsageError(
            "an external phone you start yourself: use 'sip-harness serve SCENARIO' and point "
            "the phone at the servers it prints"
        )
    wire = args.network == "wire" or kind != "builtin"
    if not wire and (args.time_scale is not None or args.max_duration is not None):
        raise UsageError("--time-scale and --max-duration apply to --network wire only")
    if args.explore and wire:
        raise UsageError("--explore runs generated worlds on the simulated network only")
    if args.clause:
        from harness.certify.clauses import by_id

        for c in args.clause:
            try:
                by_id(c)
            except ValueError as e:
                raise UsageError(str(e)) from e
    default_paths = [str(bundled_scenarios_dir())]
    if kind == "baresip" and not args.scenario:
        from harness.adapters.baresip import DEFAULT_SCENARIOS

        default_paths = [str(bundled_scenarios_dir() / f"{n}.toml") for n in DEFAULT_SCENARIOS]
    if not args.scenario and not bundled_scenarios_dir().is_dir():
        raise UsageError(
            f"the bundled scenarios are not at {bundled_scenarios_dir()}: install from a "
            "checkout (pip install -e .) or name scenarios with --scenario"
        )
    paths = find_scenarios(args.scenario or default_paths)
    if not paths:
        raise UsageError("no scenario files found")
    scenarios = []
    problems: list[str] = []
    for p in paths:
        try:
            scenarios.append(load_scenario(p))
        except ScenarioError as e:
            problems.extend(e.errors)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    profile = get_profile(args.profile) if args.profile else None
    clauses = tuple(args.clause) if args.clause else None
    runs: list[RunSummary] = []
    results = []
    started = time.perf_counter()
    if wire:
        return _certify_wire(args, kind, defects, scenarios, profile, clauses, started)
    try:
        for i, sc in enumerate(scenarios, 1):
            t0 = time.perf_counter()
            result = _run_one(sc, seed=args.seed, defects=defects, profile=profile, clauses=clauses)
            wall = time.perf_counter() - t0
            results.append(result)
            runs.append(
                RunSummary(
                    scenario=sc.name,
                    digest=result.digest,
                    verdicts=tuple(result.verdicts),
                    phone=args.phone,
                    seed=args.seed if args.seed is not None else sc.seed,
                    wall_seconds=wall,
                    virtual_seconds=sc.duration,
                    errors=tuple(result.phone_errors),
                )
            )
            if not args.quiet:
                fails = sum(v.status == "fail" for v in result.verdicts)
                state = "ok" if not fails and not result.phone_errors else f"{fails} FAILED"
                print(
                    f"[{i}/{len(scenarios)}] {sc.name}: {state} "
                    f"({wall * 1000:.0f} ms, trace {result.digest[:12]})",
                    file=sys.stderr,
                )
    except KeyboardInterrupt:
        print("interrupted; writing the partial report", file=sys.stderr)
    elapsed = time.perf_counter() - started
    rows = clause_rows(runs, clauses)
    print(text_report(runs, rows, phone=args.phone), end="")
    if not args.quiet:
        print(f"({len(runs)} scenarios in {elapsed:.2f} s wall)", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json_report(runs, rows, phone=args.phone))
    if args.junit:
        Path(args.junit).write_text(junit_report(runs, phone=args.phone))
    if args.html:
        Path(args.html).write_text(
            html_report(runs, rows, phone=args.phone, ladders=_ladders(results))
        )
    if args.pcap:
        _write_pcaps(results, Path(args.pcap), redact=args.redact)
    explored_ok = True
    if args.explore:
        explored_ok = _explore(args.explore, defects, seed=args.seed or 0, quiet=args.quiet)
    ok = overall(rows, runs) and len(runs) == len(scenarios) and explored_ok
    return EXIT_OK if ok else EXIT_FAILED


def _explore(n: int, defects: Any, *, seed: int, quiet: bool) -> bool:
    """C{certify --explore N}: N generated worlds; a violation prints its shrunk scenario."""
    from harness.explore import explore, format_explore

    if n < 1:
        raise UsageError("--explore takes a positive number of worlds")

    def progress(done: int, total: int) -> None:
        if not quiet and (done % 10 == 0 or done == total):
            print(f"[explore] {done}/{total} worlds", file=sys.stderr)

    names = sorted(defects.names) if defects else None
    result = explore(n, phone_defects=names, seed=seed, progress=progress)
    print(format_explore(result), end="")
    return bool(result.passed)


def _certify_wire(
    args: argparse.Namespace,
    kind: str,
    defects: Any,
    scenarios: list[Any],
    profile: Any,
    clauses: tuple[str, ...] | None,
    started: float,
) -> int:
    """
    C{certify --network wire} (and every external phone): the scenarios one
    after another on the real reactor, then the same reports as on the
    simulated network, plus what the phone could not be told.  Ctrl-C or
    SIGTERM ends the run in progress, closes every port, stops the phone and
    still writes the partial report (exit 130).
    """
    from harness.adapters.wire import DEFAULT_BUILTIN_SCALE, WireError, WireOutcome, WireRunner
    from harness.certify.report import RunSummary, clause_rows, overall, text_report
    from harness.cli import EXIT_INTERRUPTED, real_reactor

    phone: Any = None
    max_duration = args.max_duration
    if kind == "builtin":
        scale = args.time_scale if args.time_scale is not None else DEFAULT_BUILTIN_SCALE
    else:
        from harness.adapters import adapter_for
        from harness.adapters.baresip import DEFAULT_MAX_DURATION

        phone = adapter_for(kind)
        avail = phone.available()
        if not avail:
            raise UsageError(f"--phone {kind}: {avail.reason}")
        if args.time_scale not in (None, 1.0):
            raise UsageError(f"--phone {kind} runs on its own real timers: --time-scale must be 1")
        scale = 1.0
        if max_duration is None:
            max_duration = DEFAULT_MAX_DURATION
    if not scale > 0:
        raise UsageError(f"--time-scale {scale}: must be > 0")
    if max_duration is not None and not max_duration > 0:
        raise UsageError(f"--max-duration {max_duration}: must be > 0")
    reactor = real_reactor()
    runner = WireRunner(
        reactor,
        phone=phone,
        scale=scale,
        seed=args.seed,
        defects=defects,
        profile=profile,
        clauses=clauses,
        max_duration=max_duration,
    )
    outcomes: list[WireOutcome] = []
    state: dict[str, Any] = {"finished": False, "error": None}
    if not args.quiet:
        total = sum(min(sc.duration, max_duration or sc.duration) for sc in scenarios) * scale
        print(
            f"wire mode: {len(scenarios)} scenario(s), time scale {scale:g}, about "
            f"{total:.0f} s of wall time; Ctrl-C stops and still reports",
            file=sys.stderr,
        )

    def progress(i: int, out: WireOutcome) -> None:
        outcomes.append(out)
        if args.quiet:
            return
        r = out.result
        fails = sum(v.status == "fail" for v in r.verdicts)
        shown = "ok" if not fails and not r.phone_errors else f"{fails} FAILED"
        if out.interrupted:
            shown += ", interrupted"
        print(
            f"[{i}/{len(scenarios)}] {r.scenario.name}: {shown} "
            f"({out.wall_seconds:.1f} s wall, {out.scenario_seconds:.0f} s scenario, "
            f"trace {r.digest[:12]})",
            file=sys.stderr,
        )

    def drive(i: int = 0) -> None:
        if i >= len(scenarios) or runner.interrupted:
            state["finished"] = i >= len(scenarios) and not runner.interrupted
            _stop_reactor(reactor)
            return
        d = runner.run(scenarios[i])

        def next_one(out: WireOutcome) -> None:
            progress(i + 1, out)
            drive(i + 1)

        def failed(f: Any) -> None:
            state["error"] = f.value if f.check(WireError) else f.getTraceback()
            _stop_reactor(reactor)

        d.addCallbacks(next_one, failed)

    reactor.addSystemEventTrigger("before", "shutdown", runner.interrupt)
    reactor.callWhenRunning(drive)
    reactor.run()
    interrupted = not state["finished"] and state["error"] is None
    if interrupted:
        print(
            "interrupted: ports closed, phone stopped; writing the partial report",
            file=sys.stderr,
        )
    runs = [
        RunSummary(
            scenario=o.result.scenario.name,
            digest=o.result.digest,
            verdicts=tuple(o.result.verdicts),
            phone=args.phone,
            seed=args.seed if args.seed is not None else o.result.scenario.seed,
            wall_seconds=o.wall_seconds,
            virtual_seconds=o.scenario_seconds,
            errors=tuple(o.result.phone_errors),
        )
        for o in outcomes
    ]
    rows = clause_rows(runs, clauses)
    if runs or state["error"] is None:
        print(text_report(runs, rows, phone=args.phone), end="")
    notes = _wire_notes(outcomes)
    if notes:
        print("\n" + "\n".join(notes))
    if not args.quiet:
        print(
            f"({len(runs)} scenarios in {time.perf_counter() - started:.2f} s wall)",
            file=sys.stderr,
        )
    _write_wire_reports(args, runs, rows, outcomes)
    if state["error"] is not None:
        print(f"sip-harness certify: error: {state['error']}", file=sys.stderr)
        return EXIT_USAGE
    if interrupted:
        return EXIT_INTERRUPTED
    ok = overall(rows, runs) and len(runs) == len(scenarios)
    return EXIT_OK if ok else EXIT_FAILED


def _stop_reactor(reactor: Any) -> None:
    from twisted.internet.error import ReactorNotRunning

    try:
        reactor.stop()
    except ReactorNotRunning:
        pass


def _wire_notes(outcomes: list[Any]) -> list[str]:
    """What a wire report says besides verdicts: scale, trimming, not expressible."""
    out: list[str] = []
    for o in outcomes:
        lines = [f"  {n}" for n in o.notes]
        if o.scale != 1.0:
            tol = o.result.facts.latency_tolerance
            lines.insert(0, f"  time scale {o.scale:g} (timing tolerance {tol:.2f} scenario s)")
        lines += [f"  not expressible: {m}" for m in o.not_expressible]
        if lines:
            out.append(f"Notes on {o.result.scenario.name}:")
            out.extend(lines)
    return out


def _write_wire_reports(
    args: argparse.Namespace, runs: list[Any], rows: list[Any], outcomes: list[Any]
) -> None:
    import json

    from harness.certify.report import html_report, json_report, junit_report

    results = [o.result for o in outcomes]
    if args.json:
        doc = json.loads(json_report(runs, rows, phone=args.phone))
        doc["network"] = "wire"
        for entry, o in zip(doc["scenarios"], outcomes, strict=True):
            entry["time_scale"] = o.scale
            entry["interrupted"] = o.interrupted
            entry["notes"] = list(o.notes)
            entry["not_expressible"] = [str(m) for m in o.not_expressible]
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    if args.junit:
        Path(args.junit).write_text(junit_report(runs, phone=args.phone))
    if args.html:
        Path(args.html).write_text(
            html_report(runs, rows, phone=args.phone, ladders=_ladders(results))
        )
    if args.pcap:
        _write_pcaps(results, Path(args.pcap), redact=args.redact)


def _run_one(sc: Any, **kw: Any) -> Any:
    from harness.testbed import run_scenario

    return run_scenario(sc, **kw)


def _hosts(result: Any) -> dict[str, str]:
    sc = result.scenario
    hosts = {result.facts.phone or sc.phone_address: "phone"}
    for s in sc.servers:
        hosts[s.address] = s.role
    if sc.dns is not None:
        hosts[sc.dns.address] = "dns"
    return hosts


def _ladders(results: list[Any]) -> dict[str, str]:
    from harness.trace.ladder import svg_ladder

    out = {}
    for r in results:
        highlight = {i for v in r.verdicts if v.status == "fail" for i in v.evidence}
        out[r.scenario.name] = svg_ladder(r.trace.events, _hosts(r), highlight=highlight)
    return out


def _write_pcaps(results: list[Any], folder: Path, *, redact: bool) -> None:
    from harness.trace.pcap import write_pcap

    folder.mkdir(parents=True, exist_ok=True)
    redactor = _redact_credentials if redact else None
    for r in results:
        with open(folder / f"{r.scenario.name}.pcap", "wb") as fp:
            write_pcap(r.trace.events, fp, redact=redactor)


def _redact_credentials(raw: bytes) -> bytes:
    """Blank the digest response of Authorization headers (C{--redact})."""
    import re

    return re.sub(
        rb'(?im)^((?:proxy-)?authorization:.*?response=")[0-9a-f]+(")',
        lambda m: m.group(1) + b"x" * 32 + m.group(2),
        raw,
    )


# -- run ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from harness.trace.ladder import text_ladder

    sc = load_scenario_file(args.scenario)
    kind, defects = _phone_choice(args.phone)
    if args.network == "wire" or kind != "builtin":
        raise UsageError("'run' drives the built-in phone on the simulated network; use 'serve'")
    result = _run_one(sc, seed=args.seed, defects=defects)
    if not args.no_ladder:
        print(text_ladder(result.trace.events, hosts=_hosts(result)))
    for v in result.verdicts:
        if v.status == "n/a":
            continue
        print(f"{v.clause:<8} {v.status.upper():<5} {v.summary}")
        if v.status == "fail":
            print(f"         expected: {v.expected}\n         seen:     {v.seen}")
    for problem in result.phone_errors:
        print(f"internal error: {problem}")
    print(f"trace sha256 {result.digest}")
    if args.trace:
        Path(args.trace).write_text(result.trace.to_jsonl())
    if args.pcap:
        from harness.trace.pcap import write_pcap

        with open(args.pcap, "wb") as fp:
            write_pcap(result.trace.events, fp)
    return EXIT_OK if result.passed else EXIT_FAILED


# -- wire-mode commands ----------------------------------------------------------------


def add_wire_commands(sub: SubParsers) -> None:
    sp = sub.add_parser(
        "serve",
        help="wire mode: serve a scenario's DNS and SIP servers for an external phone",
        description="Start the scenario's DNS server and SIP servers on their addresses, print "
        "how to point a phone at them, run the fault schedule on the wall clock, then judge "
        "what the servers saw.",
    )
    sp.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    sp.add_argument(
        "--duration", type=float, metavar="S", help="seconds to run (default: the scenario's)"
    )
    sp.add_argument(
        "--phone-address", metavar="IP", help="the phone's IP, to judge only its traffic"
    )
    sp.add_argument("--json", metavar="F", help="write the JSON report to F")
    sp.add_argument("--pcap", metavar="F", help="write a pcap of what the servers saw to F")
    sp.add_argument("--trace", metavar="F", help="write the JSON-lines trace to F")
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("phone", help="run the built-in phone on real sockets")
    sp.add_argument("--config", required=True, metavar="F.cfg", help="Yealink provisioning file")
    sp.add_argument("--dns", metavar="IP:PORT", help="DNS server (default 127.0.1.53:53)")
    sp.add_argument(
        "--listen",
        metavar="IP:PORT",
        default="127.0.0.100:5060",
        help="the phone's address (default 127.0.0.100:5060)",
    )
    sp.add_argument(
        "--duration", type=float, default=60.0, metavar="S", help="seconds to run (default 60)"
    )
    sp.add_argument(
        "--call", metavar="URI", help="place a call to URI after the first registration"
    )
    sp.add_argument(
        "--profile", choices=["yealink", "rfc"], default="yealink", help="interpretation profile"
    )
    sp.set_defaults(func=cmd_phone)

    sp = sub.add_parser("dns", help="serve a zone file on the wire")
    sp.add_argument(
        "--zone",
        required=True,
        action="append",
        metavar="F.zone",
        help="zone master file (repeatable)",
    )
    sp.add_argument(
        "--listen", required=True, metavar="IP:PORT", help="address and port to serve on"
    )
    sp.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)"
    )
    sp.add_argument("--no-glue", action="store_true", help="no A glue for SRV targets")
    sp.set_defaults(func=cmd_dns)

    sp = sub.add_parser(
        "resolve", help="locate a SIP server the way the phone does (RFC 3263 + the guide)"
    )
    sp.add_argument("host", metavar="HOST", help="domain or IP address")
    sp.add_argument(
        "--transport",
        choices=["udp", "tcp", "tls", "dns-naptr"],
        default="dns-naptr",
        help="account transport (default dns-naptr)",
    )
    sp.add_argument("--port", type=int, default=0, help="configured port (0: ask DNS; default 0)")
    sp.add_argument(
        "--naptr-build", type=int, choices=[0, 1], default=0, help="naptr_build (default 0)"
    )
    sp.add_argument("--dns", required=True, metavar="IP:PORT", help="DNS server to ask")
    sp.add_argument(
        "--profile", choices=["yealink", "rfc"], default="yealink", help="interpretation profile"
    )
    sp.set_defaults(func=cmd_resolve)

    sp = sub.add_parser("bench", help="performance figures (simulation speed, scale, wire)")
    sp.add_argument("--quick", action="store_true", help="a short run (about a minute)")
    sp.add_argument("--json", metavar="F", help="write the figures as JSON to F")
    sp.add_argument(
        "--only", action="append", metavar="NAME", help="run only this benchmark group (repeatable)"
    )
    sp.set_defaults(func=cmd_bench)


def _run_reactor(reactor: Any, seconds: float | None) -> None:
    """Run the real reactor for C{seconds} (or until stopped), Ctrl-C and SIGTERM included."""
    if seconds is not None:
        reactor.callLater(seconds, reactor.stop)
    reactor.run()


def cmd_resolve(args: argparse.Namespace) -> int:
    import random

    from harness.cli import parse_hostport, real_reactor
    from harness.profile import get_profile
    from harness.sip.locate import LocateError, Locator, make_resolver

    dns = parse_hostport(args.dns, "--dns")
    transport = {"udp": 0, "tcp": 1, "tls": 2, "dns-naptr": 3}[args.transport]
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: valid 0..65535")
    reactor = real_reactor()
    locator = Locator(
        make_resolver(reactor, dns), reactor, get_profile(args.profile), random.Random(0)
    )
    outcome: dict[str, Any] = {}

    def done(resolution: Any) -> None:
        outcome["ok"] = resolution

    def failed(f: Any) -> None:
        outcome["error"] = f.value

    d = locator.locate(args.host, args.port, transport, args.naptr_build)
    d.addCallbacks(done, failed)
    d.addBoth(lambda _: reactor.callLater(0, reactor.stop))
    if "ok" not in outcome and "error" not in outcome:
        reactor.callLater(15, reactor.stop)
        reactor.run()
    if "ok" in outcome:
        for t in outcome["ok"].targets:
            print(f"{t.transport.upper()} {t.host} {t.port}")
        if outcome["ok"].targets:
            return EXIT_OK
        print(f"sip-harness resolve: {args.host}: no targets", file=sys.stderr)
        return EXIT_FAILED
    err = outcome.get("error")
    why = str(err) if isinstance(err, LocateError) else repr(err) if err else "timed out"
    print(f"sip-harness resolve: {args.host}: {why}", file=sys.stderr)
    return EXIT_FAILED


def cmd_dns(args: argparse.Namespace) -> int:
    from harness.cli import parse_hostport, real_reactor
    from harness.dns.server import DnsServer
    from harness.dns.zone import Zone
    from harness.net.wire import WireNetwork
    from harness.trace.events import DnsEvent, Trace

    ip, port = parse_hostport(args.listen, "--listen")
    zones = []
    for f in args.zone:
        try:
            zones.append(Zone.from_master_file(f, glue=not args.no_glue))
        except OSError as e:
            raise UsageError(f"{f}: {e.strerror or e}") from e
        except Exception as e:
            raise UsageError(f"{f}: {e}") from e
    reactor = real_reactor()
    trace = Trace()
    try:
        host = WireNetwork(reactor, trace).host(ip)
    except ValueError as e:
        raise UsageError(str(e)) from e
    server = DnsServer(host, zones, trace, port=port, address=ip, epoch=reactor.seconds())

    def show(e: Any) -> None:
        if isinstance(e, DnsEvent) and e.direction == "out":
            print(
                f"{e.t:9.3f} {e.remote[0]}:{e.remote[1]} {e.qname} {e.qtype} -> {e.rcode} "
                f"{'; '.join(e.answers)}",
                flush=True,
            )

    trace.subscribe(show)
    try:
        server.start()
    except Exception as e:
        raise UsageError(f"cannot listen on {ip}:{port}: {e}") from e
    origins = ", ".join(z.origin.decode() for z in zones)
    print(f"serving {origins} on {ip}:{port} (UDP and TCP); Ctrl-C to stop", flush=True)
    _run_reactor(reactor, args.duration)
    server.stop()
    return EXIT_OK


def cmd_phone(args: argparse.Namespace) -> int:
    import random

    from harness.cli import parse_hostport, real_reactor
    from harness.net.wire import WireNetwork
    from harness.phone.phone import Phone
    from harness.profile import get_profile
    from harness.sip.locate import Locator, make_resolver
    from harness.sip.transport import SipEndpoint
    from harness.tls import load_ca
    from harness.trace.events import NoteEvent, SipEvent, Trace, summarise_sip

    config = load_phone_config(args.config)
    if not config.enabled_accounts:
        raise UsageError(f"{args.config}: no account is enabled")
    ip, port = parse_hostport(args.listen, "--listen")
    dns = parse_hostport(args.dns, "--dns") if args.dns else ("127.0.1.53", 53)
    reactor = real_reactor()
    trace = Trace()
    try:
        host = WireNetwork(reactor, trace).host(ip)
    except ValueError as e:
        raise UsageError(str(e)) from e
    profile = get_profile(args.profile)
    rng = random.Random()
    endpoint = SipEndpoint(host, trace, ip, rng=rng, trust_root=load_ca(), name="phone")
    try:
        endpoint.listen("udp", port)
        endpoint.listen("tcp", port)
    except Exception as e:
        raise UsageError(f"cannot listen on {ip}:{port}: {e}") from e
    locator = Locator(make_resolver(host, dns), host, profile, rng)
    phone = Phone(host, trace, endpoint, locator, config, profile, address=ip, rng=rng)
    t0 = reactor.seconds()

    def show(e: Any) -> None:
        if isinstance(e, NoteEvent):
            tag = f" [{e.clause}]" if e.clause else ""
            print(f"{reactor.seconds() - t0:9.3f} {e.text}{tag}", flush=True)
        elif isinstance(e, SipEvent):
            arrow = "->" if e.direction == "out" else "<-"
            print(
                f"{reactor.seconds() - t0:9.3f}   {arrow} "
                f"{e.remote[0]}:{e.remote[1]}/{e.transport} "
                f"{summarise_sip(e.message)}",
                flush=True,
            )

    trace.subscribe(show)
    phone.start()
    if args.call:
        reactor.callLater(2.0, phone.call, args.call)
    _run_reactor(reactor, args.duration)
    phone.stop()
    endpoint.close()
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import dataclasses

    from harness.adapters.wire import ScaledWireNetwork
    from harness.certify.checkers import judge
    from harness.certify.report import RunSummary, clause_rows, json_report, text_report
    from harness.cli import real_reactor
    from harness.testbed import Testbed
    from harness.trace.events import Trace

    sc = load_scenario_file(args.scenario)
    reactor = real_reactor()
    trace = Trace()
    try:
        # scale 1: trace times and fault times are seconds since the start
        network = ScaledWireNetwork(reactor, trace, 1.0)
        bed = Testbed(sc, phone=None, network=network, trace=trace)
    except ValueError as e:
        raise UsageError(str(e)) from e
    try:
        bed.start()
    except Exception as e:
        bed.stop()
        raise UsageError(f"cannot start the servers: {e}") from e
    # the bench registrar's policy, for the same reason (harness._gc): no
    # multi-second collector pauses while a phone under test is judged
    tune_gc()
    print(f"scenario {sc.name}: {sc.description}")
    if sc.dns is not None:
        print(f"  DNS        {sc.dns.address}:{sc.dns.port} (UDP, TCP)  zone {sc.dns.zone}")
    for s in sc.servers:
        ports = ", ".join(f"{t}:{s.tls_port if t == 'tls' else s.port}" for t in s.transports)
        print(f"  {s.role:<10} {s.address}  {ports}")
    print(
        "Point the phone's DNS at the DNS server and its SIP server 1/2 at the scenario's "
        "names; Ctrl-C ends the run early and still judges it.",
        flush=True,
    )
    duration = args.duration if args.duration is not None else sc.duration
    try:
        _run_reactor(reactor, duration)
    finally:
        bed.stop()
    facts = dataclasses.replace(
        bed.facts(),
        phone=args.phone_address,
        latency_tolerance=0.1,
        duration=min(duration, network.seconds()),
    )
    verdicts = judge(trace, facts, bed.clauses)
    run = RunSummary(
        sc.name, trace.sha256(), tuple(verdicts), "external", sc.seed, virtual_seconds=duration
    )
    rows = clause_rows([run], sc.clauses or None)
    print(text_report([run], rows, phone="external"), end="")
    if args.json:
        Path(args.json).write_text(json_report([run], rows, phone="external"))
    if args.trace:
        Path(args.trace).write_text(trace.to_jsonl())
    if args.pcap:
        from harness.trace.pcap import write_pcap

        with open(args.pcap, "wb") as fp:
            write_pcap(trace.events, fp)
    return EXIT_OK if all(r.status != "fail" for r in rows) else EXIT_FAILED


def cmd_bench(args: argparse.Namespace) -> int:
    from harness.benchmarks import run_benchmarks

    return run_benchmarks(quick=args.quick, json_path=args.json, only=args.only)
