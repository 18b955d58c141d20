from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def restore_missing_roles(sender, apps=None, **kwargs):
    """Recreate any role group that has gone (a flushed database, a deleted group).

    The migrations create the roles; this only fills gaps, so groups an admin has adjusted
    are left as they are.
    """
    from newsroom.roles import ROLES, sync_roles

    if sender.label != "auth":
        return
    if apps is None:  # sent by `flush`, which passes no migration state
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    missing = set(ROLES) - set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True))
    if missing:
        sync_roles(apps, {role: ROLES[role] for role in missing})


def connect_page_cache_invalidation():
    """Whatever readers can see changes through these models; any save or delete of one
    moves the page cache's generation (newsroom.pagecache) when it commits. One rule for every
    write path: admin, workflow, commands, importers."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from taggit.models import Tag, TaggedItem

    from articles.models import Article, Byline, Correction, LiveUpdate, Photo, Section
    from authors.models import Author, Handle
    from newsroom.cache import cache_back
    from newsroom.pagecache import content_changed, move_generation

    for model in (
        Article,
        Byline,
        Correction,
        LiveUpdate,
        Photo,
        Section,
        Author,
        Handle,
        Tag,
        TaggedItem,
    ):
        post_save.connect(
            content_changed, sender=model, dispatch_uid=f"pages-save-{model.__name__}"
        )
        post_delete.connect(
            content_changed, sender=model, dispatch_uid=f"pages-del-{model.__name__}"
        )
    m2m_changed.connect(content_changed, dispatch_uid="pages-m2m")
    # A change committed while Redis was unreachable could not move the generation.
    cache_back.connect(move_generation, dispatch_uid="pages-cache-back")


# Apps whose text fields staff fill in (the admin, importers, the API): see sanitize.py.
STAFF_TEXT_APPS = ("articles", "authors", "taggit", "auth")


def connect_text_sanitizing():
    from django.apps import apps
    from django.db.models.signals import pre_save

    from newsroom.sanitize import strip_controls_on_save

    for app_label in STAFF_TEXT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            pre_save.connect(
                strip_controls_on_save,
                sender=model,
                dispatch_uid=f"bidi-{model._meta.label_lower}",
            )


def make_tag_slugs_readable():
    """Every tag, however it is made (the story form, story.tags.add(), an import), takes
    its slug from newsroom.slugs: readable in any script and never empty. django-taggit
    has no setting for its slug function, so its method is replaced, here and only here."""
    from taggit.models import Tag, TagBase

    from newsroom.slugs import accept_any_script, tag_slugify

    TagBase.slugify = tag_slugify
    accept_any_script(Tag._meta.get_field("slug"))


class NewsroomConfig(AppConfig):
    """Site-wide pieces: layout templates, health check, roles."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        connect_page_cache_invalidation()
        connect_text_sanitizing()
        make_tag_slugs_readable()
        # Sent once per app with models: the roles are made on auth's turn.
        post_migrate.connect(restore_missing_roles, dispatch_uid="newsroom-roles")


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the newsroom's site class (newsroom.adminsite): the guards there
    reach every model's admin, registered by us or by the apps we use."""

    default = False  # newsroom's own app is NewsroomConfig
    default_site = "newsroom.adminsite.NewsroomAdminSite"
