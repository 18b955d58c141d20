from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """Site-wide pieces: layout templates, health check, roles."""

    name = "newsroom"
    verbose_name = "Newsroom"
