from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom import twofactor

admin.site.site_header = settings.NEWSROOM_SITE_NAME
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} staff"
admin.site.index_title = "Stories, photos and people"

# Users: Django's own admin, plus issuing two-factor invitations (newsroom/twofactor.py).
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = [twofactor.invite_two_factor, twofactor.reset_two_factor]

    # The Admin role manages accounts and roles (groups) and stops there: superuser status
    # and single permissions (which could hand out anything, e.g. editing the roles) are
    # for superusers, and a superuser's account is out of a non-superuser's reach.
    # Read-only fields are left out of the form, so a posted value is ignored.
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def get_queryset(self, request):
        users = super().get_queryset(request)
        # Out of reach means out of sight too: no list action (delete, two-factor reset)
        # can select a superuser either.
        return users if request.user.is_superuser else users.filter(is_superuser=False)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._within_reach(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._within_reach(request, obj)

    @staticmethod
    def _within_reach(request, obj) -> bool:
        return obj is None or request.user.is_superuser or not obj.is_superuser


# django-otp's device admin would make an app for any account and show its secret, around the
# invitations; a lost phone is a reset from the user admin.
admin.site.unregister(TOTPDevice)
