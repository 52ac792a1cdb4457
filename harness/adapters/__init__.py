"""
Phones under test that the harness does not contain, and the wire runner
that certifies any phone on real loopback sockets.

 - L{base}: the L{IPhoneUnderTest} seam and the "not expressible" record;
 - L{wire}: L{WireRunner}, the time-scaled wire network, scenario trimming;
 - L{baresip}: the baresip soft phone (config generation, start/stop by PID).
"""

from harness.adapters.base import AdapterError, IPhoneUnderTest, NotExpressible

__all__ = ["ADAPTERS", "AdapterError", "IPhoneUnderTest", "NotExpressible", "adapter_for"]

#: --phone names of the external phone adapters.
ADAPTERS = ("baresip",)


def adapter_for(name: str, **kw: object) -> IPhoneUnderTest:
    """The adapter for C{--phone NAME}; C{ValueError} for an unknown name."""
    if name == "baresip":
        from harness.adapters.baresip import BaresipPhone

        return BaresipPhone(**kw)  # type: ignore[arg-type]
    raise ValueError(f"no adapter for phone {name!r} (known: {', '.join(ADAPTERS)})")
