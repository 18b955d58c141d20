from django.conf import settings
from django.contrib import admin

admin.site.site_header = settings.NEWSROOM_SITE_NAME
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} staff"
admin.site.index_title = "Stories, photos and people"
