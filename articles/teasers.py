"""Teasers: the opening of a story, cut where a reader would pause.

A teaser ends where a paragraph ends near the configured length (NEWSROOM_TEASER_WORDS);
when no paragraph ends near it (a long first paragraph), where a sentence ends; only a single
sentence longer than the limit is cut at a word, closed by an ellipsis. A cut never falls
inside a tag, an entity, a word or a link, and every element left open is closed. Figures,
quotes and subheads are left out (a card shows its own photo). Ideographic scripts, written
without spaces, count each character as a word.
"""

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from django.conf import settings

ELLIPSIS = "\u2026"

_VOID = {"br", "hr", "img", "wbr", "source", "input", "area", "col", "embed", "track"}
_LEFT_OUT = {
    "figure",
    "img",
    "figcaption",
    "picture",
    "video",
    "audio",
    "iframe",
    "script",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
}
_IDEOGRAPHS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_IDEOGRAPHS}]|[^\s{_IDEOGRAPHS}]+")
# Punctuation that reads badly right before an ellipsis.
_DANGLING = " \t\n.,;:-\u2013\u2014(\u00a0"


@dataclass(frozen=True)
class Teaser:
    html: str
    truncated: bool


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


class _Tokens(HTMLParser):
    """Splits HTML into start, end and text tokens, dropping what a teaser leaves out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _LEFT_OUT:
            if tag not in _VOID:
                self._skipping += 1
            return
        if self._skipping:
            return
        self.tokens.append(("void" if tag in _VOID else "start", tag, attrs))

    def handle_startendtag(self, tag, attrs):
        if tag not in _LEFT_OUT and not self._skipping:
            self.tokens.append(("void", tag, attrs))

    def handle_endtag(self, tag):
        if tag in _LEFT_OUT and tag not in _VOID:
            self._skipping = max(0, self._skipping - 1)
        elif not self._skipping and tag not in _VOID:
            self.tokens.append(("end", tag, None))

    def handle_data(self, data):
        if not self._skipping:
            self.tokens.append(("text", data, None))


def _tokens(html: str) -> list[tuple]:
    parser = _Tokens()
    parser.feed(html or "")
    parser.close()
    return parser.tokens


def _start_tag(tag: str, attrs) -> str:
    parts = [tag]
    for name, value in attrs:
        parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
    return "<" + " ".join(parts) + ">"


class _Writer:
    """Re-serialises tokens, keeping the stack of open elements so it can close them."""

    def __init__(self):
        self.out: list[str] = []
        self.open: list[str] = []

    def write(self, kind: str, value: str, attrs) -> None:
        if kind == "text":
            self.out.append(escape(value, quote=False))
        elif kind == "void":
            self.out.append(_start_tag(value, attrs))
        elif kind == "start":
            self.open.append(value)
            self.out.append(_start_tag(value, attrs))
        elif value in self.open:  # an end tag; stray ones are dropped
            while self.open:
                tag = self.open.pop()
                self.out.append(f"</{tag}>")
                if tag == value:
                    break

    def finish(self, ellipsis: str = "") -> str:
        if ellipsis:
            if self.out and not self.out[-1].startswith("<"):
                # Drop trailing punctuation, unless it is all the text there is ("—…").
                self.out[-1] = self.out[-1].rstrip(_DANGLING) or self.out[-1].rstrip()
            self.out.append(ellipsis)
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        return "".join(self.out).strip()


# Marks that end a sentence when whitespace follows, and those that end one wherever they
# stand (scripts written without spaces).
_SPACED_END = ".!?\u2026\u0964\u061f\u06d4"
_ANYWHERE_END = "\u3002\uff01\uff1f\uff61"
_CLOSERS = "\"'\u201d\u2019\u00bb)]\u300d\u300f\uff09"
_OPENERS = "\"'\u201c\u2018\u00ab([\u300c\u300e\uff08\u00bf\u00a1"
_SENTENCE_END = re.compile(
    f"(?:[{re.escape(_SPACED_END)}]+|[{_ANYWHERE_END}]+)[{re.escape(_CLOSERS)}]*"
)
# A full stop after these is an abbreviation's, not a sentence's: "Dr. Lee", "No. 5".
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep",
    "col", "lt", "capt", "sgt", "rev", "hon", "fr", "no", "nos", "vs", "fig", "figs", "approx",
    "ca", "cf", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
})  # fmt: skip
# Initials and initialisms: "J.", "U.S.", "e.g.", "a.m." (when unsure, do not split: a missed
# end only makes a sentence longer, a false one leaves the reader mid-sentence).
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")
_BLOCKS = {
    "p", "li", "ul", "ol", "dl", "dt", "dd", "div", "section", "pre", "address", "details",
    "summary", "figure", "blockquote", "table",
}  # fmt: skip


def _ends_sentence(text: str, match: re.Match) -> bool:
    """Whether the end mark `match` in `text` ends its sentence."""
    if match.group()[0] in _ANYWHERE_END:
        return True
    after = match.end()
    if after < len(text) and not text[after].isspace():
        return False  # "3.5", "example.com", "?!x"
    rest = text[after:].lstrip().lstrip(_OPENERS)
    if rest and rest[0].islower():
        return False  # "e.g. the", '"Why?" she asked'
    if match.group() == ".":
        word = text[: match.start()].rsplit(None, 1)[-1:] or [""]
        word = word[0].lstrip(_OPENERS)
        if word.lower() in ABBREVIATIONS or _INITIALS.fullmatch(word):
            return False
    return True


@dataclass(frozen=True)
class _Cut:
    """Everything before token `index`, then the first `offset` characters of that token
    (a text) when `offset` is not None; `words` is how many words that keeps."""

    index: int
    offset: int | None
    words: int


class _Story:
    """A story's tokens and the places a teaser may end: paragraph ends and sentence ends."""

    def __init__(self, tokens: list[tuple]):
        self.tokens = tokens
        self.paragraph_ends: list[_Cut] = []
        self.sentence_ends: list[_Cut] = []
        self.total = 0
        open_tags: list[str] = []
        flat: list[str] = []  # the text, blocks apart, to find sentence ends in
        spans: list[tuple[int, int, int, int, bool]] = []  # start, end, token, words, in link
        length = 0
        for index, (kind, value, _) in enumerate(tokens):
            if kind == "text":
                spans.append((length, length + len(value), index, self.total, "a" in open_tags))
                flat.append(value)
                length += len(value)
                self.total += count_words(value)
                continue
            if kind == "start":
                open_tags.append(value)
            elif kind == "end" and value in open_tags:
                while open_tags.pop() != value:
                    pass
                if value in _BLOCKS:
                    end = _Cut(index + 1, None, self.total)
                    self.sentence_ends.append(end)
                    if not open_tags:
                        self.paragraph_ends.append(end)
            if value in _BLOCKS or value == "br":
                flat.append("\n")
                length += 1
        self._find_sentence_ends("".join(flat), spans)

    def _find_sentence_ends(self, text: str, spans: list) -> None:
        for match in _SENTENCE_END.finditer(text):
            if not _ends_sentence(text, match):
                continue
            at = match.end()
            start, _, index, before, in_link = next(s for s in spans if s[0] < at <= s[1])
            value = self.tokens[index][1]
            offset = at - start
            if in_link and not self._link_ends_after(index, value[offset:]):
                continue  # a teaser never ends inside a link
            words = before + count_words(value[:offset])
            self.sentence_ends.append(_Cut(index, offset, words))

    def _link_ends_after(self, index: int, rest: str) -> bool:
        """Whether nothing but spaces is left of the link that token `index` is in."""
        if rest.strip():
            return False
        depth = 0
        for kind, value, _ in self.tokens[index + 1 :]:
            if kind == "text" and value.strip():
                return False
            if kind == "start" and value == "a":
                depth += 1
            elif kind == "end" and value == "a":
                if depth == 0:
                    return True
                depth -= 1
        return True


def _nearest(cuts: list[_Cut], words: int, total: int) -> _Cut | None:
    """The cut nearest `words` among those from half of it to half as much again, short of
    the end (a story long enough to cut is cut)."""
    low, high = words // 2, words + (words + 1) // 2
    near = [c for c in cuts if c.words > 0 and low <= c.words <= high and c.words < total]
    return min(near, key=lambda c: (abs(c.words - words), c.words), default=None)


def _write(tokens: list[tuple], cut: _Cut) -> str:
    writer = _Writer()
    for token in tokens[: cut.index]:
        writer.write(*token)
    if cut.offset is not None:
        kind, value, attrs = tokens[cut.index]
        writer.write(kind, value[: cut.offset], attrs)
    return writer.finish()


def truncate_html(html: str, words: int, *, slack: int | None = None) -> Teaser:
    """The opening of ``html``: whole paragraphs, else whole sentences, near ``words`` words.

    Nothing is cut when the whole text is within ``slack`` words of the limit (by default a
    tenth of it, at least five): trimming a handful of words off a short story only to add
    "Keep reading" helps nobody.
    """
    if words < 1:
        raise ValueError("A teaser needs at least one word.")
    story = _Story(_tokens(html))
    slack = max(5, words // 10) if slack is None else slack
    if story.total <= words + slack:
        return Teaser(_write(story.tokens, _Cut(len(story.tokens), None, story.total)), False)
    cut = _nearest(story.paragraph_ends, words, story.total) or _nearest(
        story.sentence_ends, words, story.total
    )
    if cut is None:
        # No end near the limit: the sentence the limit falls in is cut at a word if it is
        # longer than the limit, else the teaser stops short, where that sentence begins.
        starts = [c for c in story.sentence_ends if 0 < c.words < words]
        start = max(starts, key=lambda c: c.words, default=None)
        end = min((c.words for c in story.sentence_ends if c.words > words), default=story.total)
        if start is None or end - start.words > words:
            return _cut_at_a_word(story.tokens, words)
        cut = start
    return Teaser(_write(story.tokens, cut), truncated=True)


def _cut_at_a_word(tokens: list[tuple], words: int) -> Teaser:
    """A single sentence longer than the limit: cut after ``words`` words (or at the end of
    the link the limit falls in), with an ellipsis."""
    writer = _Writer()
    seen = 0
    for kind, value, attrs in tokens:
        if seen >= words:
            # The limit was reached inside a link: finish the link, then stop.
            writer.write(kind, value, attrs)
            if "a" not in writer.open:
                break
            continue
        if kind != "text":
            writer.write(kind, value, attrs)
            continue
        matches = list(_WORD.finditer(value))
        if seen + len(matches) < words:
            writer.write(kind, value, attrs)
            seen += len(matches)
            continue
        last = matches[words - seen - 1]
        seen = words
        if "a" in writer.open:
            writer.write(kind, value, attrs)
        else:
            writer.write(kind, value[: last.end()], attrs)
            break
    return Teaser(writer.finish(ELLIPSIS), truncated=True)


def story_teaser(*, body: str, handwritten: str) -> Teaser:
    """A story's teaser at the configured length (NEWSROOM_TEASER_WORDS): what Article.save
    stores, and what a migration recomputes for stories saved under older rules."""
    return make_teaser(body, handwritten, settings.NEWSROOM_TEASER_WORDS)


def make_teaser(body: str, handwritten: str, words: int) -> Teaser:
    """The teaser a card shows: the hand-written one when there is one, else the body cut."""
    if handwritten.strip():
        html = handwritten if handwritten.lstrip().startswith("<p") else f"<p>{handwritten}</p>"
        return Teaser(html, truncated=count_words(plain_text(body)) > 0)
    return truncate_html(body, words)


class _Words(HTMLParser):
    """Every word a reader reads in the body: headings, quotes and captions too (a teaser
    leaves those out; search and word counts must not). Only code and hidden parts go."""

    SILENT = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._silent = 0

    def handle_starttag(self, tag, attrs):
        self._silent += tag in self.SILENT

    def handle_endtag(self, tag):
        if tag in self.SILENT:
            self._silent = max(0, self._silent - 1)

    def handle_data(self, data):
        if not self._silent:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of ``html`` without its markup, every element's text included. Search,
    word counts and structured data read this."""
    parser = _Words()
    parser.feed(html or "")
    parser.close()
    return " ".join(" ".join(parser.parts).split())
