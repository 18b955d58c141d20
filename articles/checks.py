"""System checks `make serve` runs before starting (manage.py check --fail-level ERROR)."""

from django.core.checks import Error, Tags, register
from django.core.files.storage import storages


@register(Tags.security)
def media_storage_is_private(app_configs=None, **kwargs):
    """Media objects must never be readable straight from the bucket: readers reach them
    only through articles/media.py, which knows whether their story is public yet."""
    storage = storages["default"]
    acls = {getattr(storage, "default_acl", None) or ""}
    acls.add((getattr(storage, "object_parameters", None) or {}).get("ACL", ""))
    public = sorted(acl for acl in acls if acl.startswith("public"))
    if not public:
        return []
    return [
        Error(
            f"The media storage makes every file public ({public[0]}): photos of embargoed "
            "stories and masters would be readable straight from the bucket.",
            hint='Leave default_acl unset or set it to "private" in MEDIA_STORAGE_OPTIONS; '
            "the app serves readers what they may see (docs/operators-guide.md).",
            id="newsroom.E101",
        )
    ]
