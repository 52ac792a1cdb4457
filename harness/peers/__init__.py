"""
The real peers (Kamailio, NSD, SIPp, dig/kdig, tshark, baresip): bounded
process management (L{harness.peers.process}) and one module per peer with
its configuration and output parsing.  Nothing here imports the global
reactor; Deferred-returning helpers take one.  See peers/NOTES.md in the
shared notes for measured facts about each peer.
"""
