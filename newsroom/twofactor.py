"""Two-factor sign-in for staff: TOTP codes from an authenticator app (django-otp).

Settings name the roles that must use it (NEWSROOM_REQUIRE_2FA); anyone who has set it up is
always asked for a code. Until the code is given, every admin page sends the user to
/admin/two-factor/, which either asks for the code or walks them through setting up the app.
"""

import functools
import textwrap
from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@functools.cache
def open_paths() -> tuple[str, ...]:
    """Admin pages someone who owes a code may still reach (reversed once, not per request)."""
    return (
        reverse("two_factor"),
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("admin:jsi18n"),
    )


class TwoFactorGate:
    """Keeps a signed-in staff member who owes a code out of the admin until they give it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            request.path.startswith("/admin/")
            and not request.path.startswith(open_paths())
            and user.is_authenticated
            and not user.is_verified()
            and must_use_two_factor(user)
        ):
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


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


@login_required(login_url="admin:login")
def two_factor(request):
    """Ask for the code; for someone without an app set up, set it up first."""
    user = request.user
    next_url = safe_next(request, reverse("admin:index"))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": "Authenticator app"}
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, _("Two-factor sign-in is on for your account."))
            otp_login(request, device)
            return redirect(next_url)
        form.add_error(
            "token",
            _("That code is not right, or has expired. Wait for a new one and try again.")
            if allowed
            else _("Too many wrong codes. Wait a minute before trying again."),
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Set up two-factor sign-in") if setting_up else _("Two-factor sign-in"),
        "form": form,
        "next": next_url,
        "setting_up": setting_up,
    }
    if setting_up:
        context["qr_svg"] = mark_safe(  # segno's own SVG markup for our own otpauth URL
            segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#111")
        )
        context["secret"] = " ".join(
            textwrap.wrap(b32encode(device.bin_key).decode().rstrip("="), 4)
        )
    return TemplateResponse(request, "admin/two_factor.html", context)
