"""Teasers: the opening of a story cut short at a word boundary, its HTML kept valid.

The cut never falls inside a tag, an entity or a word; a cut that lands inside a link is
moved to the link's end, so a reader never meets half a link. Figures and images are left
out (a card shows its own photo). Ideographic scripts, written without spaces, count each
character as a word.
"""

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

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


def truncate_html(html: str, words: int, *, slack: int | None = None) -> Teaser:
    """Cut ``html`` after about ``words`` words, closing every open element.

    Nothing is cut when the whole text is within ``slack`` words of the limit (by default a
    tenth of it, at least five): trimming a handful of words off a short story only to add
    "Keep reading" helps nobody.
    """
    if words < 1:
        raise ValueError("A teaser needs at least one word.")
    tokens = _tokens(html)
    total = sum(count_words(value) for kind, value, _ in tokens if kind == "text")
    slack = max(5, words // 10) if slack is None else slack
    writer = _Writer()
    if total <= words + slack:
        for token in tokens:
            writer.write(*token)
        return Teaser(writer.finish(), truncated=False)

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
