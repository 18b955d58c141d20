"""Newsroom's own content-event handlers (found by the events app at start-up)."""

import events
from newsroom import purge, surrogate


@events.handler("cdn")
def purge_cdn(event) -> None:
    """Purge from the CDN in front exactly the keys the event touches. A purge the CDN does
    not confirm raises, and the task engine tries the event again later (the events admin
    shows the failure); the editor's save was committed long before this runs."""
    if surrogate.cdn_purges():
        purge.purge(surrogate.keys_for_event(event))
