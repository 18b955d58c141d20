from django.db import migrations

from newsroom.roles import sync_roles

# Live coverage: reporters post updates to the Live stories they are bylined on (the object
# rule is articles.permissions.can_add_live_update); editors change and delete any update.
ROLES = {
    "Reporter": {
        "articles.article": ("add", "change", "view"),
        "articles.byline": ("add", "change", "delete", "view"),
        "articles.bylinerole": ("view",),
        "articles.section": ("view",),
        "articles.photo": ("add", "change", "view"),
        "articles.correction": ("view",),
        "articles.liveupdate": ("add", "view"),
        "authors.author": ("view",),
        "taggit.tag": ("add", "view"),
    },
    "Editor": {
        "articles.article": ("add", "change", "delete", "view", "publish", "edit_any"),
        "articles.byline": ("add", "change", "delete", "view"),
        "articles.bylinerole": ("add", "change", "delete", "view"),
        "articles.correction": ("add", "change", "delete", "view"),
        "articles.liveupdate": ("add", "change", "delete", "view"),
        "articles.section": ("add", "change", "delete", "view"),
        "articles.photo": ("add", "change", "view", "manage_rights"),
        "articles.activity": ("view",),
        "authors.author": ("add", "change", "delete", "view"),
        "authors.handle": ("add", "change", "delete", "view"),
        "taggit.tag": ("add", "change", "delete", "view"),
        "taggit.taggeditem": ("add", "change", "delete", "view"),
    },
    "Photo editor": {
        "articles.photo": ("add", "change", "delete", "view", "manage_rights"),
        "articles.article": ("view",),
    },
    "Admin": {
        "auth.user": ("add", "change", "delete", "view"),
        "auth.group": ("view",),
        "webhooks.subscription": ("add", "change", "delete", "view", "test"),
        "webhooks.delivery": ("view", "replay"),
    },
}


def update_roles(apps, schema_editor):
    sync_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0007_byline_role_roles"),
        ("articles", "0018_live_coverage"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
