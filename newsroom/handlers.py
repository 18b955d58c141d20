"""Newsroom's own content-event handlers (found by the events app at start-up)."""

import events
from newsroom import pagecache, purge, surrogate


@events.handler("cdn")
def purge_cdn(event) -> None:
    """Purge from the CDN in front exactly the keys the event touches. A purge the CDN does
    not confirm raises, and the task engine tries the event again later (the events admin
    shows the failure); the editor's save was committed long before this runs.

    The content generation moves first: the CDN fetches a purged page again at once, and
    the app servers' own page cache must not hand it the old one (the editor's process moved
    it at commit, but a Redis hiccup there would leave the CDN a day of the old page)."""
    if surrogate.cdn_purges():
        pagecache.move_generation()
        purge.purge(surrogate.keys_for_event(event))
