"""The events handler (found by events' autodiscovery of handlers.py)."""

import events
from webhooks import delivery


@events.handler("webhooks")
def send_to_subscribers(event) -> None:
    """One delivery per subscription that wants this kind; each is attempted after commit and
    retried on its own schedule. Running twice for one event makes no second delivery."""
    delivery.schedule_after_commit(delivery.fan_out(event))
