"""import_wordpress on the small exports in tests/data/wordpress/, one per edge WordPress
exports have (written here from the WXR format). Every test checks the import against its own
reading of the file with lxml, not against the importer's."""

import html
import io
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from django.core.management import CommandError, call_command
from django.utils.encoding import iri_to_uri
from django.utils.text import slugify
from lxml import etree
from PIL import Image
from reversion.models import Version
from taggit.models import Tag

from articles import workflow
from articles.models import Activity, Article, Photo, Section, WordPressItem
from articles.search import search
from articles.teasers import count_words
from authors.models import Author

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "data" / "wordpress"


def read(name: str) -> list[dict]:
    """Every <item> of the file as lxml reads it, whatever prefixes the file declares."""
    root = etree.parse(str(CORPUS / name)).getroot()
    wp = next(uri for uri in root.nsmap.values() if uri.rstrip("/").split("/")[-2] == "export")

    def text(item, tag, namespace=wp):
        found = item.find(f"{{{namespace}}}{tag}" if namespace else tag)
        return (found.text or "").strip() if found is not None else ""

    items = []
    for item in root.iterfind("channel/item"):
        items.append(
            {
                "id": text(item, "post_id"),
                "type": text(item, "post_type"),
                "status": text(item, "status"),
                "password": text(item, "post_password"),
                "title": text(item, "title", None),
                "slug": text(item, "post_name"),
                "link": text(item, "link", None),
                "creator": text(item, "creator", "http://purl.org/dc/elements/1.1/"),
                "categories": [
                    (c.get("domain"), c.get("nicename"), (c.text or "").strip())
                    for c in item.iterfind("category")
                ],
                "sticky": text(item, "is_sticky"),
                "comments": len(item.findall(f"{{{wp}}}comment")),
            }
        )
    return items


def run(name_or_path, *args) -> str:
    path = name_or_path if isinstance(name_or_path, Path) else CORPUS / name_or_path
    out = io.StringIO()
    call_command("import_wordpress", str(path), *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def story_for(wp_id: str) -> Article:
    return Article.objects.get(pk=WordPressItem.objects.get(kind="post", wp_id=wp_id).object_id)


def test_password_protected_posts_are_kept_unpublished_and_named(client):
    output = run("password-protected.xml")
    posts = [i for i in read("password-protected.xml") if i["type"] == "post"]
    assert {bool(p["password"]) for p in posts} == {True, False}
    for post in posts:
        story = story_for(post["id"])
        if post["password"]:
            assert story.status == Article.Status.UNPUBLISHED and story.publish_at is None
            assert not Article.objects.public().filter(pk=story.pk).exists()
            assert client.get(story.get_absolute_url()).status_code == 404
            assert f"Post {post['id']} “{post['title'][:40]}”: password-protected" in output
        else:
            assert story.is_public
            assert f"Post {post['id']} “{post['title'][:40]}”: password" not in output


def site_of(name: str) -> str:
    root = etree.parse(str(CORPUS / name)).getroot()
    wp = next(uri for uri in root.nsmap.values() if uri.rstrip("/").split("/")[-2] == "export")
    channel = root.find("channel")
    return next(
        value.strip()
        for value in (
            channel.findtext(f"{{{wp}}}base_blog_url"),
            channel.findtext(f"{{{wp}}}base_site_url"),
            channel.findtext("link"),
        )
        if value and value.strip()
    )


@pytest.mark.parametrize(
    "name", ["wxr-1.0.xml", "no-blog-url.xml", "no-excerpt-namespace.xml", "password-protected.xml"]
)
def test_every_wxr_version_and_namespace_layout_is_read(name):
    run(name)
    posts = [i for i in read(name) if i["type"] == "post"]
    assert posts and Article.objects.count() == len(posts)
    for post in posts:
        story = story_for(post["id"])
        assert story.headline == post["title"]
        assert story.slug == post["slug"]
        assert story.body_text.strip()
        expected = Article.Status.UNPUBLISHED if post["password"] else Article.Status.PUBLISHED
        assert story.status == expected
        assert [a.slug for a in story.bylines_in_order] == [post["creator"]]  # no author list
    assert set(WordPressItem.objects.values_list("site", flat=True)) == {site_of(name)}


def authors_listed(name: str) -> dict[str, tuple[str, str]]:
    """login -> (display name, e-mail) from the channel's wp:author list."""
    root = etree.parse(str(CORPUS / name)).getroot()
    ns = {"wp": root.nsmap["wp"]}
    return {
        a.findtext("wp:author_login", namespaces=ns): (
            a.findtext("wp:author_display_name", namespaces=ns),
            a.findtext("wp:author_email", namespaces=ns),
        )
        for a in root.iterfind("channel/wp:author", ns)
    }


def expected_byline(post: dict, listed: dict) -> list[str]:
    coauthors = [text for domain, _, text in post["categories"] if domain == "author"]
    if coauthors:
        return coauthors
    creator = post["creator"]
    by_email = {email.lower(): name for name, email in listed.values()}
    if creator in listed:
        return [listed[creator][0]]
    if creator.lower() in by_email:
        return [by_email[creator.lower()]]
    return [creator.split("@")[0]]


def test_every_byline_the_file_names_is_kept_in_order():
    output = run("bylines.xml")
    listed = authors_listed("bylines.xml")
    posts = [i for i in read("bylines.xml") if i["type"] == "post"]
    assert any("@" in p["creator"] and p["creator"] not in listed for p in posts)
    for post in posts:
        story = story_for(post["id"])
        names = [author.name for author in story.bylines_in_order]
        assert names == expected_byline(post, listed), post["id"]
        assert story.is_public  # a byline, so nothing kept it back
    for post in posts:
        if "@" in post["creator"]:
            author = story_for(post["id"]).bylines_in_order[0]
            emails = [h.value.lower() for h in author.handles.filter(kind="email")]
            assert post["creator"].lower() in emails
    # One author per person, however many ways the file names them.
    people = {n for p in posts for n in expected_byline(p, listed)}
    assert Author.objects.count() == len(people | {name for name, _ in listed.values()})
    assert "Traceback" not in output


def test_categories_and_tags_declared_on_posts_are_matched_by_nicename_then_name():
    world = Section.objects.create(name="World", slug="world")
    politics = Section.objects.create(name="Politics", slug="politics")
    fleet = Tag.objects.create(name="Fishing Fleet", slug="fishing-fleet")
    before = set(Section.objects.values_list("pk", flat=True))
    run("item-categories.xml")
    root = etree.parse(str(CORPUS / "item-categories.xml")).getroot()
    ns = {"wp": root.nsmap["wp"]}
    declared = {
        c.findtext("wp:cat_name", namespaces=ns): c.findtext("wp:category_nicename", namespaces=ns)
        for c in root.iterfind("channel/wp:category", ns)
    }
    chosen = set()
    for post in read("item-categories.xml"):
        story = story_for(post["id"])
        domain, nicename, name = next(c for c in post["categories"] if c[0] == "category")
        name = html.unescape(name)  # WordPress stores term names HTML-escaped
        chosen.add(story.section_id)
        if nicename == world.slug:
            assert story.section == world  # by nicename
        elif name == politics.name:
            assert story.section == politics  # by name
        else:
            assert story.section.name == name
            assert story.section.slug == declared.get(name, nicename)
        tags = [(n, t) for d, n, t in post["categories"] if d == "post_tag"]
        # A story's other categories are tags on it: nothing it was filed under is lost.
        others = [c[1] for c in post["categories"] if c[0] == "category"][1:]
        assert sorted(story.tags.values_list("slug", flat=True)) == sorted(
            [n for n, _ in tags] + others
        )
        if any(n == fleet.slug for n, _ in tags):
            assert fleet in story.tags.all()
    # Sections are made only for stories: none empty, none for "Empty Shelf".
    made = set(Section.objects.values_list("pk", flat=True)) - before
    assert made <= chosen and not Section.objects.filter(name="Empty Shelf").exists()
    assert not Section.objects.filter(slug="uncategorized").exists()
    assert Tag.objects.filter(slug="ferries").count() == 1


def test_a_re_run_updates_only_what_nobody_changed_in_newsroom(django_user_model):
    editor = django_user_model.objects.create_user("desk", is_staff=True, is_superuser=True)
    run("rerun-1.xml")
    first = {p["id"]: p for p in read("rerun-1.xml")}
    second = {p["id"]: p for p in read("rerun-2.xml")}
    root = etree.parse(str(CORPUS / "rerun-2.xml")).getroot()
    content = {
        i.findtext("{http://wordpress.org/export/1.2/}post_id"): i.findtext(
            "{http://purl.org/rss/1.0/modules/content/}encoded"
        )
        for i in root.iterfind("channel/item")
    }
    root1 = etree.parse(str(CORPUS / "rerun-1.xml")).getroot()
    content1 = {
        i.findtext("{http://wordpress.org/export/1.2/}post_id"): i.findtext(
            "{http://purl.org/rss/1.0/modules/content/}encoded"
        )
        for i in root1.iterfind("channel/item")
    }
    # The newsroom's own work: one story unpublished, one headline rewritten.
    unpublished = story_for("402")
    workflow.unpublish(article=unpublished, by=editor)
    rewritten = story_for("403")
    rewritten.headline = "Fish market moves east, traders say"
    rewritten.save()
    touched = {"402", "403"}
    before = {wp_id: story_for(wp_id).version for wp_id in first}

    output = run("rerun-2.xml", "--user", "desk")
    for wp_id, post in second.items():
        if wp_id not in first:
            expected = "created"
        elif wp_id in touched:
            expected = "kept Newsroom's edit"
        elif post["title"] == first[wp_id]["title"] and content[wp_id] == content1[wp_id]:
            expected = "unchanged"
        else:
            expected = "updated"
        assert f"post {wp_id} “{post['title'][:40]}”: {expected}" in output, wp_id
        story = story_for(wp_id)
        if expected in ("created", "updated"):
            assert story.headline == post["title"]
            assert Activity.objects.filter(
                article=story, user=editor, action=Activity.Action.IMPORTED
            ).exists()
            assert Version.objects.get_for_object(story).filter(revision__user=editor).exists()
        else:
            assert story.version == before[wp_id], wp_id  # not saved at all
            assert not Activity.objects.filter(
                article=story, action=Activity.Action.IMPORTED, user=editor
            ).exists()
    assert story_for("402").status == Article.Status.UNPUBLISHED
    assert story_for("403").headline == "Fish market moves east, traders say"
    # Without --user, a named system user does it.
    run("rerun-1.xml")
    assert Activity.objects.filter(
        user__username="wordpress-import", article=story_for("401"), detail__contains="headline"
    ).exists()


def item_lines(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  every item of the file"))
    return [line.strip() for line in lines[start + 1 :]]


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.xml")))
def test_the_report_accounts_for_every_item_of_the_file(name):
    output = run(name)
    items = read(name)
    lines = item_lines(output)
    assert len(lines) == len(items)
    for item, line in zip(items, lines, strict=True):
        label = f"{item['type']} {item['id'] or '(no id)'}"
        assert line.startswith(label), (line, label)
        if item["type"] == "attachment":
            continue
        if item["type"] in ("page", "nav_menu_item"):
            assert ": left out: " in line
        elif not item["id"] or item["status"] not in (
            "publish",
            "future",
            "draft",
            "pending",
            "private",
        ):
            assert ": skipped: " in line
        elif len(item["id"]) > 200 or len(item["creator"]) > 200:
            assert ": skipped: " in line  # longer than any WordPress id or login
        else:
            assert line.split("”: ", 1)[1].startswith("created")
            assert WordPressItem.objects.filter(kind="post", wp_id=item["id"]).exists()
    comments = sum(item["comments"] for item in items)
    if comments:
        assert f"the {comments} comments were left out" in output


def test_bad_items_are_skipped_alone_and_leave_nothing_behind():
    run("bad-items.xml")
    good = [
        i
        for i in read("bad-items.xml")
        if i["type"] == "post" and i["id"] and len(i["id"]) < 200 and len(i["creator"]) < 200
        if i["status"] == "publish"
    ]
    assert Article.objects.count() == len(good) == 1
    # The bad posts named the same new section first: it survives only with the good one.
    assert story_for(good[0]["id"]).section.name == "Ghost Town"
    assert Section.objects.filter(name="Ghost Town").count() == 1


def test_a_dry_run_prints_the_same_report_and_writes_nothing(django_user_model):
    dry = run("bylines.xml", "--dry-run")
    assert not Article.objects.exists() and not Author.objects.exists()
    assert not WordPressItem.objects.exists() and not django_user_model.objects.exists()
    real = run("bylines.xml")
    assert dry.splitlines()[0] == "Dry run: nothing was kept." and real.splitlines()[0] == "Done."
    assert dry.splitlines()[1:] == real.splitlines()[1:]


def attachments_in(name: str) -> dict[str, dict]:
    root = etree.parse(str(CORPUS / name)).getroot()
    ns = {"wp": root.nsmap["wp"], "excerpt": root.nsmap["excerpt"]}
    found = {}
    for item in root.iterfind("channel/item"):
        if item.findtext("wp:post_type", namespaces=ns) != "attachment":
            continue
        meta = {
            m.findtext("wp:meta_key", namespaces=ns): m.findtext("wp:meta_value", namespaces=ns)
            for m in item.iterfind("wp:postmeta", ns)
        }
        found[item.findtext("wp:post_id", namespaces=ns)] = {
            "url": item.findtext("wp:attachment_url", namespaces=ns),
            "link": item.findtext("link"),
            "parent": item.findtext("wp:post_parent", namespaces=ns),
            "caption": item.findtext("excerpt:encoded", namespaces=ns),
            "meta": meta,
        }
    return found


def uploads_for(name: str, root: Path) -> Path:
    """A copy of wp-content/uploads holding every attachment's file."""
    for attachment in attachments_in(name).values():
        target = root / attachment["url"].split("/uploads/", 1)[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (640, 427), "navy").save(target, "JPEG")
    return root


def test_old_wordpress_addresses_redirect_to_the_story(client, tmp_path):
    run("legacy.xml", "--media-dir", uploads_for("legacy.xml", tmp_path / "uploads"))
    items = read("legacy.xml")
    posts = {p["id"]: p for p in items if p["type"] == "post"}
    for wp_id, post in posts.items():
        story = story_for(wp_id)
        wanted = unquote(post["slug"]).removesuffix(".html")
        assert story.slug == (slugify(wanted, allow_unicode=True) or story.slug)
        link = urlsplit(post["link"])
        old = [f"/?p={wp_id}", link.path + (f"?{link.query}" if link.query else "")]
        for address in old:
            response = client.get(address)
            assert response.status_code == 301, address
            assert response["Location"] == iri_to_uri(story.get_absolute_url()), address
    for attachment in attachments_in("legacy.xml").values():
        link = urlsplit(attachment["link"])
        response = client.get(link.path + (f"?{link.query}" if link.query else ""))
        parent = story_for(attachment["parent"])
        assert response.status_code == 301
        assert response["Location"] == iri_to_uri(parent.get_absolute_url())


def test_sticky_posts_featured_images_alt_text_credits_and_comments(tmp_path):
    output = run("legacy.xml", "--media-dir", uploads_for("legacy.xml", tmp_path / "uploads"))
    attachments = attachments_in("legacy.xml")
    photos = {
        wp_id: Photo.objects.get(
            pk=WordPressItem.objects.get(kind="attachment", wp_id=wp_id).object_id
        )
        for wp_id in attachments
    }
    for wp_id, attachment in attachments.items():
        photo = photos[wp_id]
        assert photo.alt_text == attachment["meta"]["_wp_attachment_image_alt"]
        image_meta = attachment["meta"]["_wp_attachment_metadata"]
        iptc = image_meta.split('s:6:"credit";s:', 1)[1].split(":", 1)[1].split('"')[1]
        if iptc:
            assert photo.credit == iptc
        else:  # "... Photo: Ana Reed" in the caption
            assert photo.credit == attachment["caption"].rsplit("Photo:", 1)[1].strip()
    for post in read("legacy.xml"):
        if post["type"] != "post":
            continue
        story = story_for(post["id"])
        if post["sticky"] == "1":
            assert f"Post {post['id']} “{post['title'][:40]}”: sticky" in output
        if post["comments"]:
            assert f"{post['comments']} comments left out" in output
        root = etree.parse(str(CORPUS / "legacy.xml")).getroot()
    thumbnails = {
        i.findtext("{http://wordpress.org/export/1.2/}post_id"): m.findtext(
            "{http://wordpress.org/export/1.2/}meta_value"
        )
        for i in root.iterfind("channel/item")
        for m in i.iterfind("{http://wordpress.org/export/1.2/}postmeta")
        if m.findtext("{http://wordpress.org/export/1.2/}meta_key") == "_thumbnail_id"
    }
    assert thumbnails
    for post_id, photo_id in thumbnails.items():
        assert story_for(post_id).lead_photo == photos[photo_id]
    # A figure of a library photo says what its alt text says, not WordPress's file name.
    story = story_for("701")
    assert 'alt="quay-wall.jpg"' not in story.body
    assert f'alt="{photos["801"].alt_text}"' in story.body


def test_headings_quotes_and_captions_are_in_the_plain_text_search_reads():
    run("search-text.xml")
    root = etree.parse(str(CORPUS / "search-text.xml")).getroot()
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    for item in root.iterfind("channel/item"):
        wp_id = item.findtext("{http://wordpress.org/export/1.2/}post_id")
        story = story_for(wp_id)
        title = lxml.html.fragment_fromstring(item.findtext("title"), create_parent="div")
        assert story.headline == " ".join(title.text_content().split())
        assert "<" not in story.headline and "&lt;" not in story.headline
        body = lxml.html.fragment_fromstring(item.findtext(content), create_parent="div")
        words = " ".join(body.itertext()).split()
        assert story.body_text.split() == words, wp_id
        assert story.word_count == count_words(" ".join(words)) > 0
        for word in {w.strip(".,").lower() for w in words if len(w) > 6}:
            assert story in search(word), (wp_id, word)


def old_site_images(name: str) -> dict[str, list[str]]:
    """post id -> every <img> src in its content that the old site serves."""
    host = urlsplit(site_of(name)).hostname
    root = etree.parse(str(CORPUS / name)).getroot()
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    found = {}
    for item in root.iterfind("channel/item"):
        body = item.findtext(content) or ""
        if not body.strip():
            continue
        tree = lxml.html.fragment_fromstring(body, create_parent="div")
        srcs = [img.get("src") for img in tree.iter("img")]
        found[item.findtext(f"{{{root.nsmap['wp']}}}post_id")] = [
            src for src in srcs if urlsplit(src).hostname == host
        ]
    return found


def test_old_site_pictures_without_media_dir_are_listed_and_leave_a_placeholder():
    output = run("legacy.xml")
    images = old_site_images("legacy.xml")
    assert any(images.values())
    for wp_id, srcs in images.items():
        story = story_for(wp_id)
        assert "gazette.example" not in story.body  # never hotlinked
        assert story.body.count("[Picture not imported:") == len(srcs)
        for src in srcs:
            assert src in output
    assert "[Picture not imported: The old pier, before the storms]" in story_for("701").body


def test_old_site_pictures_with_media_dir_are_imported_into_the_library(tmp_path):
    uploads = uploads_for("legacy.xml", tmp_path / "uploads")
    images = old_site_images("legacy.xml")
    for src in (s for srcs in images.values() for s in srcs):
        target = uploads / src.split("/uploads/", 1)[1]
        if not target.exists():  # a picture in a body that is no attachment of the file
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (500, 300), "teal").save(target, "JPEG")
    run("legacy.xml", "--media-dir", uploads)
    for wp_id, srcs in images.items():
        story = story_for(wp_id)
        assert "gazette.example" not in story.body and "not imported" not in story.body
        assert story.body.count("<img") == len(srcs)
    pier = Photo.objects.get(caption="The old pier, before the storms")
    assert pier.image.url in story_for("701").body and pier.alt_text == "The old pier in 1990"
    # Run again: the same photos are found, nothing is imported twice or rewritten.
    photos = Photo.objects.count()
    output = run("legacy.xml", "--media-dir", uploads)
    assert Photo.objects.count() == photos
    assert "stories       0 created,     0 updated" in output


def test_an_unknown_importing_user_is_one_line_and_nothing_is_written():
    with pytest.raises(CommandError, match="--user nobody: there is no such user") as error:
        run("bylines.xml", "--user", "nobody")
    assert error.value.returncode == 2 and "\n" not in str(error.value)
    assert not Article.objects.exists() and not WordPressItem.objects.exists()
