"""`manage.py invite_2fa <username>`: an invitation link to set up two-factor sign-in.

The way in for the first operator after `createsuperuser` (nobody can issue invitations from
the user admin before someone has signed in with a code), and for anyone locked out with no
admin at hand. Whoever can run manage.py already holds the keys to the site.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp import user_has_device

from newsroom import twofactor


class Command(BaseCommand):
    help = "Print a single-use link with which a staff account sets up its authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the account's apps first (a lost or replaced phone).",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="The site's address the link starts with (default: %(default)s).",
        )

    def handle(self, *args, username, reset, base_url, **options):
        User = get_user_model()
        user = User.objects.filter(
            **{User.USERNAME_FIELD: username}, is_staff=True, is_active=True
        ).first()
        if user is None:
            raise CommandError(f"No staff account {username!r} (active, with staff status).")
        if not reset and user_has_device(user, confirmed=True):
            raise CommandError(
                f"{username} already has an authenticator app; use --reset to replace it."
            )
        token = (twofactor.reset if reset else twofactor.invite)(user=user)
        link = base_url.rstrip("/") + twofactor.enrolment_path(token)
        self.stdout.write(
            f"Sign in as {username}, then open this link (it works once, for "
            f"{settings.NEWSROOM_2FA_INVITATION_HOURS} hours):\n{link}"
        )
