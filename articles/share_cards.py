"""Share cards: the picture a story without a lead photo shows on social networks and in
search results (og:image, twitter:image, JSON-LD image), drawn with Pillow from its headline
and section in the site's colours (static/css/site.css).

A card is named after what it shows: ``sharecards/<story id>/<hash>.jpg``, the hash taken over
the headline, the section, the site's name, the design and the fonts. A changed headline or
section gives a new name, so a CDN or a social network never shows an old headline under the
new address, and the old address answers 404. Cards are drawn on first request (most stories
have a photo and never need one), stored in the media storage like a rendition, and served
by the one media view (articles/media.py) only while the story is public: the card of an
embargoed story is neither served nor drawn before its publish time.

Drawing text in any language needs fonts that have its letters. DejaVu (Debian's
fonts-dejavu-core) covers Latin, Greek, Cyrillic, Arabic and Hebrew; Chinese and Japanese
need fonts-droid-fallback (or fonts-noto-cjk, which adds Korean). A headline whose letters no
installed font has is left off the card (the section and the site's name stay) and a warning
names the letters, rather than drawn as empty boxes.
"""

import hashlib
import io
import json
import logging
import unicodedata
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from PIL import Image, ImageDraw, ImageFont

from articles.markup import media_url

logger = logging.getLogger(__name__)

FOLDER = "sharecards"
WIDTH, HEIGHT = 1200, 630  # what Facebook, X, LinkedIn and Google all accept as a large card
DESIGN = 1  # raise when the drawing changes: every card gets a new address

# static/css/site.css
INK, MUTED, RULE, WASH, ACCENT = "#1a1a1a", "#555555", "#d9d6d0", "#f6f4ef", "#a3221b"

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# In order of preference; a letter is drawn with the first font that has it. The serif is the
# site's headline face, the sans its kicker face; the last ones are for Chinese, Japanese and
# Korean.
SERIF = ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf")
SANS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")
SANS_REGULAR = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
CJK = (
    "NotoSansCJK-Bold.ttc",
    "NotoSerifCJK-Bold.ttc",
    "DroidSansFallbackFull.ttf",
    "wqy-zenhei.ttc",
)

MARGIN = 80
HEADLINE_TOP, HEADLINE_BOTTOM = 170, 500
HEADLINE_SIZES = (88, 80, 72, 66, 60, 54, 50, 46, 42, 38)
LINE_HEIGHT = 1.16


@cache
def _find(names: tuple[str, ...]) -> tuple[str, ...]:
    found = []
    for name in names:
        for folder in FONT_DIRS:
            match = next(folder.rglob(name), None) if folder.is_dir() else None
            if match:
                found.append(str(match))
                break
    return tuple(found)


def _chain(first: tuple[str, ...]) -> tuple[str, ...]:
    """Font files to try for one kind of text, best first; an empty string stands for
    Pillow's own scalable font (Latin only), the last resort on a machine without TTFs."""
    return tuple(dict.fromkeys((*_find(first), *_find(SERIF + SANS), *_find(CJK), "")))


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not path:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size, index=0)


@cache
def _probe(path: str) -> ImageFont.FreeTypeFont:
    # Without shaping: a shaper would draw a missing mark on a dotted circle, not as .notdef.
    if not path:
        return ImageFont.load_default(size=40)
    return ImageFont.truetype(path, 40, index=0, layout_engine=ImageFont.Layout.BASIC)


@cache
def _notdef(path: str) -> tuple:
    mask = _probe(path).getmask("\U0010ffff")  # a noncharacter: no font maps it
    return mask.size, bytes(mask)


@cache
def _has(path: str, char: str) -> bool:
    """Whether the font has a glyph for ``char`` (Pillow exposes no character map: a missing
    glyph draws the font's .notdef box, the same for every missing character)."""
    mask = _probe(path).getmask(char)
    return (mask.size, bytes(mask)) != _notdef(path)


def _font_for(char: str, chain: tuple[str, ...]) -> str | None:
    if char.isspace() or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return chain[0]  # spaces and marks go with their neighbours (see _runs)
    return next((path for path in chain if _has(path, char)), None)


def missing(text: str, chain: tuple[str, ...] | None = None) -> str:
    """The characters of ``text`` that no installed font can draw."""
    chain = chain or _chain(SERIF)
    return "".join(dict.fromkeys(c for c in text if _font_for(c, chain) is None))


def fonts_key() -> str:
    """The fonts in use: installing one (say, for Korean) gives every card a new address."""
    return ",".join(Path(p).name for p in dict.fromkeys(_chain(SERIF) + _chain(SANS)))


# --- names ---------------------------------------------------------------------------------


def card_name(story) -> str:
    content = [DESIGN, fonts_key(), settings.NEWSROOM_SITE_NAME, story.section.name]
    raw = json.dumps([*content, story.headline], ensure_ascii=False).encode()
    digest = hashlib.sha256(raw).hexdigest()[:20]
    return f"{FOLDER}/{story.pk}/{digest}.jpg"


def card_url(story) -> str:
    return media_url(card_name(story))


def share_image(story) -> dict:
    """What a story is shared with (og:image, twitter:image, JSON-LD): its lead photo's
    largest story rendition while the photo's rights allow, its share card otherwise."""
    photo = story.lead_photo
    manifest = photo is not None and photo.is_usable and (photo.renditions or {}).get("story")
    if manifest:
        name, width, height = manifest["jpg"][-1]
        return {"url": media_url(name), "width": width, "height": height,
                "alt": photo.alt_text, "photo": photo}  # fmt: skip
    return {"url": card_url(story), "width": WIDTH, "height": HEIGHT,
            "alt": story.headline, "photo": None}  # fmt: skip


def story_id(name: str) -> int | None:
    """The story a stored name says it is the card of (whether it is the current card is for
    the caller to check against card_name)."""
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != FOLDER or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    return int(parts[1])


def ensure(story, *, storage=None) -> str:
    """The story's current card, drawn and stored if it is not yet; the story's older cards
    are deleted, as a photo's renditions are when they change."""
    storage = storage or storages["default"]
    name = card_name(story)
    if storage.exists(name):
        return name
    saved = storage.save(name, ContentFile(draw(story.headline, story.section.name)))
    if saved != name:  # another request drew it at the same moment; keep one
        storage.delete(saved)
    folder = f"{FOLDER}/{story.pk}"
    _dirs, files = storage.listdir(folder)
    for old in files:
        if f"{folder}/{old}" != name:
            storage.delete(f"{folder}/{old}")
    return name


def forget(story_ids, *, storage=None) -> None:
    """Delete the cards of stories deleted for good (articles.workflow.purge_trash)."""
    storage = storage or storages["default"]
    for pk in story_ids:
        folder = f"{FOLDER}/{pk}"
        try:
            names = storage.listdir(folder)[1]
        except FileNotFoundError:  # never drawn (local disk; object storage lists nothing)
            continue
        for name in names:
            storage.delete(f"{folder}/{name}")


# --- drawing -------------------------------------------------------------------------------


def _runs(text: str, chain: tuple[str, ...]) -> list[tuple[str, str]]:
    """``text`` split into pieces drawn with one font each: (text, font file)."""
    runs: list[list[str]] = []
    for char in text:
        path = _font_for(char, chain)
        if path is None:
            continue  # nothing can draw it (see draw(): letters keep the headline off)
        if runs and (char.isspace() or unicodedata.category(char).startswith("M")):
            path = runs[-1][1]
        if runs and runs[-1][1] == path:
            runs[-1][0] += char
        else:
            runs.append([char, path])
    return [(piece, path) for piece, path in runs]


def _width(text: str, chain, size: int) -> float:
    return sum(_font(path, size).getlength(piece) for piece, path in _runs(text, chain))


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: words with their trailing space, and each Chinese or
    Japanese character (which are written without spaces) with its punctuation."""
    tokens: list[str] = []
    for char in " ".join(text.split()):
        wide = _is_wide(char)
        if tokens and (
            char.isspace()
            or (wide and unicodedata.category(char).startswith("P"))
            or (not wide and not tokens[-1].endswith(" ") and not _is_wide(tokens[-1][-1]))
        ):
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def _wrap(text: str, chain, size: int, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if _width(line + token.rstrip(), chain, size) <= width:
            line += token
            continue
        if line:
            lines.append(line.rstrip())
        line = ""
        while _width(token.rstrip(), chain, size) > width:  # a word wider than the card
            cut = next(
                n for n in range(len(token), 0, -1) if _width(token[:n], chain, size) <= width
            )
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(text: str, chain) -> tuple[int, list[str]]:
    """The largest size at which the headline fits its box, and its lines; at the smallest
    size, what does not fit ends in an ellipsis (headlines are at most 200 characters, which
    fit, but the site's name and design may change)."""
    box = HEADLINE_BOTTOM - HEADLINE_TOP
    width = WIDTH - 2 * MARGIN
    for size in HEADLINE_SIZES:
        lines = _wrap(text, chain, size, width)
        if len(lines) * size * LINE_HEIGHT <= box:
            return size, lines
    most = int(box // (size * LINE_HEIGHT))
    kept = lines[:most]
    while kept and _width(kept[-1] + "…", chain, size) > width:
        kept[-1] = kept[-1][:-1]
    return size, [*kept[:-1], kept[-1].rstrip() + "…"] if kept else []


def _rtl(text: str) -> bool:
    """Whether the text reads right to left: its first strongly directional letter does."""
    kinds = (unicodedata.bidirectional(c) for c in text)
    return next((kind for kind in kinds if kind in ("L", "R", "AL")), "L") in ("R", "AL")


def _draw_line(draw, text: str, chain, size: int, *, y: float, fill: str, spacing=0.0):
    """One line of runs from the left margin (from the right one for Arabic and Hebrew),
    its tops on ``y``; ``spacing`` tracks Latin capitals out as the site's kickers are."""
    rtl = _rtl(text)
    runs = _runs(text, chain)
    if spacing and all(ord(c) < 0x250 for c in text):
        runs = [(c, path) for piece, path in runs for c in piece]
    else:
        spacing = 0.0
    if rtl:
        runs.reverse()  # runs in reading order, drawn right to left
    widths = [_font(path, size).getlength(piece) + spacing for piece, path in runs]
    x = WIDTH - MARGIN - sum(widths) if rtl else MARGIN
    for (piece, path), advance in zip(runs, widths, strict=True):
        draw.text((x, y), piece, font=_font(path, size), fill=fill, anchor="ls")
        x += advance


def draw(headline: str, section: str) -> bytes:
    """A 1200 x 630 JPEG: the section as a kicker, the headline wrapped to fit, the site's
    name as a masthead; newsprint wash, ink and the accent red of the site."""
    image = Image.new("RGB", (WIDTH, HEIGHT), WASH)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, WIDTH, 14), fill=ACCENT)

    sans, serif = _chain(SANS), _chain(SERIF)
    pen.rectangle((MARGIN, 76, MARGIN + 64, 82), fill=ACCENT)
    kicker = section.upper()
    while kicker and _width(kicker, sans, 28) > WIDTH - 2 * MARGIN - 100:
        kicker = kicker[:-1]
    _draw_line(pen, kicker, sans, 28, y=128, fill=ACCENT, spacing=2.5)

    lost = [c for c in missing(headline, serif) if unicodedata.category(c).startswith("L")]
    if lost:
        logger.warning(
            "Share card drawn without its headline: no installed font has %s "
            "(install fonts-noto-cjk for Korean, fonts-droid-fallback for Chinese and Japanese)",
            "".join(lost[:10]),
        )
    else:
        size, lines = _fit(headline, serif)
        line_height = size * LINE_HEIGHT
        # The first baseline sits one cap height under the box's top.
        y = HEADLINE_TOP + size * 0.8
        for line in lines:
            _draw_line(pen, line, serif, size, y=y, fill=INK)
            y += line_height

    pen.rectangle((MARGIN, 530, WIDTH - MARGIN, 531), fill=RULE)
    name = settings.NEWSROOM_SITE_NAME
    pen.rectangle((MARGIN, 552, MARGIN + 48, 600), fill=INK)
    initial = _font(_chain(SERIF)[0], 36)
    pen.text((MARGIN + 24, 576), name[:1].upper(), font=initial, fill=WASH, anchor="mm")
    _masthead(pen, name, serif)
    tagline = str(settings.NEWSROOM_SITE_TAGLINE)
    if not missing(tagline, sans):
        font = _font(_chain(SANS_REGULAR)[0], 22)
        pen.text((WIDTH - MARGIN, 586), tagline, font=font, fill=MUTED, anchor="rs")

    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()


def _masthead(pen, name: str, chain) -> None:
    x = MARGIN + 64
    for piece, path in _runs(name, chain):
        font = _font(path, 38)
        pen.text((x, 590), piece, font=font, fill=INK, anchor="ls")
        x += font.getlength(piece)
