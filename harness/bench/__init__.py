"""
Benchmarks on real sockets against real peers (SIPp, Kamailio, NSD, dnsperf):
figures, never timed tests.  L{harness.bench.wire} holds the functions; the
C{serve_*} modules are the C{python -m} entries that run one of our servers on
the real reactor in its own process.
"""
