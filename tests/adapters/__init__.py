"""
Tests of L{harness.adapters}: baresip configuration (pure), "not expressible"
reporting, the time-scaled wire network, and a few bounded wire runs on
trial's real reactor (loopback only; skipped with a reason when an address or
port cannot be had, or baresip is absent).
"""
