#!/usr/bin/env python
"""Django's command-line utility for Newsroom."""

import os
import sys


def main():
    # Production defaults here as in newsroom.wsgi (DEBUG off): operators run these commands
    # on the live site. Local work says DEBUG=1 (the Makefile's local targets do).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
