from django.contrib.auth.management import create_permissions
from django.db import migrations

from newsroom.roles import sync_roles


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; a fresh database
    # needs them now to hand them to the roles.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)


def remove_roles(apps, schema_editor):
    from newsroom.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0002_initial"),
        ("authors", "0001_initial"),
        ("taggit", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
