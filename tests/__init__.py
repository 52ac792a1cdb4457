"""
The test suite (trial).  Importing this package registers the Hypothesis
profiles C{ci} (default), C{dev} and C{thorough}; pick one with
C{HYPOTHESIS_PROFILE}.
"""

from harness.testing.hypothesis_trial import register_profiles

HYPOTHESIS_PROFILE = register_profiles()
