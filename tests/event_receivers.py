"""A receiver for the worker tests: it writes a receipt row per event it handles, so a test
can count how often each event was handled. Loaded in the worker through EVENT_HANDLERS."""

import os
import time

from django.db import connection

import events

TABLE = "test_event_receipts"


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (event_uid uuid NOT NULL)")
        cursor.execute(f"TRUNCATE {TABLE}")


def drop_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def receipts() -> dict[str, int]:
    """How many times each event was handled, by uid."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_uid::text, count(*) FROM {TABLE} GROUP BY event_uid")
        return dict(cursor.fetchall())


@events.handler("test-receipts")
def receipt(event) -> None:
    # Some work that takes time, so that a worker can be killed in the middle of a batch.
    time.sleep(float(os.environ.get("RECEIPT_SECONDS", "0")))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (event_uid) VALUES (%s)", [str(event.uid)])
