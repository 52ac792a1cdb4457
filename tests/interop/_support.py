"""Shared helpers of the interop tests: skips, addresses, the real reactor."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from twisted.internet import reactor as _reactor
from twisted.trial.unittest import SkipTest

from harness.peers.process import available
from harness.peers.sipp import free_port

reactor: Any = _reactor

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "fixtures" / "peers"
INTEROP_ZONE = PEERS / "interop.test.zone"
EXAMPLE_ZONE = ROOT / "fixtures" / "zones" / "example.test.zone"

#: loopback addresses of the interop tests (not the simulated defaults)
OUR_DNS = "127.0.2.53"
NSD_ADDR = "127.0.2.54"
OUR_SIP = "127.0.2.10"
KAMAILIO_ADDR = "127.0.2.60"
CLIENT = "127.0.2.1"


def need_tool(name: str) -> str:
    """The tool's path, or skip the test with the reason."""
    avail = available(name)
    if not avail:
        raise SkipTest(avail.reason)
    assert avail.path is not None
    return avail.path


def need_module(name: str, *attrs: str) -> Any:
    """Import C{name} (and check C{attrs}), or skip: the part is not built yet."""
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise SkipTest(f"{name} is not available: {e}") from e
    for attr in attrs:
        if not hasattr(module, attr):
            raise SkipTest(f"{name} has no {attr} yet")
    return module


def port_on(address: str, transports: tuple[str, ...] = ("udp", "tcp")) -> int:
    """A port free on C{address} for every transport (see L{free_port})."""
    return free_port(address, transports)
