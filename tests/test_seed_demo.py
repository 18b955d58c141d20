import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from articles import workflow
from articles.models import Article, Byline, LiveUpdate, Photo, Section
from authors.models import Author
from events.models import Event

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "sections": list(Section.objects.values_list("slug", flat=True)),
        "authors": list(Author.objects.values_list("slug", "bio")),
        "photos": list(Photo.objects.values_list("image", flat=True)),
        "stories": list(
            Article.objects.order_by("slug").values_list("slug", "status", "publish_at")
        ),
        "bylines": list(
            Article.objects.order_by("slug").values_list(
                "slug", "bylines__author__slug", "bylines__role__slug"
            )
        ),
        "types": list(Article.objects.order_by("slug").values_list("slug", "story_type")),
        "live updates": list(
            LiveUpdate.objects.order_by("story__slug", "published_at").values_list(
                "story__slug", "body", "key_event"
            )
        ),
    }


def test_seed_demo_fills_every_part_of_the_site():
    call_command("seed_demo", verbosity=0)
    assert Section.objects.count() >= 4
    authors = Author.objects.annotate(handles_count=Count("handles"))
    assert authors.count() >= 8
    assert all(a.bio and a.handles_count and a.headshot_id for a in authors)
    assert Photo.objects.count() >= 20
    assert set(Photo.objects.values_list("credit_kind", flat=True)) == set(Photo.CreditKind.values)
    assert Article.objects.count() >= 60
    assert set(Article.objects.values_list("status", flat=True)) == set(Article.Status.values)
    assert Article.objects.scheduled().count() >= 3
    assert Article.objects.under_embargo().count() == 1
    assert Article.objects.public().count() >= 30
    assert Article.objects.annotate(n=Count("bylines")).filter(n__gt=1).exists()
    assert Article.objects.filter(tags__isnull=False).distinct().count() == Article.objects.count()
    # Every feature of #17 shows on the demo site: a public Live story with updates (a key
    # event among them), the labelled types, a Sponsored story with its sponsor, bylines in
    # roles other than Written by.
    public = Article.objects.public()
    live = public.filter(story_type=Article.StoryType.LIVE)
    assert live.count() == 1
    assert LiveUpdate.objects.public().filter(story__in=live).count() >= 3
    assert LiveUpdate.objects.filter(story__in=live, key_event=True).exists()
    for story_type in ("opinion", "analysis", "sponsored"):
        assert public.filter(story_type=story_type).exists(), story_type
    for sponsored in Article.objects.filter(story_type=Article.StoryType.SPONSORED):
        assert sponsored.sponsor_name and sponsored.sponsor_link
        assert workflow.publication_problems(sponsored) == []
    roles = set(Byline.objects.filter(article__in=public).values_list("role__slug", flat=True))
    assert {"written", "additional-reporting", "translated"} <= roles
    for photo in Photo.objects.all():
        assert photo.image.storage.exists(photo.image.name)
        assert photo.width and photo.height
    # Loaded onto an empty site: each public story is published as receivers know it (the
    # scheduled ones are the clock's, at their instant), as import_content does.
    events = Event.objects.all()
    assert set(events.values_list("kind", flat=True)) == {"story.published"}
    assert sorted(events.values_list("article_id", flat=True)) == sorted(
        Article.objects.public().values_list("pk", flat=True)
    )


def test_seed_demo_twice_duplicates_nothing():
    call_command("seed_demo", verbosity=0)
    first, recorded = snapshot(), Event.objects.count()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first
    assert Event.objects.count() == recorded


def test_seed_demo_if_empty_leaves_a_site_with_stories_alone(capsys):
    from tests.factories import ArticleFactory

    ArticleFactory(publish_at=timezone.now())
    call_command("seed_demo", "--if-empty")
    assert Article.objects.count() == 1
    assert "not loaded" in capsys.readouterr().out


def test_what_seed_demo_says_it_made_is_what_the_readme_says_and_what_it_made(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    row = next(line for line in readme.splitlines() if "manage.py seed_demo`" in line)
    promised = re.search(
        r"(\d+) sections, (\d+) authors with handles, (\d+) photos drawn with Pillow, "
        r"(\d+) stories",
        row,
    )
    made = {
        "sections": Section.objects.count,
        "authors": Author.objects.count,
        "photos": Photo.objects.count,
        "stories": Article.objects.count,
    }
    call_command("seed_demo")
    said = capsys.readouterr().out
    for (what, count), number in zip(made.items(), promised.groups(), strict=True):
        assert count() == int(number), what
        if what != "stories":
            assert re.search(rf"{what}\s+{number} created,\s+0 already there", said), said
    call_command("seed_demo")
    again = capsys.readouterr().out
    assert re.search(rf"photos\s+0 created,\s+{promised.group(3)} already there", again), again
