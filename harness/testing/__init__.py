"""
Public test support: Hypothesis helpers for trial, strategies, synthetic-trace
builders and defective phone variants.  Shipped in the package (like treq's
C{treq.testing}) so a user's own test suite can use them.
"""
