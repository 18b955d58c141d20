"""What commands that read or write content need of the database before they start."""

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def require_migrated(using: str = DEFAULT_DB_ALIAS) -> None:
    """Stop with one line (exit 2) unless every migration is applied: a command run on a
    new or not yet upgraded database otherwise dies half-way in a traceback about a missing
    table or column."""
    try:
        executor = MigrationExecutor(connections[using])
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        reason = " ".join(str(error).split())
        raise CommandError(
            f"Cannot read the database ({reason}). Check DATABASE_URL.", returncode=2
        ) from None
    if missing:
        raise CommandError(
            f"The database is not migrated ({len(missing)} migrations to apply): run "
            "`manage.py migrate` first, then this command again.",
            returncode=2,
        )
