"""`make bench`'s admin phase: the pages a newsroom lives in (dashboard, story list, story form)
at 100,000 stories, their server time and their query counts.

Server time is measured in-process (Django's test client through the whole middleware stack,
no network, no browser): what the server spends on a request; "sql ms" is the database's
share of it, the rest is Python (which a loaded machine slows down most). The query counts
are asserted (the same budgets as tests/test_desk.py and tests/test_admin_lists.py): a page
whose count grows with the stories fails the bench. The data is built once, in bulk, and reused.
"""

import os
import random
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Byline, Section
from authors.models import Author

TOTAL = 100_000
PREFIX = "bench-desk-"
REPORTERS = 50
TARGET_MS = 150
RUNS = 15
# Most queries each page may make, whatever the number of stories.
QUERY_BUDGETS = {"dashboard": 14, "story list": 14, "story form": 32}
# (state, share of the stories)
STATES = [("published", 0.70), ("scheduled", 0.02), ("draft", 0.15), ("review", 0.08)]
STATES.append(("unpublished", 1 - sum(share for _, share in STATES)))
WORDS = [
    "chip",
    "fab",
    "wafer",
    "plant",
    "Dresden",
    "yield",
    "node",
    "lithography",
    "memory",
    "design",
    "foundry",
    "export",
    "subsidy",
    "supply",
    "order",
    "market",
    "engineer",
    "reporter",
    "newsroom",
]


class Command(BaseCommand):
    help = "Admin pages at 100,000 stories: server time and query counts (prints a table)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=RUNS)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Admin phase: PostgreSQL only (set DATABASE_URL); skipped.")
            return
        editor, reporter = self.data()
        story = Article.objects.filter(slug__startswith=PREFIX, created_by=reporter).first()
        pages = [
            ("dashboard", "editor", editor, "/admin/"),
            ("dashboard", "reporter", reporter, "/admin/"),
            ("story list", "editor", editor, "/admin/articles/article/"),
            ("story list", "reporter", reporter, "/admin/articles/article/"),
            ("story list", "reporter", reporter, "/admin/articles/article/?mine=1"),
            ("story list", "editor", editor, "/admin/articles/article/?mine=1"),
            ("story form", "editor", editor, f"/admin/articles/article/{story.pk}/change/"),
            ("story form", "reporter", reporter, f"/admin/articles/article/{story.pk}/change/"),
            ("story form", "editor", editor, "/admin/articles/article/add/"),
        ]
        self.stdout.write(
            f"Admin phase: {Article.objects.count():,} stories; server time of "
            f"{options['runs']} requests each, in-process"
        )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        self.stdout.write(f"Load average now: {load} on {os.cpu_count()} cores")
        header = (
            f"{'page':<11} {'as':<9} {'p50 ms':>7} {'max ms':>7} {'sql ms':>7} {'queries':>8}  path"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        failures = []
        for kind, role, user, path in pages:
            p50, worst, sql, queries = self.measure(user, path, runs=options["runs"])
            flag = "" if p50 <= TARGET_MS else f"  over {TARGET_MS} ms"
            self.stdout.write(
                f"{kind:<11} {role:<9} {p50:>7.1f} {worst:>7.1f} {sql:>7.1f} {queries:>8}  "
                f"{path}{flag}"
            )
            if queries > QUERY_BUDGETS[kind]:
                failures.append(f"{kind} ({path}, {role}): {queries} queries")
        if failures:
            raise CommandError("Over the query budget: " + "; ".join(failures))

    def measure(self, user, path, *, runs):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for _ in range(3):  # templates compiled, connections open, caches as they run
            client.get(path)
        times, counts, sql = [], [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            counts.append(len(queries))
            sql.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
        return statistics.median(times), max(times), statistics.median(sql), max(counts)

    # The data: stories in every state up to TOTAL, by 50 reporters with their bylines.
    def data(self):
        User = get_user_model()
        reporters = []
        for k in range(REPORTERS):
            user, _ = User.objects.get_or_create(
                username=f"{PREFIX}reporter-{k}", defaults={"is_staff": True}
            )
            reporters.append(user)
        Group.objects.get(name="Reporter").user_set.add(*reporters)
        editor, _ = User.objects.get_or_create(
            username=f"{PREFIX}editor", defaults={"is_staff": True}
        )
        Group.objects.get(name="Editor").user_set.add(editor)
        authors = []
        for k, user in enumerate(reporters):
            author, _ = Author.objects.get_or_create(
                slug=f"{PREFIX}author-{k}",
                defaults={"name": f"Desk Reporter {k}", "job_title": "Reporter", "user": user},
            )
            authors.append(author)
        sections = [
            Section.objects.get_or_create(
                slug=f"{PREFIX}section-{k}",
                defaults={"name": f"Desk section {k}", "order": 200 + k},
            )[0]
            for k in range(6)
        ]
        missing = TOTAL - Article.objects.count()
        if missing <= 0:
            self.stdout.write(f"Admin bench data present ({Article.objects.count():,}); reusing.")
            return editor, reporters[0]
        self.build(missing, reporters, authors, sections)
        return editor, reporters[0]

    def build(self, count, reporters, authors, sections):
        rng = random.Random(16)
        now = timezone.now()
        first = Article.objects.filter(slug__startswith=PREFIX).count()
        states = [state for state, _ in STATES]
        weights = [share for _, share in STATES]
        started = time.monotonic()
        batch = 5000
        for offset in range(0, count, batch):
            articles, owners = [], []
            for k in range(first + offset, first + min(offset + batch, count)):
                state = rng.choices(states, weights)[0]
                publish_at = None
                if state in ("published", "unpublished"):
                    publish_at = now - timedelta(minutes=5 * k + 1)
                elif state == "scheduled":
                    publish_at = now + timedelta(minutes=rng.randrange(10, 60 * 24 * 7))
                text = " ".join(rng.choices(WORDS, k=300))
                # One in 200 shows a wire picture pasted in, uncredited: needs attention.
                pasted = int(k % 200 == 0)
                picture = f'<img src="https://wire.example/{k}.jpg">' if pasted else ""
                owner = rng.randrange(REPORTERS)
                owners.append(owner)
                articles.append(
                    Article(
                        headline=" ".join(rng.choices(WORDS, k=9)).capitalize(),
                        slug=f"{PREFIX}story-{k}",
                        dek=" ".join(rng.choices(WORDS, k=12)),
                        section=rng.choice(sections),
                        body=f"<p>{text}</p>{picture}",
                        body_html=f"<p>{text}</p>{picture}",
                        uncredited_images=pasted,
                        images_without_alt=pasted,
                        body_text=text,
                        teaser_html=f"<p>{' '.join(text.split()[:40])}…</p>",
                        word_count=300,
                        status="published" if state == "scheduled" else state,
                        publish_at=publish_at,
                        first_published_at=publish_at if state != "scheduled" else None,
                        created_by=reporters[owner],
                    )
                )
            with transaction.atomic():
                made = Article.objects.bulk_create(articles)
                Byline.objects.bulk_create(
                    Byline(article=article, author=authors[owner], position=0)
                    for article, owner in zip(made, owners, strict=True)
                )
            done = offset + len(made)
            rate = done / max(time.monotonic() - started, 0.001)
            self.stdout.write(f"\r  stories {done:>6}/{count}  ({rate:,.0f}/s)", ending="")
            self.stdout.flush()
        self.stdout.write("")
        with connection.cursor() as cursor:
            # Edits spread over months, as a newsroom's are (bulk_create stamps them all now).
            cursor.execute(
                "UPDATE articles_article SET updated_at = now() - (id %% 50000) * interval "
                "'3 minutes', created_at = now() - (id %% 50000) * interval '3 minutes' "
                "WHERE slug LIKE %s",
                [f"{PREFIX}%"],
            )
            cursor.execute("VACUUM ANALYZE")
