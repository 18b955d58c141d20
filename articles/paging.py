"""Pages of stories without counting them all.

A COUNT over every public story costs more than the page itself once an archive is large
(14 ms of the home page's database time on 10,000 stories). Readers page by "Older stories"
and "Newer stories", so this paginator fetches one story more than a page to know whether
an older page exists, and never counts.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator

# Deeper than any reader goes; past it a page number is refused before it reaches SQL.
MAX_PAGE = 100_000


class OlderNewerPage(Page):
    def __init__(self, object_list, number, paginator, *, has_older: bool):
        super().__init__(object_list, number, paginator)
        self.has_older = has_older

    def has_next(self):
        return self.has_older

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def next_page_number(self):
        return self.number + 1

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class OlderNewerPaginator(Paginator):
    def validate_number(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1 or number > MAX_PAGE:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return OlderNewerPage(
            rows[: self.per_page], number, self, has_older=len(rows) > self.per_page
        )

    @property
    def count(self):
        raise NotImplementedError("OlderNewerPaginator never counts; see articles/paging.py")


class SitemapFilePaginator(OlderNewerPaginator):
    """A sitemap file is fetched like a page of stories, without a COUNT (14 ms on 10,000
    stories, more than the rest of the query); the sitemap index still counts, to say how
    many files there are."""

    count = Paginator.count
