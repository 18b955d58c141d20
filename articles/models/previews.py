from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SALT = "articles.preview-link"


def default_expiry():
    return timezone.now() + timedelta(hours=settings.NEWSROOM_PREVIEW_HOURS)


class PreviewLink(models.Model):
    """A shareable preview of an unpublished story for someone without an account.

    The address carries a signed token naming this row; the row says whether the link has
    expired or been revoked, so a link can be withdrawn at any time.
    """

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="preview_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=default_expiry)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")

    def __str__(self):
        return f"Preview of “{self.article}”"

    def get_absolute_url(self):
        return reverse("articles:shared_preview", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        """Signed, not timestamped: a link keeps one address (its expiry is in the row), so
        the address an editor sent is the one the admin shows."""
        return signing.Signer(salt=SALT).sign_object(self.pk)

    @classmethod
    def from_token(cls, token: str):
        """The link a token names, or None when the token is forged or garbled."""
        try:
            pk = signing.Signer(salt=SALT).unsign_object(token)
        except signing.BadSignature:
            return None
        return cls.objects.select_related("article").filter(pk=pk).first()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
