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


# django-otp's device admin would make an app for any account and show its secret, around the
# invitations; a lost phone is a reset from the user admin.
admin.site.unregister(TOTPDevice)
