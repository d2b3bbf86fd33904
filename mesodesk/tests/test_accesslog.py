"""The access log of gunicorn.conf.py (issue 10, item 10): paths without query strings, tokens
masked, no Referer."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from gunicorn.config import Config

from mesodesk.core.accesslog import MASK, MaskingLogger, mask_path

CONF = Path(settings.BASE_DIR) / "gunicorn.conf.py"
TOKEN = "4f1c2e0a9b8d7c6e5f4a3b2c1d0e9f8a.Xy7_kQ2mZp-LrT9vWbN3sHc"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/patients/?q=smith&page=2", "/patients/"),
        (f"/intake/{TOKEN}/", f"/intake/{MASK}/"),
        (f"/intake/{TOKEN}/?step=2", f"/intake/{MASK}/"),
        (f"/staff/invitation/{TOKEN}/", f"/staff/invitation/{MASK}/"),
        (
            "/accounts/reset/MTI/c4x9-0f1e2d3c4b5a69788796a5b4c3d2e1f0/",
            f"/accounts/reset/{MASK}/{MASK}/",
        ),
        (f"/accounts/something-new/{TOKEN}/", f"/accounts/something-new/{MASK}/"),
        (
            "/patients/0f2674c1-aa2f-43c4-a2a1-c2392630fc62/",
            "/patients/0f2674c1-aa2f-43c4-a2a1-c2392630fc62/",
        ),
        (
            "/static/css/app.3f2a1b4c5d6e7f8a9b0c1d2e.css",
            "/static/css/app.3f2a1b4c5d6e7f8a9b0c1d2e.css",
        ),
        ("/api/v1/protocol-templates", "/api/v1/protocol-templates"),
    ],
)
def test_a_logged_path_has_no_query_string_and_no_token(path: str, logged: str) -> None:
    assert mask_path(path) == logged


def _line(environ: dict[str, str]) -> str:
    conf: dict[str, Any] = runpy.run_path(str(CONF))
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = MaskingLogger(cfg)
    base = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://clinic.example.org/patients/?q=smith",
    }
    base.update(environ)
    response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=512)
    request = SimpleNamespace(headers=[("REFERER", base["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, base, dt.timedelta(milliseconds=12))
    return str(conf["access_log_format"] % logger.atoms_wrapper_class(atoms))


def test_the_access_log_line_carries_no_search_term_token_or_referer() -> None:
    line = _line(
        {
            "RAW_URI": f"/intake/{TOKEN}/?q=smith",
            "PATH_INFO": f"/intake/{TOKEN}/",
            "QUERY_STRING": "q=smith",
        }
    )
    assert f'"GET /intake/{MASK}/ HTTP/1.1" 200 512 12ms' in line
    assert "smith" not in line
    assert TOKEN not in line
    assert "example.org" not in line


def test_workers_and_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["bind"]) == (5, 4, "0.0.0.0:9000")
    assert conf["logger_class"] == "mesodesk.core.accesslog.MaskingLogger"
