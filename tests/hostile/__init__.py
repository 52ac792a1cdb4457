"""
Reliability and security tests: hostile SIP and DNS input, the parser fuzz
target's corpus, secrets in outputs, and long (soak) runs.  See RELIABILITY.md.
"""
