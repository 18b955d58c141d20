"""`make bench`'s own parts: the yardstick every ratio is divided by."""

from django.test import RequestFactory

from newsroom.views import bench_reference


def test_the_reference_page_is_the_fixed_20_kb_the_ratios_are_measured_against():
    response = bench_reference(RequestFactory().get("/bench/reference/"))
    assert response.status_code == 200
    assert len(response.content) == 20 * 1024
    assert response.content.startswith(b"<!doctype html>")
