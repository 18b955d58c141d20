"""The newsroom's roles as Django groups, and the model permissions each one holds.

Object-level rules (a reporter edits only their own drafts; only editors publish) sit on
top of these in the workflow; these are the coarse grants a fresh install starts with.
"""

ALL = ("add", "change", "delete", "view")

ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "Reporter": {
        "articles.article": ("add", "change", "view"),
        "articles.byline": ALL,
        "articles.section": ("view",),
        "articles.photo": ("add", "change", "view"),
        "authors.author": ("view",),
        "taggit.tag": ("add", "view"),
    },
    "Editor": {
        "articles.article": ALL,
        "articles.byline": ALL,
        "articles.section": ALL,
        "articles.photo": ("add", "change", "view"),
        "authors.author": ALL,
        "authors.handle": ALL,
        "taggit.tag": ALL,
        "taggit.taggeditem": ALL,
    },
    "Photo editor": {
        "articles.photo": ALL,
        "articles.article": ("view",),
    },
    "Admin": {
        "auth.user": ALL,
        "auth.group": ("view",),
    },
}


def sync_roles(apps) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLES.items():
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
