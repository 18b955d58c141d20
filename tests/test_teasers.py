"""Teasers: cut at a word boundary near the limit, HTML kept valid, nothing split."""

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.teasers import ELLIPSIS, count_words, make_teaser, plain_text, truncate_html

VOID = {"br", "hr", "img", "wbr"}


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def assert_valid(html: str) -> None:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    assert not checker.errors and not checker.stack, html
    assert "<" not in checker.rawdata.rsplit(">", 1)[-1], "dangling tag at the end"


def words(n: int, prefix: str = "w") -> str:
    return " ".join(f"{prefix}{k}" for k in range(n))


def test_cuts_at_the_word_limit_and_adds_an_ellipsis():
    teaser = truncate_html(f"<p>{words(100)}</p>", 10)
    assert teaser.truncated
    assert teaser.html == f"<p>{words(10)}{ELLIPSIS}</p>"


def test_never_cuts_inside_a_word():
    teaser = truncate_html("<p>" + "extraordinarily " * 50 + "</p>", 3)
    assert teaser.html == f"<p>extraordinarily extraordinarily extraordinarily{ELLIPSIS}</p>"


def test_limit_is_configurable():
    body = f"<p>{words(200)}</p>"
    assert count_words(plain_text(truncate_html(body, 20).html)) == 20
    assert count_words(plain_text(truncate_html(body, 75).html)) == 75


def test_closes_every_open_element():
    body = f"<ul><li><strong>{words(30)}</strong></li><li>{words(30)}</li></ul><p>{words(30)}</p>"
    teaser = truncate_html(body, 12)
    assert teaser.html == f"<ul><li><strong>{words(12)}{ELLIPSIS}</strong></li></ul>"
    assert_valid(teaser.html)


def test_a_cut_inside_a_link_keeps_the_whole_link():
    link = '<a href="https://example.com/a?x=1&amp;y=2">one two three four</a>'
    body = f"<p>{words(8)} {link} {words(40, 'z')}</p>"
    teaser = truncate_html(body, 10)
    assert link in teaser.html
    assert teaser.html.endswith(f"</a>{ELLIPSIS}</p>")
    assert_valid(teaser.html)


def test_entities_are_never_split():
    body = "<p>" + "AT&amp;T &lt;chips&gt; &quot;fast&quot; caf&eacute; " * 20 + "</p>"
    teaser = truncate_html(body, 5)
    assert teaser.html == f'<p>AT&amp;T &lt;chips&gt; "fast" café AT&amp;T{ELLIPSIS}</p>'


def test_unicode_words_and_ideographs():
    accented = truncate_html("<p>" + "Ça déménage à Zürich 🚀 " * 20 + "</p>", 6)
    assert accented.html == f"<p>Ça déménage à Zürich 🚀 Ça{ELLIPSIS}</p>"
    japanese = truncate_html("<p>" + "半導体の工場が新しく開きました。" * 10 + "</p>", 7)
    assert japanese.html == f"<p>半導体の工場が{ELLIPSIS}</p>"


def test_a_short_story_is_shown_whole_without_an_ellipsis():
    body = "<p>Three short words.</p>"
    teaser = truncate_html(body, 50)
    assert teaser == (teaser.__class__(body, truncated=False))
    assert ELLIPSIS not in teaser.html


def test_a_story_just_over_the_limit_is_not_trimmed_for_a_handful_of_words():
    body = f"<p>{words(53)}</p>"
    assert not truncate_html(body, 50).truncated
    assert truncate_html(body, 50, slack=0).truncated


def test_figures_and_quotes_are_left_out_of_teasers():
    body = (
        '<figure><img src="/x.jpg" alt="x"><figcaption>Photo: A</figcaption></figure>'
        f"<p>{words(3)}</p><blockquote><p>quoted words</p></blockquote><p>{words(60, 'v')}</p>"
    )
    teaser = truncate_html(body, 10)
    assert "figure" not in teaser.html and "quoted" not in teaser.html
    assert teaser.html == f"<p>{words(3)}</p><p>{words(7, 'v')}{ELLIPSIS}</p>"


def test_trailing_punctuation_gives_way_to_the_ellipsis():
    teaser = truncate_html("<p>" + "one, two; three: " * 30 + "</p>", 2)
    assert teaser.html == f"<p>one, two{ELLIPSIS}</p>"


def test_the_hand_written_teaser_wins_and_the_card_offers_the_rest():
    teaser = make_teaser(f"<p>{words(100)}</p>", "Why this matters to you.", 20)
    assert teaser.html == "<p>Why this matters to you.</p>"
    assert teaser.truncated


def test_without_a_hand_written_teaser_the_body_is_cut():
    assert make_teaser(f"<p>{words(100)}</p>", "  ", 20) == truncate_html(
        f"<p>{words(100)}</p>", 20
    )


def test_a_limit_below_one_word_is_refused():
    with pytest.raises(ValueError):
        truncate_html("<p>a</p>", 0)


_word = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S"], exclude_characters="<>&"),
    min_size=1,
    max_size=12,
)
_inline = st.one_of(
    _word,
    _word.map(lambda w: f"<em>{w}</em>"),
    st.lists(_word, min_size=1, max_size=4).map(lambda ws: f'<a href="/x">{" ".join(ws)}</a>'),
)
_paragraph = st.lists(_inline, min_size=1, max_size=30).map(
    lambda parts: f"<p>{' '.join(parts)}</p>"
)


@given(body=st.lists(_paragraph, min_size=1, max_size=6).map("".join), limit=st.integers(1, 60))
def test_any_teaser_is_valid_html_and_a_prefix_of_the_story(body, limit):
    teaser = truncate_html(body, limit, slack=0)
    assert_valid(teaser.html)
    story_words = plain_text(body).split()
    teaser_words = plain_text(teaser.html).removesuffix(ELLIPSIS).split()
    if teaser.truncated:
        # Whole words only, in order; only the last may lose trailing punctuation.
        assert teaser_words[:-1] == story_words[: len(teaser_words) - 1]
        assert story_words[len(teaser_words) - 1].startswith(teaser_words[-1])
        if ELLIPSIS in teaser.html:  # cut at a word: at the limit, or at the end of a link
            assert count_words(plain_text(teaser.html)) >= limit or "</a>" in teaser.html
    else:
        assert teaser_words == story_words


# Where a teaser ends: at a paragraph's end near the limit, else at a sentence's end; only a
# single sentence longer than the limit is cut at a word.


def sentence(n: int, prefix: str = "s", end: str = ".") -> str:
    """A sentence of `n` words, capitalised, ending with `end`."""
    return " ".join([prefix.upper() + "0", *(f"{prefix}{k}" for k in range(1, n))]) + end


def whole_sentences(html: str) -> str:
    """The teaser's text with nothing cut: what a reader reads, without markup."""
    return " ".join(plain_text(html).split())


def test_a_teaser_ends_at_the_paragraph_end_nearest_the_limit():
    first = f"<p>{sentence(8, 'a')} {sentence(12, 'b')}</p>"
    second = f"<p>{sentence(15, 'c')} {sentence(15, 'd')}</p>"
    third = f"<p>{sentence(20, 'e')} {sentence(20, 'f')}</p>"
    teaser = truncate_html(first + second + third + third, 55)
    assert teaser.html == first + second  # 50 words: nearer 55 than 20 or 90
    assert teaser.truncated and ELLIPSIS not in teaser.html


def test_a_long_first_paragraph_falls_back_to_a_sentence_end():
    sentences = [sentence(12, f"x{k}x") for k in range(12)]
    body = f"<p>{' '.join(sentences)}</p><p>{sentence(30, 'y')}</p>"
    teaser = truncate_html(body, 55)
    assert teaser.truncated and ELLIPSIS not in teaser.html
    assert_valid(teaser.html)
    kept = whole_sentences(teaser.html)
    ends = [" ".join(sentences[:k]) for k in range(1, len(sentences))]
    assert kept in ends
    assert 55 // 2 <= count_words(kept) <= 55 + 55 // 2


def test_only_a_sentence_longer_than_the_limit_is_cut_at_a_word():
    body = f"<p>{sentence(3, 'a')} {sentence(100, 'b')} {sentence(5, 'c')}</p>"
    teaser = truncate_html(body, 20)
    assert teaser.html.endswith(f"{ELLIPSIS}</p>")
    assert count_words(plain_text(teaser.html)) == 20


@pytest.mark.parametrize(
    "inside",
    [
        "Dr. Smith",
        "Mr. Lee",
        "the U.S. Senate",
        "e.g. Fabrikon",
        "i.e. The",
        "J. R. Tolkien",
        "3.5 per cent",
        "No. 5",
        "at 9 a.m. Tuesday",
        '"Why?" she asked',
        "“Really?” he said",
    ],
)
def test_no_sentence_ends_at_an_abbreviation_a_number_or_a_quoted_question(inside):
    # A false end right after `inside` would be the only one near the limit (10 words).
    body = f"<p>{sentence(7, 'a', end='')} {inside} {sentence(40, 'b')}</p>"
    teaser = truncate_html(body, 10)
    assert teaser.html.endswith(f"{ELLIPSIS}</p>"), teaser.html
    assert count_words(plain_text(teaser.html)) >= 10


@pytest.mark.parametrize(
    "first, second",
    [
        (sentence(8, "a", end="."), sentence(40, "b")),
        (sentence(8, "a", end="?"), sentence(40, "b")),
        (sentence(8, "a", end="!"), sentence(40, "b")),
        ('"' + sentence(8, "a", end='."'), sentence(40, "b")),
        ("“" + sentence(8, "a", end=".”"), "“" + sentence(40, "b", end="”")),
        (sentence(8, "a", end=".)"), sentence(40, "b")),
        (sentence(8, "a", end="."), "3 " + sentence(40, "b")),
        (
            "工場が新しく開きました。",
            "半導体の需要は来年も伸び続けると多くの専門家が予想していますが、" * 2 + "。",
        ),
        (
            "工場は開きましたか？",
            "半導体の需要は来年も伸び続けると多くの専門家が予想していますが、" * 2 + "！",
        ),
        ("Он сказал: всё идёт по плану.", sentence(40, "b")),
    ],
)
def test_a_sentence_ends_at_its_full_stop_question_or_exclamation_mark(first, second):
    body = f"<p>{first} {second}</p>" if " " in first else f"<p>{first}{second}</p>"
    limit = count_words(first) + 2
    teaser = truncate_html(body, limit)
    assert teaser.html == f"<p>{first}</p>", teaser.html
    assert teaser.truncated


def test_a_list_item_ends_a_teaser_like_a_sentence():
    items = "".join(f"<li>{sentence(6, f'i{k}i', end='')}</li>" for k in range(20))
    teaser = truncate_html(f"<ul>{items}</ul>", 20)
    assert ELLIPSIS not in teaser.html
    assert teaser.html.endswith("</li></ul>")
    assert_valid(teaser.html)


def test_a_sentence_ending_inside_a_link_never_splits_the_link():
    link = '<a href="/report">the report. It ran to ninety pages</a>'
    body = f"<p>{sentence(7, 'a', end='')} {link} {sentence(40, 'b')}</p>"
    teaser = truncate_html(body, 10)
    assert link in teaser.html
    assert_valid(teaser.html)


# Generated stories whose sentence ends are known by construction: no teaser ends inside a
# sentence unless that one sentence is longer than the limit.

_plain = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=9)
_tricky = st.sampled_from(["U.S.", "Dr.", "e.g.", "3.5", "Mr.", "i.e.", "No.", "a.m.", "(aside)"])
_opening = _plain.map(lambda w: w[0].upper() + w[1:]).filter(lambda w: not w[0].islower())
_closing = _plain.map(lambda w: w + "z")  # never an abbreviation or an initial
_end = st.sampled_from([".", "!", "?", "。", "！", "？", '."', ".”", "?”", ".)"])


@st.composite
def _sentence(draw):
    middle = draw(st.lists(st.one_of(_plain, _tricky), max_size=25))
    return (
        " ".join([draw(_opening), *middle, draw(_closing)]) + draw(_end),
        [draw(st.sampled_from(["", "em", "a"])) for _ in middle],
    )


def _markup(text: str, marks: list) -> str:
    """The sentence with some middle words in <em> or a link (never the end mark)."""
    words = text.split(" ")
    for k, mark in enumerate(marks, start=1):
        if mark == "em":
            words[k] = f"<em>{words[k]}</em>"
        elif mark == "a":
            words[k] = f'<a href="/x">{words[k]}</a>'
    return " ".join(words)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@given(
    story=st.lists(st.lists(_sentence(), min_size=1, max_size=6), min_size=1, max_size=6),
    limit=st.integers(1, 60),
)
def test_no_generated_teaser_ends_inside_a_sentence_shorter_than_the_limit(story, limit):
    body = "".join(
        "<p>" + " ".join(_markup(text, marks) for text, marks in paragraph) + "</p>"
        for paragraph in story
    )
    sentences = [text for paragraph in story for text, _ in paragraph]
    teaser = truncate_html(body, limit)
    assert_valid(teaser.html)
    ends = [_squeezed(" ".join(sentences[:k])) for k in range(len(sentences) + 1)]
    kept = _squeezed(plain_text(teaser.html))
    if kept in ends[1:]:
        assert ELLIPSIS not in teaser.html
        assert teaser.truncated == (kept != ends[-1])
        if teaser.truncated:  # near the limit, or short of a last sentence it would pass
            kept_words = count_words(plain_text(teaser.html))
            assert kept_words <= limit + (limit + 1) // 2
            assert kept_words >= limit // 2 or kept == ends[-2]
        return
    assert kept.endswith(ELLIPSIS), teaser.html
    kept = kept.removesuffix(ELLIPSIS)
    k = max(k for k, end in enumerate(ends) if kept.startswith(end))
    assert ends[k + 1].startswith(kept)
    assert count_words(sentences[k]) > limit, (sentences[k], teaser.html)


def test_the_hand_written_teaser_wins_over_whole_sentences():
    handwritten = "<p>Why this matters. To you, first.</p>"
    body = f"<p>{sentence(20, 'a')} {sentence(20, 'b')}</p>"
    assert make_teaser(body, handwritten, 10).html == handwritten


@pytest.mark.django_db
def test_every_demo_teaser_is_whole_sentences_or_the_hand_written_one():
    from django.core.management import call_command

    from articles.models import Article

    call_command("seed_demo", verbosity=0)
    stories = Article.objects.all()
    assert stories.count() >= 39
    for story in stories:
        if story.teaser:
            assert story.teaser_html == story.teaser
            continue
        # No demo sentence is longer than the limit: none may be cut inside.
        kept = whole_sentences(story.teaser_html)
        assert ELLIPSIS not in kept and kept[-1] in ".!?", (story.slug, kept)
        assert _squeezed(plain_text(story.body)).startswith(_squeezed(kept))
        assert story.teaser_html.endswith("</p>")


@pytest.mark.django_db
def test_a_migration_gives_stories_saved_before_the_teaser_a_save_gives_them():
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    from articles.models import Article
    from tests.factories import ArticleFactory

    story = ArticleFactory(body=f"<p>{sentence(30, 'a')} {sentence(30, 'b')}</p>" * 3)
    saved = Article.objects.get(pk=story.pk)
    Article.objects.filter(pk=story.pk).update(teaser_html="<p>Critics…</p>")
    migrations = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    name = next(n for app, n in migrations if n.endswith("_teasers_end_at_sentences"))
    migrations["articles", name].operations[0].code(apps, None)
    migrated = Article.objects.get(pk=story.pk)
    assert (migrated.teaser_html, migrated.teaser_truncated) == (
        saved.teaser_html,
        saved.teaser_truncated,
    )
    assert (migrated.version, migrated.updated_at) == (saved.version, saved.updated_at)
