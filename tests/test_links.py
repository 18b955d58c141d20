"""Public links are built by formatting a pattern the resolver made: they must be exactly
what reverse() gives, for any slug and under a script prefix (a site served below /news)."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from newsroom.links import link

slugs = st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True)

NAMES = {
    "articles:home": (),
    "articles:story": ("section", "slug"),
    "articles:section": ("section",),
    "articles:section_feed": ("section",),
    "articles:tag": ("slug",),
    "articles:tag_feed_atom": ("slug",),
    "authors:detail": ("slug",),
    "authors:feed": ("slug",),
}


@pytest.mark.parametrize("prefix", ["/", "/news/"])
@given(values=st.lists(slugs, min_size=2, max_size=2))
def test_a_link_is_what_reverse_gives(prefix, values):
    set_script_prefix(prefix)
    try:
        for name, params in NAMES.items():
            kwargs = dict(zip(params, values, strict=False))
            assert link(name, **kwargs) == reverse(name, kwargs=kwargs or None)
    finally:
        clear_script_prefix()
