"""How many images of a story's body readers see with no credit line, and how many of those
lack alt text: stored on save (Article.prepare_to_save) so the dashboard's "needs attention"
finds every such story in one query on an index, at 100 stories or 100,000. Filled in here
for the stories saved before."""

from collections import defaultdict

from django.db import migrations, models

BATCH = 500
COUNT_MAX = 32767


def backfill(apps, schema_editor):
    """Only bodies with an image are read, in batches; only rows with an uncredited image
    are written. Derived data only: no version bump, no revision, no new updated time."""
    from articles.figures import _storage_name, images_without_credit

    Photo = apps.get_model("articles", "Photo")
    Article = apps.get_model("articles", "Article")
    library = set(Photo.objects.exclude(image="").values_list("image", flat=True))

    def is_library(src: str) -> bool:
        return _storage_name(src) in library

    def write(batch: dict) -> None:
        for (uncredited, without_alt), pks in batch.items():
            Article.objects.filter(pk__in=pks).update(
                uncredited_images=min(uncredited, COUNT_MAX),
                images_without_alt=min(without_alt, COUNT_MAX),
            )

    batch, pending = defaultdict(list), 0
    rows = Article.objects.filter(body__contains="<img").order_by("pk").values_list("pk", "body")
    for pk, body in rows.iterator(chunk_size=BATCH):
        counts = images_without_credit(body, is_library=is_library)
        if counts[0]:
            batch[counts].append(pk)
            pending += 1
        if pending >= BATCH:
            write(batch)
            batch, pending = defaultdict(list), 0
    write(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0025_story_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="uncredited_images",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="images_without_alt",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("uncredited_images__gt", 0)),
                fields=["-updated_at", "-id"],
                name="article_uncredited_idx",
            ),
        ),
    ]
