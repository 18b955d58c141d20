from importlib import import_module

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Content events"

    def ready(self):
        # Every app's handlers.py registers its handlers (as admin.py registers models),
        # plus any module the operator names in EVENT_HANDLERS.
        autodiscover_modules("handlers")
        for module in settings.NEWSROOM_EVENT_HANDLERS:
            import_module(module)
