"""Newsroom's own records that belong to no content app."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def digest(token: str) -> str:
    """What is stored of an invitation token: a leaked table gives no working link."""
    return hashlib.sha256(token.encode()).hexdigest()


class ContentChange(models.Model):
    """When content readers see last changed: one row, moved when any such change commits
    (newsroom.pagecache.content_changed). Pages' Last-Modified is read from here, so every
    app server gives a page the same date, with or without a shared cache."""

    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("content change")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, **kwargs) -> None:
        if not cls.objects.update(at=timezone.now()):
            cls.objects.create()


class InvitationQuerySet(models.QuerySet):
    def usable(self, *, at=None):
        """Not used yet and not expired: the one rule for an invitation that still works."""
        return self.filter(used_at__isnull=True, expires_at__gt=at or timezone.now())


class TwoFactorInvitation(models.Model):
    """An admin's invitation to set up two-factor sign-in (newsroom/twofactor.py).

    Without one, a password alone cannot set up an authenticator app: someone who stole the
    password would otherwise enrol their own app and pass the second step for good. It works
    once, for its own account, until it expires; a newer invitation withdraws older ones.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_invitations",
        verbose_name=_("account"),
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("two-factor invitation")
        verbose_name_plural = _("two-factor invitations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="two_factor_invitation_expires_after_issue",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"
