from django.db import migrations

from newsroom.roles import sync_roles

ALL = ("add", "change", "delete", "view")
ROLES = {
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
    "Photo editor": {"articles.photo": ALL, "articles.article": ("view",)},
    "Admin": {"auth.user": ALL, "auth.group": ("view",)},
}


def create_roles(apps, schema_editor):
    sync_roles(apps, ROLES)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0002_initial"),
        ("authors", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
