"""Public links by formatting a pattern, not by walking the URL resolver each time.

reverse() costs about a tenth of a millisecond; a list page prints some fifty links (story,
section and author for every card). The resolver still decides every URL: each pattern is
made once by reversing it with marker values, then filled in. Slugs (the only parameters
here) may be in any script (newsroom/slugs.py): they are percent-encoded as reverse() does,
and anything that is not a slug is refused as reverse() refuses it.
"""

from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, reverse

from newsroom.slugs import ASCII_SLUG, is_slug, quote_slug

_MARKER = "zz{}zz"


@lru_cache(maxsize=128)
def _pattern(prefix: str, name: str, params: tuple) -> str:
    url = reverse(name, kwargs={param: _MARKER.format(i) for i, param in enumerate(params)})
    url = url.replace("{", "{{").replace("}", "}}")
    for i, param in enumerate(params):
        url = url.replace(_MARKER.format(i), "{" + param + "}", 1)
    return url


def _quoted(value) -> str:
    if isinstance(value, str) and ASCII_SLUG.fullmatch(value):
        return value  # the common case: nothing to check or quote
    if not isinstance(value, str) or not is_slug(value):
        raise NoReverseMatch(f"{value!r} is not a slug")
    return quote_slug(value)


def link(name: str, **params) -> str:
    """reverse(name, kwargs=params), for URLs whose parameters are slugs."""
    quoted = {param: _quoted(value) for param, value in params.items()}
    return _pattern(get_script_prefix(), name, tuple(params)).format(**quoted)
