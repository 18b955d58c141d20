from django.shortcuts import get_object_or_404

from articles import structured_data
from articles.models import Article, BylineRole
from articles.views import StoryListView
from authors.models import Author
from newsroom import surrogate


class AuthorView(StoryListView):
    """An author's page: bio, headshot, handles, then their public stories."""

    template_name = "authors/author.html"

    def stories(self):
        self.author = get_object_or_404(
            Author.objects.public().select_related("headshot").prefetch_related("handles"),
            slug=self.kwargs["slug"],
        )
        author = self.author
        keys = [f"author-{author.pk}", f"list-author-{author.pk}"]
        surrogate.add(self.request, *keys, author.headshot_id and f"photo-{author.headshot_id}")
        return Article.objects.public().by_author(author).with_role_of(author)

    def card_notes(self, stories) -> dict:
        """Stories this author did not write but, say, translated or photographed say so
        above their card: "Translated by Jane Roe"."""
        return {
            story.pk: f"{story.role_phrase} {self.author.name}"
            for story in stories
            if story.role_slug != BylineRole.WRITTEN
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            author=self.author,
            structured_data=[structured_data.person(self.request, self.author, with_context=True)],
            **kwargs,
        )
