"""The task engine: Celery, its broker at TASKS_BROKER_URL (Redis; see docs/operators-guide.md).

Without TASKS_BROKER_URL nothing is sent anywhere: events.outbox runs each delivery in the
process that recorded it, after commit, so `make run` needs no broker and no worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
