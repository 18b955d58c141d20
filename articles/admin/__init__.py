"""The newsroom's admin: the library (sections, photos), stories and their workflow, trash."""

from articles.admin import activity, library, live, stories, tags, trash  # noqa: F401  (registers)
