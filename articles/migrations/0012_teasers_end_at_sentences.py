from django.db import migrations


def recompute_teasers(apps, schema_editor):
    """Teasers are computed when a story is saved; stories saved before teasers ended at
    whole sentences get theirs recomputed by the same function Article.save calls. Only the
    derived teaser changes: no new version, revision or "updated" time."""
    from articles.teasers import story_teaser

    Article = apps.get_model("articles", "Article")
    stories = Article.objects.only("pk", "body", "teaser", "teaser_html", "teaser_truncated")
    for story in stories.iterator():
        teaser = story_teaser(body=story.body, handwritten=story.teaser)
        if (teaser.html, teaser.truncated) != (story.teaser_html, story.teaser_truncated):
            Article.objects.filter(pk=story.pk).update(
                teaser_html=teaser.html, teaser_truncated=teaser.truncated
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_activity_correction_edits"),
    ]

    operations = [
        migrations.RunPython(recompute_teasers, migrations.RunPython.noop, elidable=True),
    ]
