from articles.models.photos import Photo
from articles.models.sections import Section
from articles.models.stories import Article, ArticleQuerySet, Byline

__all__ = ["Article", "ArticleQuerySet", "Byline", "Photo", "Section"]
