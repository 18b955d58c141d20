"""Webhooks in the admin: subscriptions (admins only: they send the site's content to other
systems), and the delivery log with Replay."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import Kind
from webhooks import delivery as sending
from webhooks import payloads, signing, urlguard
from webhooks.models import Delivery, Subscription


class WebhooksAdminMedia:
    css = {"all": ["admin/newsroom.css", "admin/webhooks.css"]}
    js = ["admin/webhooks.js"]


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=Subscription._meta.get_field("url").help_text,
        widget=forms.URLInput(attrs={"class": "vURLField nr-webhook-url"}),
    )
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The receiver is sent these kinds of event, and no others."),
    )

    class Meta:
        model = Subscription
        fields = ["name", "url", "event_kinds", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            urlguard.vet(url)
        except urlguard.Refused as refused:
            raise ValidationError(str(refused), code="refused") from None
        return url


def _delivery_log_url(subscription) -> str:
    return (
        reverse("admin:webhooks_delivery_changelist")
        + f"?subscription__id__exact={subscription.pk}"
    )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "kinds", "state", "delivery_log"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    readonly_fields = ["state_note", "signing_secret", "delivery_log", "created_by", "created_at"]
    actions = ["send_test_event", "enable", "rotate_secret"]
    Media = WebhooksAdminMedia

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["name", "url", "event_kinds", "active"]})
        if obj is None:
            return [main]
        return [
            (None, {"fields": ["state_note"]}),
            main,
            (_("Signing"), {"fields": ["signing_secret"]}),
            (_("Deliveries"), {"fields": ["delivery_log", "created_by", "created_at"]}),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(delivery_count=Count("deliveries"))

    @admin.display(description=_("events"))
    def kinds(self, subscription):
        return ", ".join(subscription.event_kinds) or "—"

    @admin.display(description=_("state"))
    def state(self, subscription):
        if subscription.active:
            return format_html('<span class="nr-status nr-status-published">{}</span>', _("active"))
        label = _("disabled automatically") if subscription.disabled_at else _("off")
        return format_html('<span class="nr-status nr-status-unpublished">{}</span>', label)

    @admin.display(description=_("state"))
    def state_note(self, subscription):
        if subscription.active:
            return _("Active: each event of the kinds below is sent to the URL.")
        if subscription.disabled_at:
            return format_html(
                '<p class="nr-webhook-disabled" role="status">{} {}</p>',
                subscription.disabled_reason,
                _("Fix the receiver, then tick Active (or use the action Enable) to resume."),
            )
        return _("Off: nothing is sent. Deliveries already made wait in the log.")

    @admin.display(description=_("signing secret"))
    def signing_secret(self, subscription):
        if subscription.secret_shown_at is None:
            return format_html(
                '<span class="nr-secret"><input type="text" readonly class="vTextField" '
                'id="webhook-secret" value="{}" aria-describedby="webhook-secret-help">'
                '<button type="button" class="button" data-copy="webhook-secret">{}</button>'
                '</span><span class="help" id="webhook-secret-help">{}</span>',
                subscription.secret,
                _("Copy"),
                _(
                    "Give this to the receiver now: it is shown only this once. Receivers "
                    "check every delivery's webhook-signature with it (operator's guide)."
                ),
            )
        return format_html(
            '<code>{}…</code> <span class="help">{}</span>',
            subscription.secret[: len(signing.PREFIX) + 4],
            _("Hidden since %(when)s. The action “Rotate secret” makes a new one.")
            % {"when": timezone.localtime(subscription.secret_shown_at).strftime("%Y-%m-%d %H:%M")},
        )

    @admin.display(description=_("delivery log"))
    def delivery_log(self, subscription):
        if subscription.pk is None:
            return "—"
        count = subscription.delivery_count
        return format_html(
            '<a href="{}">{}</a>',
            _delivery_log_url(subscription),
            ngettext("%(n)s delivery", "%(n)s deliveries", count) % {"n": count},
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        was_disabled = change and "active" in form.changed_data and obj.active
        super().save_model(request, obj, form, change)
        if was_disabled:
            sending.enable(obj)

    def response_add(self, request, obj, post_url_continue=None):
        """Straight to the new subscription's page, where its secret is shown once."""
        self.message_user(request, _("Copy the signing secret now: it is shown only once."))
        return HttpResponseRedirect(reverse("admin:webhooks_subscription_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # The page that showed the secret has been rendered: from now on it is hidden.
            Subscription.objects.filter(pk=object_id, secret_shown_at__isnull=True).update(
                secret_shown_at=timezone.now()
            )
        return response

    def has_send_test_event_permission(self, request):
        return request.user.has_perm("webhooks.test_subscription")

    @admin.action(description=_("Send test event"), permissions=["send_test_event"])
    def send_test_event(self, request, queryset):
        for subscription in queryset:
            with transaction.atomic():
                sending.send_test(subscription)
        self.message_user(
            request,
            _("Test event sent; its outcome is in the delivery log."),
            messages.SUCCESS,
        )

    @admin.action(description=_("Enable (resume deliveries)"), permissions=["change"])
    def enable(self, request, queryset):
        for subscription in queryset:
            with transaction.atomic():
                sending.enable(subscription)
        self.message_user(request, _("Enabled; waiting deliveries are being sent."))

    @admin.action(description=_("Rotate secret"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            subscription.secret = signing.new_secret()
            subscription.secret_shown_at = None
            subscription.save(update_fields=["secret", "secret_shown_at"])
        self.message_user(
            request,
            _("New secrets made: open each subscription once to copy its secret."),
            messages.WARNING,
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["when", "kind", "subscription", "status_label", "outcome"]
    list_filter = ["status", "kind", "subscription"]
    list_select_related = ["subscription"]
    search_fields = ["=webhook_id", "error"]
    date_hierarchy = "created_at"
    actions = ["replay"]
    readonly_fields = [
        "subscription",
        "event",
        "webhook_id",
        "kind",
        "status",
        "attempts",
        "replays",
        "started_at",
        "last_attempt_at",
        "next_attempt_at",
        "response_code",
        "duration_ms",
        "error",
        "response_excerpt",
        "payload_now",
        "created_at",
        "updated_at",
    ]
    Media = WebhooksAdminMedia

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request):
        return request.user.has_perm("webhooks.replay_delivery")

    @admin.display(description=_("created"), ordering="created_at")
    def when(self, delivery):
        return formats.date_format(timezone.localtime(delivery.created_at), "j M, H:i")

    @admin.display(description=_("status (attempts)"), ordering="status")
    def status_label(self, delivery):
        css = {"delivered": "published", "pending": "review", "failed": "unpublished"}
        return format_html(
            '<span class="nr-status nr-status-{}">{}</span>&nbsp;({})',
            css[delivery.status],
            delivery.get_status_display(),
            delivery.attempts,
        )

    @admin.display(description=_("last answer"))
    def outcome(self, delivery):
        text = delivery.error or (str(delivery.response_code) if delivery.response_code else "—")
        return (text[:40] + "…") if len(text) > 40 else text

    @admin.display(description=_("body if sent now"))
    def payload_now(self, delivery):
        return format_html(
            '<pre class="nr-webhook-body">{}</pre>',
            payloads.encode(payloads.build(delivery), indent=2).decode(),
        )

    @admin.action(description=_("Replay (send again, same webhook-id)"), permissions=["replay"])
    def replay(self, request, queryset):
        count = 0
        for delivery in queryset:
            with transaction.atomic():
                sending.replay(delivery)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)s delivery sent again.", "%(n)s deliveries sent again.", count)
            % {"n": count},
            messages.SUCCESS,
        )
