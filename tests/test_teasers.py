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
        f"<p>{words(5)}</p><blockquote><p>quoted words</p></blockquote><p>{words(60, 'v')}</p>"
    )
    teaser = truncate_html(body, 10)
    assert "figure" not in teaser.html and "quoted" not in teaser.html
    assert teaser.html == f"<p>{words(5)}</p><p>{words(5, 'v')}{ELLIPSIS}</p>"


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
        assert teaser.html.count(ELLIPSIS) >= 1
        # Whole words only, in order; only the last may lose trailing punctuation.
        assert teaser_words[:-1] == story_words[: len(teaser_words) - 1]
        assert story_words[len(teaser_words) - 1].startswith(teaser_words[-1])
        assert count_words(plain_text(teaser.html)) >= limit or "</a>" in teaser.html
    else:
        assert teaser_words == story_words
