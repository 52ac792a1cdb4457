"""
The C{sip-harness} command line.

This is the only module allowed to install and import the global reactor
(and it does so only inside the commands that need real sockets).  Each
sub-command imports what it needs lazily so C{sip-harness --help} stays fast
and a broken optional part cannot stop the others.

Exit codes (a contract scripts rely on):
 - 0: success (for C{certify}: every selected clause passed)
 - 1: the thing checked failed (a clause failed, a message did not parse, a
   configuration is invalid, nothing resolved)
 - 2: usage error or unreadable input (bad option, missing file, bad scenario)
 - 130: interrupted (Ctrl-C / SIGTERM); partial reports are still written
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A problem with the user's input: printed as one line, exit 2."""


class ReportedErrors(Exception):
    """Several problems (one line each, already naming file and place) and the exit code."""

    def __init__(self, lines: Sequence[str], code: int) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.code = code


def load_phone_config(path: str) -> Any:
    """A phone configuration for a command; its errors end the command with exit 1."""
    from harness.phone.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as e:
        summary = f"{path}: {len(e.errors)} error(s); nothing applied"
        raise ReportedErrors([*e.errors, summary], EXIT_FAILED) from e
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror or e}") from e


def load_scenario_file(path: str) -> Any:
    """A scenario for a command; its errors end the command with exit 2."""
    from harness.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as e:
        raise ReportedErrors(e.errors, EXIT_USAGE) from e


def _cmd_parse(args: argparse.Namespace) -> int:
    from harness.sip.message import ParseError, parse

    status = EXIT_OK
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as e:
            print(f"{name}: error: {e.strerror or e}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        try:
            msg = parse(data)
        except ParseError as e:
            print(f"{name}: error: {e}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        if len(args.files) > 1:
            print(f"==> {name} <==")
        sys.stdout.write(msg.to_bytes().decode("utf-8", "replace"))
        if not msg.body:
            sys.stdout.write("\n")
    return status


def _cmd_clauses(args: argparse.Namespace) -> int:
    from harness.certify.clauses import format_catalogue

    print(format_catalogue())
    return EXIT_OK


def _cmd_check_config(args: argparse.Namespace) -> int:
    from harness.phone.config import format_effective

    config = load_phone_config(args.file)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(format_effective(config))
    return EXIT_OK


def real_reactor() -> Any:
    """
    Install and return the global reactor: the one place in the package that
    does (every other module takes a reactor argument).
    """
    from twisted.internet import reactor

    return reactor


def parse_hostport(text: str, what: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"{what}: expected IP:PORT, got {text!r}")
    return host, int(port)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sip-harness",
        description=(
            "Certify a SIP phone's server redundancy (failover, fallback, failback) "
            "against the Yealink guide, with fake SIP servers and an authoritative DNS "
            "server on a simulated or real network."
        ),
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sp = sub.add_parser("parse", help="parse SIP messages and print them normalised")
    sp.add_argument("files", nargs="+", metavar="FILE", help="files holding one SIP message each")
    sp.set_defaults(func=_cmd_parse)

    sp = sub.add_parser("clauses", help="list the clause catalogue")
    sp.set_defaults(func=_cmd_clauses)

    sp = sub.add_parser("check-config", help="check a Yealink .cfg file; print effective settings")
    sp.add_argument("file", metavar="F.cfg", help="the provisioning file")
    sp.set_defaults(func=_cmd_check_config)

    _add_more_commands(sub)
    return p


def _add_more_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands whose implementation lives in L{harness._commands}."""
    try:
        from harness import _commands
    except ImportError:  # pragma: no cover - partial build
        return
    _commands.add_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        result: int = args.func(args)
        return result
    except UsageError as e:
        print(f"sip-harness {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ReportedErrors as e:
        for line in e.lines:
            print(line, file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print(f"sip-harness {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    # "python -m harness.cli": this module runs as __main__, but the commands raise the
    # UsageError / ReportedErrors of the imported harness.cli; only its main() catches them
    from harness.cli import main as _main

    sys.exit(_main())
