"""The library photos a body shows, stored on save (articles.figures.render_body_and_photos),
and filled in here for the stories and Live updates saved before: a page names them as
`photo-<id>` surrogate keys without a query."""

from django.db import migrations, models


def _photo_ids(html: str, by_name: dict) -> list[int]:
    from articles.figures import _IMG, _storage_name

    names = (_storage_name(src) for src in _IMG.findall(html or ""))
    return list(dict.fromkeys(by_name[name] for name in names if name in by_name))


def backfill(apps, schema_editor):
    """Only bodies with an image are read; a row is written only when it shows a photo.
    Derived data only: no version bump, no revision (a raw UPDATE, as refresh_bodies_using)."""
    Photo = apps.get_model("articles", "Photo")
    by_name = dict(Photo.objects.exclude(image="").values_list("image", "pk"))
    if not by_name:
        return
    for label in ("Article", "LiveUpdate"):
        model = apps.get_model("articles", label)
        rows = model.objects.filter(body__contains="<img").values_list("pk", "body")
        for pk, body in rows.iterator(chunk_size=500):
            if ids := _photo_ids(body, by_name):
                model.objects.filter(pk=pk).update(body_photos=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0023_sponsored_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="body_photos",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name="liveupdate",
            name="body_photos",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
