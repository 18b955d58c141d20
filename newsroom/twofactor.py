"""Two-factor sign-in for staff: TOTP codes from an authenticator app (django-otp).

Settings name the roles that must use it (NEWSROOM_REQUIRE_2FA); anyone who has set it up is
always asked for a code. Until the code is given, every staff view (the admin's, and any other
marked @staff_only) sends the user to /admin/two-factor/: TwoFactorGate is the one place that
decides, and tests/test_two_factor.py tries every URL of the site against it.

Setting up the app needs an admin's invitation (a single-use, expiring link for one account,
made by invite() from the user admin or `manage.py invite_2fa`): a stolen password alone must
never let someone enrol their own app on an account that should have one.
"""

import secrets
import textwrap
from base64 import b32encode
from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.models import TwoFactorInvitation, digest

# Groups behind each name in NEWSROOM_REQUIRE_2FA.
POLICY_GROUPS = {"editors": {"Editor"}, "admins": {"Admin"}, "photo editors": {"Photo editor"}}


def must_use_two_factor(user) -> bool:
    if not (user.is_authenticated and user.is_staff):
        return False
    if user_has_device(user):
        return True
    policy = {item.lower() for item in settings.NEWSROOM_REQUIRE_2FA}
    if "all" in policy:
        return True
    if "admins" in policy and user.is_superuser:
        return True
    groups = set().union(*(POLICY_GROUPS.get(name, set()) for name in policy))
    return bool(groups) and user.groups.filter(name__in=groups).exists()


def owes_code(user) -> bool:
    """Signed in, but the second step this account needs has not been taken yet."""
    return user.is_authenticated and not user.is_verified() and must_use_two_factor(user)


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# The gate ------------------------------------------------------------------------------

# Staff pages someone who owes a code may still reach: to give it, set it up, or leave.
OPEN_VIEWS = frozenset(
    {"two_factor", "two_factor_enrol", "admin:login", "admin:logout", "admin:jsi18n"}
)


def staff_only(view):
    """For a staff view outside the admin: signed-in staff only, behind the two-factor gate
    like every admin page (the mark is what TwoFactorGate looks for)."""
    gated = staff_member_required(view)
    gated.staff_only = True
    return gated


def is_staff_view(request, view) -> bool:
    match = request.resolver_match
    if match.view_name in OPEN_VIEWS:
        return False
    return admin.site.name in match.namespaces or getattr(view, "staff_only", False)


class TwoFactorGate:
    """Keeps a signed-in staff member who owes a code out of every staff view until they give
    it. It decides by the view a request resolved to, not by its path, so a staff view
    anywhere in the URLs is covered once it is an admin view or marked @staff_only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, view_args, view_kwargs):
        if is_staff_view(request, view) and owes_code(request.user):
            next_url = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor')}?{next_url}")
        return None


# Invitations ---------------------------------------------------------------------------


def invite(*, user, by=None) -> str:
    """A new enrolment invitation for `user`; returns its token (only a digest is kept).

    Earlier invitations of the user stop working, and so does any half-made app secret an
    earlier link showed: each invitation sets up a secret no one has seen before.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        TwoFactorInvitation.objects.filter(user=user, used_at__isnull=True).delete()
        for device in devices_for_user(user, confirmed=False):
            device.delete()
        TwoFactorInvitation.objects.create(
            user=user,
            token_digest=digest(token),
            issued_by=by,
            created_at=now,
            expires_at=now + timedelta(hours=settings.NEWSROOM_2FA_INVITATION_HOURS),
        )
    return token


def reset(*, user, by=None) -> str:
    """For a lost or replaced phone: the user's apps are removed and a new invitation made.
    Until it is used, the account cannot reach any staff view (it owes a code it cannot give)."""
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        return invite(user=user, by=by)


def enrolment_path(token: str) -> str:
    return reverse("two_factor_enrol", kwargs={"token": token})


# Views ---------------------------------------------------------------------------------


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())


def _page(request, state, status=200, **context):
    titles = {
        "verify": _("Two-factor sign-in"),
        "enrol": _("Set up two-factor sign-in"),
        "invitation needed": _("Two-factor sign-in needs an invitation"),
        "invitation unusable": _("This invitation cannot be used"),
    }
    context = {
        **admin.site.each_context(request),
        **context,
        "title": titles[state],
        "state": state,
    }
    return TemplateResponse(request, "admin/two_factor.html", context, status=status)


def _check(request, form, device) -> bool:
    """Is the code in `form` right for `device`? Wrong codes are throttled by django-otp."""
    if not form.is_valid():
        return False
    allowed, _details = device.verify_is_allowed()
    if allowed and device.verify_token(form.cleaned_data["token"]):
        return True
    form.add_error(
        "token",
        _("That code is not right, or has expired. Wait for a new one and try again.")
        if allowed
        else _("Too many wrong codes. Wait a minute before trying again."),
    )
    return False


@login_required(login_url="admin:login")
def two_factor(request):
    """Ask for the code. Someone without an app is told to ask an admin for an invitation:
    nothing here sets one up."""
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if device is None:
        return _page(request, "invitation needed", status=403)
    next_url = safe_next(request, reverse("admin:index"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _check(request, form, device):
        otp_login(request, device)
        return redirect(next_url)
    return _page(request, "verify", form=form, next=next_url)


@login_required(login_url="admin:login")
def enrol(request, token):
    """Set up the app through an invitation: it must be this account's, unused and unexpired,
    and the account must have no app yet (a lost one is removed by an admin's reset)."""
    user = request.user
    invitations = TwoFactorInvitation.objects.usable().filter(user=user, token_digest=digest(token))
    if not invitations.exists() or user_has_device(user, confirmed=True):
        return _page(request, "invitation unusable", status=410)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _check(request, form, device):
        with transaction.atomic():
            # Locked, so two tabs posting at once cannot both use it.
            invitation = invitations.select_for_update().first()
            if invitation is None:
                return _page(request, "invitation unusable", status=410)
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, _("Two-factor sign-in is on for your account."))
        return redirect(reverse("admin:index"))
    qr_svg = mark_safe(  # segno's own SVG markup for our own otpauth URL
        segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#111")
    )
    secret = " ".join(textwrap.wrap(b32encode(device.bin_key).decode().rstrip("="), 4))
    return _page(request, "enrol", form=form, qr_svg=qr_svg, secret=secret)


# The user admin's actions ---------------------------------------------------------------


def _issue(modeladmin, request, queryset, *, replace: bool):
    """Invitations for the chosen accounts, shown once on a page for the admin to pass on
    (never stored in a message cookie). Superusers only by a superuser."""
    issued, skipped = [], []
    for user in queryset:
        if not (user.is_active and user.is_staff):
            skipped.append((user, _("not an active staff account")))
        elif user.is_superuser and not request.user.is_superuser:
            skipped.append((user, _("only a superuser may do this for a superuser")))
        elif not replace and user_has_device(user, confirmed=True):
            skipped.append((user, _("already has an app; reset it to replace a lost one")))
        else:
            token = (reset if replace else invite)(user=user, by=request.user)
            modeladmin.log_change(
                request,
                user,
                "Two-factor sign-in reset; invitation issued"
                if replace
                else "Two-factor invitation issued",
            )
            issued.append((user, request.build_absolute_uri(enrolment_path(token))))
    context = {
        **admin.site.each_context(request),
        "title": _("Two-factor invitations"),
        "issued": issued,
        "skipped": skipped,
        "hours": settings.NEWSROOM_2FA_INVITATION_HOURS,
        "opts": modeladmin.model._meta,
    }
    response = TemplateResponse(request, "admin/two_factor_invitations.html", context)
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=_("Invite to set up two-factor sign-in"), permissions=["change"])
def invite_two_factor(modeladmin, request, queryset):
    return _issue(modeladmin, request, queryset, replace=False)


@admin.action(
    description=_("Reset two-factor sign-in (lost phone) and invite again"),
    permissions=["change"],
)
def reset_two_factor(modeladmin, request, queryset):
    return _issue(modeladmin, request, queryset, replace=True)
