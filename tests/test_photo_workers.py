"""The attack that took the site down, replayed against gunicorn as `make serve` runs it: two
decompression bombs uploaded at once to a site with two workers. Before, both workers were
killed for timeout, /healthz went dark for 34 s and files were left with no photo."""

import io
import re
import threading
from pathlib import Path

import pytest
import requests
from PIL import Image

from articles import imaging
from articles.models import Photo
from tests import servers
from tests.conftest import require, uses_postgresql
from tests.test_client_address import sign_in, static_root

__all__ = ["static_root"]  # the fixture, shared with the nginx tests

PASSWORD = "correct horse battery"


@pytest.fixture
def two_worker_site(transactional_db, static_root, tmp_path):
    """gunicorn with two sync workers and its default 30 s timeout, on the test database."""
    require(uses_postgresql(), "gunicorn shares the test database, which must be PostgreSQL")
    media, log = tmp_path / "media", tmp_path / "gunicorn.log"
    env = {"REDIS_URL": "", "MEDIA_ROOT": str(media), "REQUIRE_2FA": ""}
    with servers.gunicorn(static_root=static_root, workers=2, timeout=30, env=env, log=log) as base:
        yield base, log, media


def upload(base: str, data: bytes, name: str, results: dict) -> None:
    session = requests.Session()
    assert sign_in(session, base, "photo-desk", PASSWORD) == 302
    form = session.get(f"{base}/admin/articles/photo/add/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {
        "csrfmiddlewaretoken": token,
        "caption": "A bomb.",
        "alt_text": "One colour",
        "credit_kind": "photo",
        "credit": "Drill",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "licence": "staff",
    }
    response = session.post(
        f"{base}/admin/articles/photo/add/",
        data=fields,
        files={"image": (name, data)},
        allow_redirects=False,
        timeout=120,
    )
    results[name] = response.status_code


def test_two_bombs_at_once_are_stored_and_no_worker_is_killed(two_worker_site, django_user_model):
    base, log, media = two_worker_site
    django_user_model.objects.create_superuser("photo-desk", "desk@example.com", PASSWORD)
    buffer = io.BytesIO()
    Image.new("RGB", (7680, 7680), "navy").save(buffer, "PNG")  # 59 megapixels, 190 KB
    results = {}
    threads = [
        threading.Thread(target=upload, args=(base, buffer.getvalue(), f"bomb-{n}.png", results))
        for n in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"bomb-1.png": 302, "bomb-2.png": 302}
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    assert not re.search(r"WORKER TIMEOUT|SIGKILL|was sent", log.read_text()), log.read_text()
    photos = Photo.objects.all()
    assert len(photos) == 2
    kept = {p.image.name for p in photos}
    for photo in photos:
        kept |= imaging.rendition_names(photo.renditions)
    on_disk = {str(p.relative_to(media)) for p in Path(media).rglob("*") if p.is_file()}
    assert on_disk == kept  # every file belongs to a photo
