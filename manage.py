#!/usr/bin/env python
"""Django's command-line utility for Newsroom."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # manage.py is the developer's tool: local commands default to DEBUG on. Servers start
    # through newsroom.wsgi, where DEBUG stays off unless the environment turns it on.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
