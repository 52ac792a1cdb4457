"""
The fake SIP servers: registrar, call server (proxy + echo user), feature
sets, a shared location service for redundant pairs, faults and their
scheduler, and scripted servers for tests.

Public API: L{SipServer}, L{WorkingCluster}, L{LocationService}, L{Fault},
L{FaultScheduler}, L{FeatureSet} (C{FULL}, C{BASIC}), L{ScriptedServer},
L{Expect}.
"""

from harness.servers.cluster import WorkingCluster
from harness.servers.faults import Fault, FaultError, FaultScheduler
from harness.servers.features import BASIC, FULL, FeatureSet, feature_set
from harness.servers.location import Binding, LocationService
from harness.servers.script import Expect, ScriptedServer, ScriptFailure
from harness.servers.server import SipServer

__all__ = [
    "BASIC",
    "FULL",
    "Binding",
    "Expect",
    "Fault",
    "FaultError",
    "FaultScheduler",
    "FeatureSet",
    "LocationService",
    "ScriptFailure",
    "ScriptedServer",
    "SipServer",
    "WorkingCluster",
    "feature_set",
]
