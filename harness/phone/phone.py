"""
The built-in phone: the guide's phone, modelled on the same reactor as the
servers.

It is the golden phone the certification must pass, the client the property
tests drive, and (through C{sip-harness phone}) a real SIP phone on the wire.
It talks only through a L{harness.sip.transport.SipEndpoint} and a
L{harness.sip.locate.Locator}, so everything it does is on the wire.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from harness.phone.account import Account, CallResult
from harness.phone.config import PhoneConfig
from harness.phone.defects import Defects
from harness.profile import Profile
from harness.sip.locate import Locator
from harness.trace.events import Trace


class Phone:
    """
    A phone with up to six accounts.

    @ivar errors: internal failures (bugs) caught in background work; tests
        assert it stays empty.
    """

    def __init__(
        self,
        reactor: Any,
        trace: Trace,
        endpoint: Any,
        locator: Locator,
        config: PhoneConfig,
        profile: Profile,
        *,
        address: str,
        rng: random.Random,
        defects: Defects | None = None,
        mwi: bool = False,
    ) -> None:
        self.reactor = reactor
        self.trace = trace
        self.endpoint = endpoint
        self.locator = locator
        self.config = config
        self.profile = profile
        self.address = address
        self.rng = rng
        self.defects = defects or Defects()
        self.mwi = mwi
        self.errors: list[Failure] = []
        self.accounts = [Account(self, a) for a in config.accounts if a.enable]
        endpoint.on_request = self._on_request

    def start(self) -> None:
        """Register every enabled account (REG-1)."""
        for account in self.accounts:
            account.start()

    def stop(self) -> None:
        """Cancel every timer the phone owns (the endpoint is closed by its owner)."""
        for account in self.accounts:
            account.stop()

    def account(self, index: int) -> Account:
        for account in self.accounts:
            if account.config.index == index:
                return account
        raise KeyError(f"account {index} is not enabled")

    def call(
        self, uri: str, *, account: int | None = None, duration: float = 5.0, reinvite: bool = False
    ) -> Deferred[CallResult]:
        """Place a call from C{account} (default: the first enabled account)."""
        acct = self.account(account) if account is not None else self.accounts[0]
        return acct.call(uri, duration=duration, reinvite=reinvite)

    def _on_request(self, st: Any) -> None:
        request = st.request
        user = None
        try:
            user = request.to.uri.user
        except Exception:
            pass
        for account in self.accounts:
            if account.config.user_name == user:
                account.incoming(st)
                return
        if self.accounts:
            self.accounts[0].incoming(st)
