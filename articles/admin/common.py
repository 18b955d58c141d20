from django.utils.html import format_html


class NewsroomAdminMedia:
    css = {"all": ["admin/newsroom.css"]}


def photo_thumbnail(photo, size=80):
    if not photo or not photo.image:
        return "—"
    return format_html(
        '<img class="nr-thumb" src="{}" alt="{}" width="{}" loading="lazy">',
        photo.image.url,
        photo.alt_text,
        size,
    )
