from django.db import migrations

from newsroom.roles import sync_roles

ALL = ("add", "change", "delete", "view")
# Byline roles (Written by, Translated by...): editors keep the list, reporters pick from it.
ROLES = {
    "Reporter": {
        "articles.article": ("add", "change", "view"),
        "articles.byline": ALL,
        "articles.bylinerole": ("view",),
        "articles.section": ("view",),
        "articles.photo": ("add", "change", "view"),
        "articles.correction": ("view",),
        "authors.author": ("view",),
        "taggit.tag": ("add", "view"),
    },
    "Editor": {
        "articles.article": (*ALL, "publish", "edit_any"),
        "articles.byline": ALL,
        "articles.bylinerole": ALL,
        "articles.correction": ALL,
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
        "webhooks.subscription": (*ALL, "test"),
        "webhooks.delivery": ("view", "replay"),
    },
}


def update_roles(apps, schema_editor):
    sync_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0006_webhook_roles"),
        ("articles", "0017_byline_roles"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
