"""
Property-based end-to-end tests: generated worlds (configuration, zone,
network, faults) against the built-in phone, with the clause checkers and the
properties of L{harness.explore.check_world} as the oracle.
"""
