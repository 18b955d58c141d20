"""Sponsored stories saved before their links were marked rel="sponsored": mark them now
(derived HTML only, as Article.prepare_to_save would; no revision, no version bump)."""

from django.db import migrations


def mark(apps, schema_editor):
    from articles.figures import sponsored_links

    Article = apps.get_model("articles", "Article")
    stories = Article.objects.filter(story_type="sponsored").only("pk", "body_html", "teaser_html")
    for story in stories.iterator():
        Article.objects.filter(pk=story.pk).update(
            body_html=sponsored_links(story.body_html),
            teaser_html=sponsored_links(story.teaser_html),
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0022_story_drafts_refused_edits")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
