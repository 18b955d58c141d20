"""Newsroom settings: one file, read from the environment, with defaults for local use.

Every knob an operator may turn is an environment variable listed in README.md.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from newsroom.env import env, env_bool, env_int, env_json, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, "
            "or DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",  # django.contrib.admin, guarded
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "corsheaders",
    "ninja",
    "taggit",
    "reversion",
    "django_prose_editor",
    "newsroom",
    "articles",
    "authors",
    "events",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsroom.security.SecurityHeaders",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Readers without a session get stored pages here, before the rest of the stack runs;
    # every header above still applies to them.
    "newsroom.pagecache.ServeCachedPages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "newsroom.twofactor.TwoFactorGate",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Counts failed staff logins and locks the username out (with a message) past the limit.
    "axes.middleware.AxesMiddleware",
    # ETag from the body and 304 on a match, for every page; cached pages keep theirs.
    "django.middleware.http.ConditionalGetMiddleware",
    "newsroom.pagecache.PublicPageCache",
    # Names what each public answer shows (Surrogate-Key, Cache-Tag) for the CDN's purges.
    "newsroom.surrogate.SurrogateKeys",
    # Any stored old address (a WordPress permalink, a moved story) answers 301.
    "articles.middleware.OldAddresses",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    # The public site: readers' pages, feeds' and sitemaps' templates (newsroom/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "public_templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.jinja2.environment",
            "context_processors": ["newsroom.context_processors.site"],
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
    # The admin and the staff pages.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

# Redis is the shared cache between app servers; without it each process keeps its own.
_cache_url = env("REDIS_URL", "") or env("CACHE_URL", "")
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "newsroom"),
            # A hung Redis must not hang the site: each call gives up after these timeouts,
            # and after a failure the cache is left alone for a few seconds (newsroom/cache.py).
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_CONNECT_TIMEOUT_MS", 250) / 1000,
                "socket_timeout": env_int("CACHE_TIMEOUT_MS", 500) / 1000,
                "retry_seconds": env_int("CACHE_RETRY_SECONDS", 5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Whole pages are cached only in a cache all app servers share: a per-process cache could
# keep serving a page another process has already invalidated.
NEWSROOM_PAGE_CACHE = env_bool("PAGE_CACHE", bool(_cache_url))
NEWSROOM_PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
# Pieces of pages (teaser cards, a story's article, navigation) in the same shared cache, for
# pages the page cache does not hold (newsroom/fragments.py).
NEWSROOM_FRAGMENT_CACHE = env_bool("FRAGMENT_CACHE", bool(_cache_url))
NEWSROOM_STALE_WHILE_REVALIDATE = env_int("STALE_WHILE_REVALIDATE", 30)
# A CDN in front (Varnish: deploy/varnish/newsroom.vcl; Fastly; Cloudflare), purged by surrogate
# keys when content events say so (newsroom/purge.py): varnish | fastly | cloudflare | none.
# Only when it is purged may it keep pages CDN_MAX_AGE seconds (a day); never past the next
# scheduled publish either way.
NEWSROOM_CDN_PURGE = env("CDN_PURGE", "none")
if NEWSROOM_CDN_PURGE not in ("varnish", "fastly", "cloudflare", "none"):
    raise ImproperlyConfigured("CDN_PURGE is one of varnish, fastly, cloudflare or none.")
NEWSROOM_CDN_MAX_AGE = env_int("CDN_MAX_AGE", 86_400)
# Varnish: each instance's address (purges go to every one), e.g. http://10.0.0.5:80.
NEWSROOM_CDN_PURGE_URLS = env_list("CDN_PURGE_URLS", "")
# Sent as X-Purge-Secret with each Varnish PURGE; the VCL refuses a PURGE without it
# (deploy/varnish/backends.sh writes it into newsroom-backends.vcl).
NEWSROOM_CDN_PURGE_SECRET = env("CDN_PURGE_SECRET", "")
NEWSROOM_CDN_PURGE_TIMEOUT = env_int("CDN_PURGE_TIMEOUT_MS", 5000) / 1000
FASTLY_API_URL = env("FASTLY_API_URL", "https://api.fastly.com")
FASTLY_SERVICE_ID = env("FASTLY_SERVICE_ID", "")
FASTLY_API_TOKEN = env("FASTLY_API_TOKEN", "")
CLOUDFLARE_API_URL = env("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
CLOUDFLARE_ZONE_ID = env("CLOUDFLARE_ZONE_ID", "")
CLOUDFLARE_API_TOKEN = env("CLOUDFLARE_API_TOKEN", "")
# Live stories: how often an open page asks for new updates, and how long a browser or a CDN
# may keep the answer (the page cache keeps it until content changes). A reader sees an
# update at most LIVE_POLL_SECONDS + LIVE_CACHE_SECONDS after it is posted.
NEWSROOM_LIVE_POLL_SECONDS = env_int("LIVE_POLL_SECONDS", 10)
NEWSROOM_LIVE_CACHE_SECONDS = env_int("LIVE_CACHE_SECONDS", 5)
# `make bench` only: the bare reference page every result is compared with.
NEWSROOM_BENCH_REFERENCE = env_bool("NEWSROOM_BENCH_REFERENCE", False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", "en-us")
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates and times on the staff side carry their zone ("Mon 30 Nov 2026, 10:13 UTC").
FORMAT_MODULE_PATH = ["newsroom.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Every MEDIA_URL request goes through articles/media.py, which serves readers only the
# renditions of public photos and staff everything. Media files are never public by
# themselves: no web-server alias on MEDIA_ROOT, no public bucket.
# A CDN may keep a public rendition this long (and never past the photo's last day of rights).
NEWSROOM_MEDIA_MAX_AGE = env_int("MEDIA_MAX_AGE", 300)
# Local disk behind nginx: the view answers with X-Accel-Redirect to this `internal` location
# (e.g. /protected-media/) and nginx sends the file. Empty: the view streams it.
NEWSROOM_MEDIA_ACCEL_REDIRECT = env("MEDIA_ACCEL_REDIRECT", "")

# Photos: local disk by default; object storage through django-storages, e.g.
# MEDIA_STORAGE=storages.backends.s3.S3Storage and MEDIA_STORAGE_OPTIONS as JSON
# ({"bucket_name": "...", "endpoint_url": "...", "default_acl": "private"}): a private bucket,
# read only by the app (docs/operators-guide.md).
STORAGES = {
    "default": {
        "BACKEND": env("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("MEDIA_STORAGE_OPTIONS", {}),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# HTTPS-only behaviour is switched on from the environment once TLS is in front:
# HTTPS=1 turns on all of it (redirect, secure cookies, a year of HSTS with subdomains and
# preload); each part can still be set on its own.
_https = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _https)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _https)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _https)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _https)
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto (and only then).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
NEWSROOM_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Content-Security-Policy: no inline script or style anywhere, the admin included. The one
# inline script is the story editor's import map, which carries a per-request nonce (the
# nonce appears in the header only on pages that use it; public pages never do). The editor
# (Tiptap) also inserts one fixed <style> block; its hash allows exactly that text and nothing
# else (tests/test_csp_browser.py fails if an upgrade changes it).
PROSE_EDITOR_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"
# Photos may live on object storage or a CDN: MEDIA_URL's origin is allowed for images.
_media_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MEDIA_URL)) if "://" in MEDIA_URL else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", PROSE_EDITOR_STYLE_HASH],
        "img-src": ["'self'", "data:", *filter(None, [_media_origin])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if _https else {}),
        **({"report-uri": [env("CSP_REPORT_URI")]} if env("CSP_REPORT_URI") else {}),
    },
}

# Staff sign-in: failed logins are counted per username and address; past the limit that
# pair is locked out for a while, with a page that says so.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "newsroom.security.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address (login lockout, API budget, logs) is newsroom.security.client_ip:
# with TRUSTED_PROXY_COUNT proxies in front, each appending to X-Forwarded-For, the one our
# outermost proxy saw; with 0, the connection's own address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front: 0 or more.")
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"

# Two-factor sign-in (TOTP apps: Google Authenticator, 1Password, Aegis...). Which roles must
# use it: a comma list of "editors", "admins", "all" staff, or nothing. Anyone who has set it
# up is always asked for a code.
NEWSROOM_REQUIRE_2FA = env_list("REQUIRE_2FA", "" if DEBUG else "editors,admins")
# Setting up the app needs an admin's invitation link (or `manage.py invite_2fa`); it works
# once, for one account, for this many hours.
NEWSROOM_2FA_INVITATION_HOURS = env_int("TWO_FACTOR_INVITATION_HOURS", 72)
OTP_TOTP_ISSUER = env("SITE_NAME", "Newsroom")

_log_level = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Lines about a request name its client as the lockout and the API budget count it.
    "filters": {"client": {"()": "newsroom.security.ClientAddressFilter"}},
    "formatters": {"plain": {"format": "%(levelname)s %(name)s client %(client)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": _log_level},
    # Django's own console handler on `django` (on with DEBUG) would print each of its lines
    # a second time beside ours: its lines go to the root's handler only. (runserver's
    # request lines, `django.server`, keep their own handler and do not propagate.)
    "loggers": {"django": {"handlers": [], "level": _log_level, "propagate": True}},
}

# Newsroom's own settings.
NEWSROOM_SITE_NAME = env("SITE_NAME", "Newsroom")
NEWSROOM_SITE_TAGLINE = env("SITE_TAGLINE", _("Technology news, reported."))
# Teasers are cut at a word boundary near this many words.
NEWSROOM_TEASER_WORDS = env_int("TEASER_WORDS", 55)
NEWSROOM_STORIES_PER_PAGE = env_int("STORIES_PER_PAGE", 12)
NEWSROOM_PREVIEW_HOURS = env_int("PREVIEW_HOURS", 48)
# Trashed stories can be restored for this many days, then they are deleted for good.
NEWSROOM_TRASH_DAYS = env_int("TRASH_DAYS", 30)
# Autosaved drafts untouched this long are deleted by the clock's hourly job.
NEWSROOM_DRAFTS_KEEP_DAYS = env_int("DRAFTS_KEEP_DAYS", 30)
NEWSROOM_PHOTO_MAX_MB = env_int("PHOTO_MAX_MB", 25)
NEWSROOM_PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_MEGAPIXELS", 60) * 1_000_000
# Uploads are decoded in a process of their own held to this much address space, and to this
# many seconds per step (articles/imaging.py). A JPEG, PNG or AVIF of the most pixels allowed
# above fits both with room to spare, a WebP up to about 45 megapixels; docs/operators-guide.md
# has the measurements. Raise the memory with PHOTO_MAX_MEGAPIXELS.
NEWSROOM_PHOTO_MEMORY_MB = env_int("PHOTO_MEMORY_MB", 768)
NEWSROOM_PHOTO_SECONDS = env_int("PHOTO_SECONDS", 10)
# Renditions in AVIF beside WebP and JPEG, where Pillow can write it; 0 turns it off.
NEWSROOM_PHOTO_AVIF = env_bool("PHOTO_AVIF", True)
# import_content reads each JSON file of an archive (content.json is the big one) into memory
# whole: past this size it refuses the archive before reading it.
NEWSROOM_ARCHIVE_MAX_JSON_MB = env_int("ARCHIVE_MAX_JSON_MB", 256)
NEWSROOM_FEED_FULL_TEXT = env_bool("FEED_FULL_TEXT", False)
NEWSROOM_SEARCH_CONFIG = env("SEARCH_CONFIG", "english")

# Content events and the task engine (events/, newsroom/celery.py): Celery with its broker
# here (Redis: redis://host:6379/1). Empty: no broker, no worker; each event's handlers run in
# the process that recorded it, after commit (`make run`, tests).
NEWSROOM_TASKS_BROKER_URL = env("TASKS_BROKER_URL", "")
# A delivery sent but not done after this many seconds is sent again by the relay (the clock);
# a failing one is retried after 1, 2, 4... times this, at most every 6 hours.
NEWSROOM_EVENTS_RETRY_SECONDS = env_int("EVENTS_RETRY_SECONDS", 60)
# Modules with @events.handler functions besides every app's handlers.py (comma list).
NEWSROOM_EVENT_HANDLERS = env_list("EVENT_HANDLERS", "")
# The clock looks for new work this often (it wakes at an instant due sooner by itself).
NEWSROOM_CLOCK_POLL_SECONDS = env_int("CLOCK_POLL_SECONDS", 2)
# A clock that starts records the instants it missed up to this many hours back.
NEWSROOM_CLOCK_CATCH_UP_HOURS = env_int("CLOCK_CATCH_UP_HOURS", 72)
CELERY_BROKER_URL = NEWSROOM_TASKS_BROKER_URL or "memory://"
# A task is acknowledged once done, so a worker killed mid-task leaves it to the broker (and
# the relay) to hand out again; one message at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending gives up fast when the broker is down: the event is safe in the outbox already.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The content API (/api/v1/): open to any site's scripts for reading, a budget per client.
NEWSROOM_API_RATE = env("API_RATE", "600/m")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]

# The site's own address, for links in what leaves it without a request (webhook payloads).
# Defaults to https:// and the first ALLOWED_HOSTS name (http://localhost:8000 with DEBUG).
NEWSROOM_SITE_URL = env(
    "SITE_URL",
    "http://localhost:8000"
    if DEBUG
    else (f"https://{ALLOWED_HOSTS[0].lstrip('.')}" if ALLOWED_HOSTS else "http://localhost"),
).rstrip("/")

# Webhooks (webhooks/): delivery timeouts, how long a delivery is retried and when a failing
# subscription is switched off; and which receivers may be addressed at all (no SSRF: the site
# itself, loopback and private networks are refused unless allowed here; docs/operators-guide.md).
WEBHOOKS_CONNECT_TIMEOUT = env_int("WEBHOOKS_CONNECT_TIMEOUT", 3)
WEBHOOKS_TIMEOUT = env_int("WEBHOOKS_TIMEOUT", 10)
WEBHOOKS_RETRY_HOURS = env_int("WEBHOOKS_RETRY_HOURS", 24)
WEBHOOKS_DISABLE_AFTER = env_int("WEBHOOKS_DISABLE_AFTER", 5)
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", DEBUG)
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", DEBUG)
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_ALLOWED_HOSTS = env_list("WEBHOOKS_ALLOWED_HOSTS", "")
