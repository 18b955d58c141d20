"""The Jinja2 environment for the public site (public_templates/). The admin keeps Django templates.

Jinja2 compiles a template to Python once per process, where Django's engine resolves every
variable through nested includes on each render: a large share of an uncached list page's
time (issue #6). The globals and filters are the few the templates need,
named as in Django's templates so a template reads the same in either.
"""

from datetime import datetime

from django.template import engines
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.utils import dateformat, timezone
from django.utils.text import Truncator
from jinja2 import Environment, Undefined

from articles import bylines
from articles.markup import json_ld, picture, rendition_url, time_element, usable_figures
from articles.share_cards import share_image
from newsroom.links import link


def date(value, fmt: str) -> str:
    """Django's date format characters, in the current time zone, as `|date:` prints them."""
    if not value:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if fmt == "c":
        return value.isoformat()  # what "c" means, without the formatter (sitemaps print 1,000)
    return dateformat.format(value, fmt)


def words(text: str, count: int) -> str:
    """The first `count` words, with an ellipsis when cut (Django's truncatewords)."""
    return Truncator(text).words(count, truncate="…")


def macros(template_name: str):
    """A public template's macros, to call from Python (views render pieces with them)."""
    return engines["jinja2"].env.get_template(template_name).module


def environment(**options) -> Environment:
    # A missing variable prints nothing, as in Django templates, under DEBUG too (Django's
    # default there, DebugUndefined, would print its name into the page).
    env = Environment(**{**options, "undefined": Undefined})
    env.globals.update(
        url=link,
        static=static,
        picture=picture,
        rendition_url=rendition_url,
        time_element=time_element,
        share_image=share_image,
        now=timezone.now,
        byline_pieces=bylines.pieces,
    )
    env.filters.update(
        date=date, words=words, pluralize=pluralize, json_ld=json_ld, usable_figures=usable_figures
    )
    return env
