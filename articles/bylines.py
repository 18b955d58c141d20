"""The byline phrase, built in one place: "By A and B. Additional reporting by C. Translated
by D." Story pages, cards, search results, feeds, the API and JSON-LD all read it from here.

Names are grouped by role, the groups in the roles' order (BylineRole.position), the names
in each group in the byline's own order. It reads bylines as given, so a page that
prefetched them with their roles (`for_listing()`, `for_story_page()`) spends no query here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    role: object  # BylineRole
    authors: tuple  # Author, in byline order


@dataclass(frozen=True)
class Piece:
    """A run of the phrase: words, or an author's name (then `author` is set, to link it)."""

    text: str
    author: object = None


def groups(bylines) -> list[Group]:
    """The bylines' authors grouped by role, the roles in their order."""
    by_role: dict[int, list] = {}
    roles = {}
    for byline in bylines:
        roles[byline.role_id] = byline.role
        by_role.setdefault(byline.role_id, []).append(byline.author)
    order = sorted(roles.values(), key=lambda role: (role.position, role.pk))
    return [Group(role=role, authors=tuple(by_role[role.pk])) for role in order]


def pieces(bylines) -> list[Piece]:
    """The phrase as runs of words and names, for templates that link each name."""
    out: list[Piece] = []
    for number, group in enumerate(groups(bylines)):
        if number:
            out.append(Piece(". "))
        out.append(Piece(f"{group.role.phrase} "))
        last = len(group.authors) - 1
        for index, author in enumerate(group.authors):
            if index:
                out.append(Piece(" and " if index == last else ", "))
            out.append(Piece(author.name, author))
    return out


def phrase(bylines) -> str:
    """The phrase as plain text: "By A and B. Translated by D"."""
    return "".join(piece.text for piece in pieces(bylines))


def by_property(bylines) -> dict[str, list]:
    """The authors under each schema.org property (author, contributor, translator, editor),
    in the phrase's order."""
    out: dict[str, list] = {}
    for group in groups(bylines):
        out.setdefault(group.role.schema_property, []).extend(group.authors)
    return out
