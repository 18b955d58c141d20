"""Every photo gets a random media token: its renditions move to renditions/<token>/ and new
masters get random names under masters/. Existing files are moved by
``manage.py rename_photo_files`` (storage work does not belong in a migration: it may be slow,
talk to object storage, and cannot be rolled back with the transaction)."""

import secrets

from django.db import migrations, models

import articles.models.photos


def give_every_photo_a_token(apps, schema_editor):
    Photo = apps.get_model("articles", "Photo")
    for photo in Photo.objects.filter(media_token__isnull=True).only("pk").iterator():
        Photo.objects.filter(pk=photo.pk).update(media_token=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_wordpress_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="media_token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(give_every_photo_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="photo",
            name="media_token",
            field=models.CharField(
                default=articles.models.photos.new_media_token,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="media token",
            ),
        ),
        migrations.AlterField(
            model_name="photo",
            name="image",
            field=models.ImageField(
                height_field="height",
                upload_to=articles.models.photos.master_name,
                verbose_name="image",
                width_field="width",
            ),
        ),
    ]
