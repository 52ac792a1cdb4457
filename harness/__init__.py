"""
sip-redundancy-harness: certify SIP phones' server redundancy.

Fake primary, secondary and fallback SIP servers, an authoritative DNS server and
a phone under test share one injected reactor, so the same objects run on a
deterministic simulated network or on real loopback sockets.
"""

__version__ = "0.1.0"
