"""Work in progress that is not a revision: what an editor typed but has not saved yet, and
edits that lost a conflict. The product's promise is that no typed word is ever lost."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StoryDraft(models.Model):
    """The autosaved copy of one person's unsaved changes to one story (articles.drafts).

    Kept apart from revisions: it is nobody else's business until it is saved, it is replaced
    every few seconds while typing, and it goes once the story is saved. A story not saved yet
    has no row to point at: its draft is keyed by a token the browser made for it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="story_drafts",
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("story"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
    )
    token = models.CharField(_("new-story token"), max_length=64, blank=True)
    fields = models.JSONField(_("fields"), default=dict)
    base_version = models.PositiveIntegerField(_("version it started from"), null=True)
    updated_at = models.DateTimeField(_("saved"))

    class Meta:
        verbose_name = _("unsaved story draft")
        verbose_name_plural = _("unsaved story drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="one_draft_per_user_and_story",
            ),
            models.UniqueConstraint(
                fields=["user", "token"],
                condition=Q(article__isnull=True),
                name="one_draft_per_user_and_new_story",
            ),
            models.CheckConstraint(
                condition=Q(article__isnull=False) | ~Q(token=""),
                name="draft_has_story_or_token",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article_id or self.token}"


class RefusedEdit(models.Model):
    """Marks a revision as an edit that was refused because someone saved first.

    It is kept so nothing typed is lost, and it may be read and compared, but it is never a
    restore point: restoring it would undo the other person's newer work without a word
    (articles.workflow.restore_revision refuses it; the merge view is the way to use it).
    """

    revision = models.OneToOneField(
        "reversion.Revision", on_delete=models.CASCADE, related_name="refused_edit"
    )
    refused_at_version = models.PositiveIntegerField(_("story version when refused"))

    class Meta:
        verbose_name = _("refused edit")
        verbose_name_plural = _("refused edits")

    def __str__(self):
        return f"Refused edit (revision {self.revision_id})"
