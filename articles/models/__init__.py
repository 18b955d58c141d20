import reversion
from taggit.models import Tag

from articles.models.corrections import Correction
from articles.models.drafts import RefusedEdit, StoryDraft
from articles.models.history import Activity, OldURL
from articles.models.imports import WordPressItem
from articles.models.live import LiveUpdate
from articles.models.photos import Photo
from articles.models.previews import PreviewLink
from articles.models.sections import Section
from articles.models.stories import (
    Article,
    ArticleQuerySet,
    Byline,
    BylineRole,
    StaleEdit,
    StateChangeRefused,
    TrashedArticle,
)

__all__ = [
    "Activity",
    "Article",
    "ArticleQuerySet",
    "Byline",
    "BylineRole",
    "Correction",
    "LiveUpdate",
    "OldURL",
    "Photo",
    "PreviewLink",
    "RefusedEdit",
    "Section",
    "StaleEdit",
    "StateChangeRefused",
    "StoryDraft",
    "TrashedArticle",
    "WordPressItem",
]

# A revision holds the story, its bylines, tags and corrections (so history can show every
# change an editor makes); computed fields are derived again on save. Registered here, with
# the models, so it happens before the admin's VersionAdmin looks.
reversion.register(Byline)
reversion.register(Correction)
reversion.register(Tag)
# Each live update keeps its own revisions (editing one never makes a revision of the story).
reversion.register(LiveUpdate)
reversion.register(
    Article,
    follow=["bylines", "corrections", "tags"],
    exclude=[
        "body_html",
        "body_text",
        "search_vector",
        "teaser_html",
        "teaser_truncated",
        "word_count",
    ],
)
