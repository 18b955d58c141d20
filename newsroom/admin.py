from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"{settings.NEWSROOM_SITE_NAME} newsroom"
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} newsroom"
admin.site.index_title = "Stories, photos and people"
