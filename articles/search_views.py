"""The reader's search page: /search/?q=…, with filters by section, author and dates."""

import hashlib

from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from articles import search
from articles.models import Article, Byline, Section
from authors.models import Author
from newsroom import fragments
from newsroom.jinja2 import macros

RESULTS_PER_PAGE = 10


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search stories"), required=False)
    section = forms.ModelChoiceField(
        Section.objects.only("name", "slug"),
        to_field_name="slug",
        required=False,
        empty_label=_("All sections"),
    )
    author = forms.ModelChoiceField(
        Author.objects.none(),  # public() at each request: see __init__
        to_field_name="slug",
        required=False,
        empty_label=_("All authors"),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = self.authors()

    @staticmethod
    def authors():
        """Public authors only (Author.objects.public()), as of now: a queryset made at
        import would keep the instant the server started."""
        return Author.objects.public().only("name", "slug")

    def clean_q(self):
        return search.clean_query(self.cleaned_data.get("q") or "")


def _results_page(query, stories, number):
    results = (
        search.search(query, stories)
        .select_related("section")
        .prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author", "role"))
        )
        # A result prints its title, snippet and byline: the stored bodies stay behind
        # (body_text is read for the snippet only where PostgreSQL does not make it).
        .defer("body", "body_html", "search_vector", "teaser", "teaser_html")
    )
    try:
        page = Paginator(results, RESULTS_PER_PAGE).page(number)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page of results.") from None
    search.decorate(page.object_list, query)
    return page


def search_page(request):
    # Null bytes and other unprintables never reach the database; over-long input is cut.
    data = {key: search.clean_query(value) for key, value in request.GET.items()}
    form = SearchForm(data)
    form.is_valid()  # a bad filter is dropped, never an error page
    params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    query = params.get("q", "")
    stories = Article.objects.public()
    if "section" in params:
        stories = stories.in_section(params["section"])
    if "author" in params:
        stories = stories.by_author(params["author"])
    if "since" in params:
        stories = stories.filter(publish_at__date__gte=params["since"])
    if "until" in params:
        stories = stories.filter(publish_at__date__lte=params["until"])
    filters = request.GET.copy()
    filters.pop("page", None)
    filters = filters.urlencode()
    page, results = None, None
    if query:
        number = request.GET.get("page", 1)

        def make(names):
            nonlocal page
            page = _results_page(query, stories, number)
            pieces = macros("_search_results.html")
            return {names[0]: pieces.results(query, page, filters)}

        # The same words, filters and page make the same results: a fragment for readers.
        digest = hashlib.sha256(f"{filters}|{number}".encode()).hexdigest()
        name = f"search:{digest}"
        fragments.read_ahead(request, [name, "filter-options", "nav"])
        results = fragments.get_or_make(request, [name], make)[name]
    return render(
        request,
        "articles/search.html",
        {
            "form": form,
            "query": query,
            "page_obj": page,
            "results": results,
            **_filter_options(request, data),
        },
    )


def _filter_options(request, data) -> dict:
    """The <option>s of the section and author filters, the reader's choice selected.

    Rendered once into HTML (and kept as a fragment): 300 authors through the template
    were a third of a search page. The chosen value, escaped, selects only an option that
    exists, as Django's own select does.
    """

    def make(names):
        choices = {
            "section": SearchForm.base_fields["section"].queryset,
            "author": SearchForm.authors(),
        }
        return {
            "filter-options": {
                name: format_html_join(
                    "", '<option value="{}">{}</option>', queryset.values_list("slug", "name")
                )
                for name, queryset in choices.items()
            }
        }

    options = fragments.get_or_make(request, ["filter-options"], make)["filter-options"]
    chosen = {name: escape(data.get(name) or "") for name in options}
    return {
        f"{name}_options": mark_safe(  # noqa: S308 - our own escaped HTML
            html.replace(
                f'<option value="{chosen[name]}">', f'<option value="{chosen[name]}" selected>', 1
            )
            if chosen[name]
            else html
        )
        for name, html in options.items()
    }
