"""
The working server as a redundant pair: primary and secondary.

The guide's working server "is deployed in redundant pairs ... The secondary
server backs up a primary server when the primary server fails and offers
the same functionality".  What makes the pair one service is shared state:
with C{shared_location=True} (the default) both servers use one
L{LocationService}, so a phone registered at the primary can be called
through the secondary after a primary fault (FO-3), and a phone that
registered at the secondary is reachable through the primary after failback.
With C{shared_location=False} each keeps its own (a deployment without
replication; FO-5's C{register_on_enable} matters there).

Either way each server treats the other's address as its own in C{Route}
processing, so an in-dialog request that carries the peer's Record-Route is
not bounced back to the peer.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.servers.location import LocationService
from harness.servers.server import SipServer

__all__ = ["WorkingCluster"]


class WorkingCluster:
    """Primary and secondary working servers, optionally sharing registrations."""

    def __init__(
        self, primary: SipServer, secondary: SipServer, shared_location: bool = True
    ) -> None:
        self.primary = primary
        self.secondary = secondary
        self.shared_location = shared_location
        if shared_location:
            secondary.use_location(primary.location)
        primary.aliases.add(secondary.address.lower())
        secondary.aliases.add(primary.address.lower())

    @property
    def location(self) -> LocationService:
        """The shared location service (the primary's when not shared)."""
        return self.primary.location

    @property
    def servers(self) -> tuple[SipServer, SipServer]:
        return (self.primary, self.secondary)

    def __iter__(self) -> Iterator[SipServer]:
        return iter(self.servers)

    def start(self) -> None:
        for s in self.servers:
            s.start()

    def stop(self) -> None:
        for s in self.servers:
            s.stop()
