"""The clock: turns scheduled instants into events, relays what is not delivered, and runs
the periodic jobs. `make clock`; one or more per site (docs/operators-guide.md, section 11)."""

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from events.clock import Clock

logger = logging.getLogger("events.clock")


class Command(BaseCommand):
    help = "Record scheduled instants as events, relay pending deliveries, run periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="One round (catch up, relay, jobs), then exit."
        )

    def handle(self, *args, once=False, **options):
        logger.info("Clock started (poll every %s s).", settings.NEWSROOM_CLOCK_POLL_SECONDS)
        clock = Clock()
        try:
            while True:
                close_old_connections()  # a long-lived process: drop stale connections
                pause = clock.tick()
                if once:
                    return
                time.sleep(pause)
        except KeyboardInterrupt:
            logger.info("Clock stopped.")
