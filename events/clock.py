"""One round of the clock: what is due now, and how long it may sleep before the next."""

import logging

from django.conf import settings
from django.db import close_old_connections

from events import outbox

logger = logging.getLogger("events.clock")


def tick() -> float:
    """Do what is due and return the seconds until the clock should look again."""
    close_old_connections()
    try:
        sent = outbox.relay()
        if sent:
            logger.info("Relayed %d event deliveries.", sent)
    except Exception:  # a database hiccup must not stop the clock: try again next round
        logger.exception("Clock round failed")
    try:
        from webhooks.delivery import send_due

        # Webhook retries are due by their rows (webhooks.delivery): whatever the task engine
        # lost or a killed worker left is sent from here.
        send_due()
    except Exception:
        logger.exception("Webhook sweep failed")
    return float(settings.NEWSROOM_CLOCK_POLL_SECONDS)
