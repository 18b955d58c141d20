"""The newsroom's roles as Django groups, and the model permissions each one holds.

Object-level rules (a reporter edits only their own unpublished stories; only editors
publish) live in articles.permissions on top of these grants. Each migration that changes
the roles passes its own frozen copy of the table to ``sync_roles``; ``ROLES`` here is the
current table, which a test compares with what the migrations produced.
"""

ALL = ("add", "change", "delete", "view")

ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "Reporter": {
        "articles.article": ("add", "change", "view"),
        "articles.byline": ALL,
        "articles.bylinerole": ("view",),
        "articles.section": ("view",),
        "articles.photo": ("add", "change", "view"),
        "articles.correction": ("view",),
        "articles.liveupdate": ("add", "view"),
        "authors.author": ("view",),
        "taggit.tag": ("add", "view"),
    },
    "Editor": {
        "articles.article": (*ALL, "publish", "edit_any"),
        "articles.byline": ALL,
        "articles.bylinerole": ALL,
        "articles.correction": ALL,
        "articles.liveupdate": ALL,
        "articles.section": ALL,
        "articles.photo": ("add", "change", "view", "manage_rights"),
        "articles.activity": ("view",),
        "authors.author": ALL,
        "authors.handle": ALL,
        "taggit.tag": ALL,
        "taggit.taggeditem": ALL,
    },
    "Photo editor": {
        "articles.photo": (*ALL, "manage_rights"),
        "articles.article": ("view",),
    },
    "Admin": {
        "auth.user": ALL,
        "auth.group": ("view",),
        # Webhooks send the site's content to other systems: admins decide which, and where.
        "webhooks.subscription": (*ALL, "test"),
        "webhooks.delivery": ("view", "replay"),
    },
}


def create_all_permissions(apps) -> None:
    """Permissions normally appear after all migrations; roles need them now."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def sync_roles(apps, roles: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Create the role groups and give each exactly the permissions listed (idempotent)."""
    create_all_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in roles.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for model, actions in grants.items():
            app_label, model_name = model.split(".")
            for action in actions:
                wanted.append(
                    Permission.objects.get(
                        content_type__app_label=app_label,
                        codename=f"{action}_{model_name}",
                    )
                )
        group.permissions.set(wanted)
