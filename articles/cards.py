"""Teaser cards for a list of stories: the pieces every list page is made of.

With fragments (newsroom/fragments.py) a list page fetches only its stories' ids, takes the
cards other pages already rendered and renders the rest; without, it renders them all from
stories fetched `for_listing()`.
"""

from articles.models import Article
from newsroom import fragments, surrogate
from newsroom.jinja2 import macros


def listing(request, stories):
    """The queryset a list page pages through: ids alone when cards come from fragments."""
    if fragments.of(request) is not None:
        return stories.only("pk")
    return stories.for_listing()


def cards(request, stories, *, lead_first: bool = False, notes: dict | None = None) -> list:
    """Each story's card (the first one as the lead card if `lead_first`), in order. A
    story with a note (by id) has it printed above its card, outside the shared fragment."""
    stories = list(stories)
    wanted = {}
    for position, story in enumerate(stories):
        lead = lead_first and position == 0
        wanted[f"card:{story.pk}:{'lead' if lead else 'card'}"] = (story.pk, lead)

    def make(names):
        if fragments.of(request) is None:
            full = {story.pk: story for story in stories}
        else:
            ids = {wanted[name][0] for name in names}
            full = {story.pk: story for story in Article.objects.filter(pk__in=ids).for_listing()}
        teaser = macros("_teaser.html").teaser
        # Each card keeps the surrogate keys of what it prints beside its markup.
        return {
            name: (
                teaser(full[wanted[name][0]], lead=wanted[name][1]),
                surrogate.story_keys(full[wanted[name][0]]),
            )
            for name in names
            if wanted[name][0] in full  # gone since the list was read: left out
        }

    fragments.read_ahead(request, [*wanted, "nav"])  # the layout's navigation too
    found = fragments.get_or_make(request, wanted, make)
    shown = [(name, found[name]) for name in wanted if name in found]
    noted = macros("_teaser.html").noted
    notes = notes or {}
    for _, (_, keys) in shown:
        surrogate.add(request, *keys)
    return [
        noted(card, notes[wanted[name][0]]) if wanted[name][0] in notes else card
        for name, (card, _) in shown
    ]
