"""
The two networks every harness component runs on: L{SimWorld} (virtual time,
simulated hosts; the default) and L{WireNetwork} (the real reactor, each host
bound to its own address).  Both hand out per-host reactor views with the same
methods, so components never know which one they run on.
"""

from harness.net._clock import VirtualClock, VirtualDelayedCall
from harness.net.simulated import LinkParams, SimHost, SimWorld, StopReason
from harness.net.wire import WireHost, WireNetwork

__all__ = [
    "LinkParams",
    "SimHost",
    "SimWorld",
    "StopReason",
    "VirtualClock",
    "VirtualDelayedCall",
    "WireHost",
    "WireNetwork",
]
