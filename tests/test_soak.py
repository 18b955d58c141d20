"""make soak's verdict: it fails on any error and on memory that keeps growing."""

import io

import pytest
from django.core.management import CommandError

from articles.management.commands.soak import SECONDS, Command

RESULT = {"rps": 500.0, "p50_ms": 20.0, "p99_ms": 90.0, "errors": 0}


def samples(start_mb: int, end_mb: int) -> list[tuple[float, int]]:
    steps = 12
    return [
        (SECONDS * k / steps, (start_mb + (end_mb - start_mb) * k // steps) * 1024)
        for k in range(steps + 1)
    ]


def verdict(result, memory):
    command = Command(stdout=io.StringIO())
    command.report(result, memory)
    return command.stdout.getvalue()


def test_no_errors_and_flat_memory_pass():
    assert "Soak passed" in verdict(RESULT, samples(400, 404))


def test_any_error_fails():
    with pytest.raises(CommandError, match="3 errors"):
        verdict({**RESULT, "errors": 3}, samples(400, 400))


def test_memory_that_keeps_growing_fails():
    with pytest.raises(CommandError, match="memory grew"):
        verdict(RESULT, samples(400, 600))
