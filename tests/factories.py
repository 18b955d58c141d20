from datetime import timedelta

import factory
from django.utils import timezone

from articles.imaging import refresh_renditions
from articles.models import Article, Byline, BylineRole, Photo, Section
from authors.models import Author, Handle


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    description = "Stories about things."


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo
        skip_postgeneration_save = True

    image = factory.django.ImageField(width=640, height=427, color="teal", format="JPEG")
    caption = factory.Sequence(lambda n: f"A chip on a bench, number {n}.")
    alt_text = "A square processor on a green circuit board"
    credit = "VCG/Getty Images"
    credit_kind = Photo.CreditKind.PHOTO
    source = "Getty Images"

    @factory.post_generation
    def renditions(self, create, extracted, **kwargs):
        if create and (extracted if extracted is not None else True):
            refresh_renditions(self)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Jane Roe {n}")
    slug = factory.Sequence(lambda n: f"jane-roe-{n}")
    job_title = "Chips reporter"
    bio = "<p>Jane writes about chips. She can be reached at jane@example.com.</p>"


class HandleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handle

    author = factory.SubFactory(AuthorFactory)
    kind = "x"
    value = factory.Sequence(lambda n: f"janeroe{n}")


def paragraphs(count: int, words: int = 40) -> str:
    sentence = " ".join(f"word{k}" for k in range(words))
    return "".join(f"<p>{sentence}.</p>" for _ in range(count))


class ArticleFactory(factory.django.DjangoModelFactory):
    """A public story by default; pass status/publish_at for any other state."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Chipmaker {n} opens a new fab")
    slug = factory.Sequence(lambda n: f"chipmaker-{n}-opens-a-new-fab")
    dek = "The plant is the largest of its kind."
    section = factory.SubFactory(SectionFactory, slug="news", name="News")
    body = factory.LazyFunction(lambda: paragraphs(4))
    status = Article.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        """Authors in byline order; an (author, role key) pair gives that byline a role
        other than Written by, e.g. (translator, "translated")."""
        if create and extracted:
            bylines = []
            for position, entry in enumerate(extracted):
                author, role = entry if isinstance(entry, tuple) else (entry, None)
                byline = Byline(article=self, author=author, position=position)
                if role is not None:
                    byline.role = BylineRole.objects.get(slug=role)
                bylines.append(byline)
            Byline.objects.bulk_create(bylines)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)
