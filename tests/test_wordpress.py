"""import_wordpress on the real WordPress theme test exports in ../shared/data/wordpress/, and on
broken files made here: all or nothing, idempotent, nothing of the archive lost."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree
from PIL import Image

from articles import wordpress
from articles.models import Article, OldURL, Photo, Section, WordPressItem
from authors.models import Author
from tests.conftest import require

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "wordpress"
THEME = DATA / "themeunittestdata.wordpress.xml"
BLOCKS = DATA / "64-block-test-data.xml"


@pytest.fixture
def exports():
    require(THEME.exists() and BLOCKS.exists(), f"WordPress exports missing under {DATA}")
    return THEME, BLOCKS


def posts_in(path: Path) -> dict[str, dict]:
    """What the file holds, read independently of the importer (with lxml)."""
    tree = etree.parse(str(path))
    ns = {k: v for k, v in tree.getroot().nsmap.items() if k}
    posts = {}
    for item in tree.getroot().iterfind("channel/item"):
        if item.findtext("wp:post_type", namespaces=ns) != "post":
            continue
        posts[item.findtext("wp:post_id", namespaces=ns)] = {
            "status": item.findtext("wp:status", namespaces=ns),
            "slug": item.findtext("wp:post_name", namespaces=ns),
            "gmt": item.findtext("wp:post_date_gmt", namespaces=ns),
            "link": item.findtext("link"),
            "title": item.findtext("title"),
            "password": item.findtext("wp:post_password", namespaces=ns),
        }
    return posts


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_wordpress", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def story_for(wp_id: str) -> Article:
    item = WordPressItem.objects.get(kind="post", wp_id=wp_id)
    return Article.objects.get(pk=item.object_id)


def test_every_post_becomes_a_story_with_its_status_date_slug_and_permalink(exports, client):
    output = run(THEME)
    posts = posts_in(THEME)
    assert Article.objects.count() == len(posts)
    assert f"stories   {len(posts):>5} created" in output
    for wp_id, post in posts.items():
        story = story_for(wp_id)
        expected = {"publish": "published", "future": "published", "draft": "draft"}
        if post["password"]:  # never shown without it in WordPress: never public here
            assert story.status == "unpublished" and story.publish_at is None, wp_id
            continue
        assert story.status == expected[post["status"]], wp_id
        if post["slug"]:
            assert story.slug == post["slug"][:200] or story.slug.endswith(f"-wp{wp_id}")
        if post["status"] in ("publish", "future"):
            when = datetime.strptime(post["gmt"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            assert story.publish_at == when, wp_id
    scheduled = story_for(next(k for k, p in posts.items() if p["status"] == "future"))
    assert not scheduled.is_public  # 2030: published, but not yet
    live = story_for(next(k for k, p in posts.items() if p["slug"] == "wp-6-1-font-size-scale"))
    old = client.get("/wp-6-1-font-size-scale/")
    assert old.status_code == 301 and old["Location"] == live.get_absolute_url()
    assert client.get(live.get_absolute_url()).status_code == 200
    assert OldURL.objects.filter(article=live).exists()


def test_authors_sections_and_tags_come_across(exports):
    run(THEME)
    assert set(Author.objects.values_list("slug", flat=True)) == {"themedemos", "themereviewteam"}
    tree = etree.parse(str(THEME))
    ns = {"wp": tree.getroot().nsmap["wp"]}
    # A section for each category a story went in (a post's first), and no empty ones.
    first = set()
    for item in tree.getroot().iterfind("channel/item"):
        if item.findtext("wp:post_type", namespaces=ns) == "post":
            terms = [c.get("nicename") for c in item.iterfind("category[@domain='category']")]
            first.add(terms[0] if terms else "uncategorized")
    assert set(Section.objects.values_list("slug", flat=True)) == first
    assert not Section.objects.filter(articles=None).exists()
    story = Article.objects.filter(tags__name="captions").first()
    assert story is not None and story.bylines.exists()


def test_a_second_run_of_the_same_file_changes_and_duplicates_nothing(exports):
    run(THEME)
    counts = (Article.objects.count(), Section.objects.count(), Author.objects.count())
    output = run(THEME)
    assert (Article.objects.count(), Section.objects.count(), Author.objects.count()) == counts
    # Nothing changed on either side: nothing is written again.
    assert f"stories       0 created,     0 updated, {counts[0]:>5} unchanged" in output


def test_both_theme_exports_import_and_html_is_sanitized(exports, client):
    run(THEME)
    run(BLOCKS)
    assert Article.objects.count() >= len(posts_in(THEME))
    for story in Article.objects.all():
        body = story.body.lower()
        assert "<script" not in body and "javascript:" not in body and " onload" not in body
        assert "[caption" not in body and "[gallery" not in body
        assert "<!-- wp:" not in body
        # WordPress.com served the uploads from another host: still the old site's.
        assert 'src="https://wpthemetestdata.files.wordpress.com' not in body


def test_captions_become_figures_with_the_library_photo_and_its_credit(exports, tmp_path, client):
    media = tmp_path / "uploads"
    target = media / "2013" / "09" / "dsc20040724_152504_532.jpg"
    target.parent.mkdir(parents=True)
    Image.new("RGB", (900, 600), "olive").save(target, "JPEG")
    output = run(THEME, "--media-dir", media)
    assert "photos        1 created" in output and "missing media:" in output
    photo = Photo.objects.get(width=900, height=600)  # sizes stored: pages never measure it
    assert photo.credit and photo.alt_text and photo.renditions
    story = Article.objects.get(body__contains=photo.image.url)
    assert "<figure>" in story.body and "<figcaption>" in story.body
    assert "Chunk of resinous blackboy husk" in story.body
    page = client.get(story.get_absolute_url()).text
    assert photo.credit_line in page  # the page prints the credit next to the photo


def test_unknown_shortcodes_keep_their_text():
    report = wordpress.Report()
    markup = wordpress.Markup({}, {}, report, {})
    html = markup.convert("Before [pullquote align=left]Quoted words[/pullquote] after.", "Post 1")
    assert "Quoted words" in html and "[" not in html
    assert any("[pullquote]" in w for w in report.warnings)
    classic = markup.convert("First paragraph.\nSame one.\n\nSecond.", "Post 2")
    assert classic == "<p>First paragraph.<br>Same one.</p><p>Second.</p>"


def test_a_dry_run_keeps_nothing(exports, tmp_path, settings):
    media = tmp_path / "uploads" / "2013" / "09"
    media.mkdir(parents=True)
    Image.new("RGB", (300, 200), "red").save(media / "dsc20040724_152504_532.jpg", "JPEG")
    output = run(THEME, "--media-dir", tmp_path / "uploads", "--dry-run")
    assert "Dry run: nothing was kept." in output and "stories" in output
    assert not Article.objects.exists() and not Photo.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


@pytest.mark.parametrize("damage", ["truncated", "not xml", "not wordpress", "missing"])
def test_a_broken_file_is_a_clear_error_and_nothing_is_imported(exports, tmp_path, damage):
    bad = tmp_path / "export.xml"
    if damage == "truncated":
        bad.write_bytes(THEME.read_bytes()[:200_000])
    elif damage == "not xml":
        bad.write_text("this is not xml at all")
    elif damage == "not wordpress":
        bad.write_text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
    else:
        bad = tmp_path / "nowhere.xml"
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(bad)
    assert not Article.objects.exists() and not Author.objects.exists()


def test_a_failure_half_way_leaves_nothing_behind(exports, tmp_path, settings, monkeypatch):
    media = tmp_path / "uploads" / "2013" / "09"
    media.mkdir(parents=True)
    Image.new("RGB", (300, 200), "red").save(media / "dsc20040724_152504_532.jpg", "JPEG")
    calls = {"n": 0}
    real = wordpress.Importer.import_post

    def failing(self, *args):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk gone")
        return real(self, *args)

    monkeypatch.setattr(wordpress.Importer, "import_post", failing)
    with pytest.raises(RuntimeError):
        run(THEME, "--media-dir", tmp_path / "uploads")
    assert not Article.objects.exists() and not Photo.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_wxr_1_1_is_read_by_its_own_namespace(exports, tmp_path):
    text = BLOCKS.read_text().replace("wordpress.org/export/1.2/", "wordpress.org/export/1.1/")
    older = tmp_path / "wxr11.xml"
    older.write_text(text.replace("<wp:wxr_version>1.2<", "<wp:wxr_version>1.1<"))
    run(older)
    assert Article.objects.count() == len(posts_in(BLOCKS))


def test_pending_and_private_posts_are_never_public(exports, tmp_path, client):
    """The shared exports hold only publish, future and draft: make pending and private ones."""
    publish = "<wp:status><![CDATA[publish]]></wp:status>"
    text = BLOCKS.read_text()
    text = text.replace(publish, "<wp:status><![CDATA[pending]]></wp:status>", 2)
    text = text.replace(publish, "<wp:status><![CDATA[private]]></wp:status>", 2)
    changed = tmp_path / "statuses.xml"
    changed.write_text(text)
    posts = posts_in(changed)
    states = {"pending": "review", "private": "unpublished", "publish": "published"}
    assert {"pending", "private"} <= {p["status"] for p in posts.values()}
    output = run(changed)
    for wp_id, post in posts.items():
        story = story_for(wp_id)
        assert story.status == states[post["status"]], wp_id
        if post["status"] != "publish":
            assert not story.is_public
            assert client.get(story.get_absolute_url()).status_code == 404
    assert "private in WordPress, unpublished here" in output


# Exports written here: attachments that point out of --media-dir, categories that collide ---


def wxr(path: Path, *, attachments=(), categories=(), posts=(), site="https://example.org") -> Path:
    """A small WXR 1.2 file, as WordPress writes them: attachments as (id, url), categories as
    (term id, nicename, name), posts as (id, slug, category nicename)."""
    items = []
    for wp_id, url in attachments:
        items.append(
            f"""<item><title>photo {wp_id}</title><link>https://example.org/?attachment_id={wp_id}</link>
<dc:creator><![CDATA[ed]]></dc:creator><content:encoded><![CDATA[]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{wp_id}</wp:post_id>
<wp:post_date_gmt>2024-01-02 03:04:05</wp:post_date_gmt><wp:post_name>photo-{wp_id}</wp:post_name>
<wp:status>inherit</wp:status><wp:post_parent>0</wp:post_parent>
<wp:post_type>attachment</wp:post_type><wp:attachment_url><![CDATA[{url}]]></wp:attachment_url>
</item>"""
        )
    for wp_id, slug, category in posts:
        items.append(
            f"""<item><title>Post {wp_id}</title><link>https://example.org/{slug}/</link>
<dc:creator><![CDATA[ed]]></dc:creator><content:encoded><![CDATA[<p>Text.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{wp_id}</wp:post_id>
<wp:post_date_gmt>2024-01-02 03:04:05</wp:post_date_gmt><wp:post_name>{slug}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<category domain="category" nicename="{category}"><![CDATA[{category}]]></category>
</item>"""
        )
    terms = "".join(
        f"""<wp:category><wp:term_id>{term_id}</wp:term_id>
<wp:category_nicename><![CDATA[{nicename}]]></wp:category_nicename>
<wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[{name}]]></wp:cat_name>
</wp:category>"""
        for term_id, nicename, name in categories
    )
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Example</title><link>https://example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://example.org</wp:base_site_url>
<wp:base_blog_url>{site}</wp:base_blog_url>
<wp:author><wp:author_login><![CDATA[ed]]></wp:author_login>
<wp:author_display_name><![CDATA[Ed]]></wp:author_display_name></wp:author>
{terms}{"".join(items)}</channel></rss>
"""
    )
    return path


def photo_file(path: Path, colour: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (320, 200), colour).save(path, "JPEG")
    return path


def test_attachments_whose_files_lie_outside_media_dir_are_skipped(tmp_path, settings):
    """Paths with '..' or '//', and a link inside the folder to a file outside it, never reach
    the photo library; the attachment inside the folder still does."""
    media = tmp_path / "uploads"
    secret = photo_file(tmp_path / "private" / "secret.jpg", "red")
    photo_file(media / "2024" / "01" / "fine.jpg", "green")
    (media / "2024" / "01" / "link.jpg").symlink_to(secret)
    uploads = "https://example.org/wp-content/uploads"
    escapes = {
        "11": f"{uploads}/../../private/secret.jpg",
        "12": f"{uploads}/2024/../../../private/secret.jpg",
        "13": f"{uploads}/{secret}".replace("uploads//", "uploads//"),  # uploads//tmp/.../x
        "14": f"{uploads}/2024/01/link.jpg",
    }
    assert "uploads//" in escapes["13"]
    export = wxr(
        tmp_path / "export.xml",
        attachments=[("10", f"{uploads}/2024/01/fine.jpg"), *escapes.items()],
    )
    output = run(export, "--media-dir", media)
    assert Photo.objects.count() == 1  # fine.jpg, and nothing else
    assert WordPressItem.objects.filter(kind="attachment").get().wp_id == "10"
    assert "photos        1 created" in output
    assert "4 attachment (outside --media-dir)" in output
    for url in escapes.values():
        assert f"{url}: outside --media-dir" in output
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    red = [p for p in stored if Image.open(p).convert("RGB").getpixel((5, 5))[0] > 200]
    assert stored and not red  # the secret's pixels were never copied


@pytest.mark.parametrize("slug", ["", "s" * 90], ids=["names", "names and slugs"])
def test_categories_that_collide_once_cut_to_length_become_distinct(tmp_path, slug):
    """The old import added the nicename to a taken name, then cut it off again."""
    long = "A" * 80
    export = wxr(
        tmp_path / "export.xml",
        categories=[
            ("1", slug + "-one", long + " first"),
            ("2", slug + "-two", long + " second"),
            ("3", slug + "-three", long + " third"),
        ],
        posts=[("21", "one", slug + "-one"), ("22", "two", slug + "-three")]
        + [("23", "three", slug + "-two")],
    )
    output = run(export)
    sections = Section.objects.filter(name__startswith="AAAA")
    assert sections.count() == 3 and "sections      3 created" in output
    assert len({s.name for s in sections}) == 3 and len({s.slug for s in sections}) == 3
    assert all(len(s.name) <= 80 and len(s.slug) <= 80 for s in sections)
    assert story_for("22").section.slug != story_for("21").section.slug
    # A second run finds them again: no new sections, no errors.
    run(export)
    assert Section.objects.filter(name__startswith="AAAA").count() == 3


def test_a_value_the_database_cannot_hold_is_one_clear_line_and_nothing_is_written(tmp_path):
    export = wxr(
        tmp_path / "export.xml",
        site="https://example.org/" + "x" * 400,  # longer than any site the records keep
        categories=[("1", "news", "News")],
        posts=[("21", "one", "news")],
    )
    with pytest.raises(CommandError, match="database refuses.*Nothing was imported") as error:
        run(export)
    assert error.value.returncode == 2 and "\n" not in str(error.value)
    assert not Section.objects.filter(slug="news").exists() and not Article.objects.exists()


def test_names_in_any_language_keep_readable_slugs_and_permalinks(tmp_path, client):
    """WordPress writes non-ASCII slugs percent-encoded; they come across as readable ones."""
    export = wxr(
        tmp_path / "export.xml",
        categories=[("1", "caf%c3%a9", "Café")],
        posts=[("21", "%e6%97%a5%e6%9c%ac", "caf%c3%a9"), ("22", "", "caf%c3%a9")],
    )
    run(export)
    story = story_for("21")
    assert (story.section.slug, story.slug) == ("café", "日本")
    assert client.get(story.get_absolute_url()).status_code == 200
    assert story_for("22").slug == "post-22"
    # The WordPress permalink, https://example.org/%e6%97%a5%e6%9c%ac/, leads to the story.
    moved = client.get("/%e6%97%a5%e6%9c%ac/")
    assert (moved.status_code, moved["Location"]) == (301, story.get_absolute_url())
