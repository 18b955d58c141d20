from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_missing_roles(sender, apps=None, **kwargs):
    """Recreate any role group that has gone (a flushed database, a deleted group).

    The migrations create the roles; this only fills gaps, so groups an admin has adjusted
    are left as they are.
    """
    from newsroom.roles import ROLES, sync_roles

    if sender.label != "auth":
        return
    if apps is None:  # sent by `flush`, which passes no migration state
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    missing = set(ROLES) - set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True))
    if missing:
        sync_roles(apps, {role: ROLES[role] for role in missing})


class NewsroomConfig(AppConfig):
    """Site-wide pieces: layout templates, health check, roles."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        # Sent once per app with models; newsroom has none, so listen for auth's turn.
        post_migrate.connect(restore_missing_roles, dispatch_uid="newsroom-roles")
