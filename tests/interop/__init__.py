"""
Interop tests: our components against real peers (dig, kdig, NSD, SIPp, Kamailio,
tshark) on loopback, on trial's real reactor.  Each test is bounded (trial timeout,
subprocess timeouts) and skipped with a reason when its tool or the module it tests
is absent.  Addresses 127.0.2.x and ports near 15060 keep clear of the simulated
defaults (127.0.1.x:5060) and of anything a developer runs on the standard ports.
"""
