"""deploy/varnish/newsroom.vcl under varnishtest (deploy/varnish/tests/*.vtc), with the
backends file deploy/varnish/backends.sh writes: a PURGE needs the purgers ACL, the shared
secret and no proxy in between; X-Forwarded-Proto is part of the cache key."""

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import servers
from tests.conftest import require

VCL = Path(__file__).resolve().parent.parent / "deploy" / "varnish"


@pytest.mark.parametrize("vtc", sorted((VCL / "tests").glob("*.vtc")), ids=lambda path: path.stem)
def test_vcl(vtc):
    require(servers.varnish_installed(), "varnishd is not installed (varnish varnish-modules)")
    require(shutil.which("varnishtest") is not None, "varnishtest is not installed (varnish)")
    run = subprocess.run(
        [
            "varnishtest",
            "-q",
            "-t",
            "30",
            f"-Dvcl_dir={VCL}",
            f"-Dsecret={secrets.token_urlsafe(24)}",
            str(vtc),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]


def test_backends_sh_refuses_a_missing_or_unsafe_secret():
    for secret in ("", "short", 'sixteen-chars-but-"quoted"'):
        run = subprocess.run(
            [str(VCL / "backends.sh"), "127.0.0.1:8000"],
            env={"PATH": "/usr/bin:/bin", "CDN_PURGE_SECRET": secret},
            capture_output=True,
            text=True,
        )
        assert run.returncode == 2 and "CDN_PURGE_SECRET" in run.stderr, secret
