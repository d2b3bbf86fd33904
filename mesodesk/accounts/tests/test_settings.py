"""Production settings come from the environment and pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "MESODESK_TESTING",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp2" * 10,
        ALLOWED_HOSTS="clinic.example.org",
        MESODESK_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_app_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _manage("check", MESODESK_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="k" * 60,
        MESODESK_VAR_DIR=str(tmp_path),
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_production_hashes_passwords_with_argon2(tmp_path: Path) -> None:
    result = _manage(
        "shell",
        "-c",
        "from django.contrib.auth.hashers import make_password; print(make_password('s3cret!'))",
        SECRET_KEY="k" * 60,
        MESODESK_VAR_DIR=str(tmp_path),
    )
    assert result.stdout.strip().splitlines()[-1].startswith("argon2$argon2id$"), result.stderr
