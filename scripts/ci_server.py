"""A real mesodesk server for the CI checks: a fresh database, a bearer token, gunicorn.

Used by scripts/fuzz_api.py (schemathesis over the OpenAPI document) and scripts/killtest.py
(kill -9 in the middle of concurrent writes). Everything runs on 127.0.0.1 in a temporary
directory; nothing touches var/.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

TOKEN_SNIPPET = """
from mesodesk.accounts.actor import actor_for_membership
from mesodesk.accounts.models import Membership
from mesodesk.accounts.services import api_token_issue
membership = Membership.objects.select_related("clinic", "user").filter(
    role="practitioner", user__email="practitioner@demo.mesodesk.test"
).order_by("clinic__name").first()
print(api_token_issue(actor=actor_for_membership(membership), name="ci", days=1).raw_key)
"""


IDS_SNIPPET = """
import json
from django.apps import apps
from django.core.exceptions import FieldError
from mesodesk.accounts.models import Membership
clinic = Membership.objects.filter(
    role="practitioner", user__email="practitioner@demo.mesodesk.test"
).order_by("clinic__name").first().clinic
MODELS = {
    "patient_id": ["patients.Patient"], "condition_id": ["patients.Condition"],
    "medication_id": ["patients.Medication"], "allergy_id": ["patients.Allergy"],
    "link_id": ["patients.IntakeLink"], "submission_id": ["patients.IntakeSubmission"],
    "product_id": ["catalog.Product"], "lot_id": ["catalog.Lot"],
    "protocol_id": ["catalog.Protocol"], "screening_id": ["screening.Screening"],
    "plan_id": ["treatments.TreatmentPlan"], "line_id": ["treatments.MixLine"],
    "session_id": ["sessions.TreatmentSession", "treatments.TreatmentSession"],
    "point_id": ["sessions.InjectionPoint", "treatments.InjectionPoint"],
    "template_id": ["consent.ConsentTemplate"], "consent_id": ["consent.Consent"],
}
ids = {}
for name, labels in MODELS.items():
    for label in labels:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        for scope in ("clinic", "patient__clinic", "plan__clinic", "session__clinic"):
            try:
                rows = model.objects.filter(**{scope: clinic})
                if any(f.name == "status" for f in model._meta.fields):
                    rows = rows.order_by("-status")  # draft before active and published
                found = rows.values_list("pk", flat=True).first()
            except FieldError:
                continue
            if found is not None:
                ids[f"path.{name}"] = str(found)
            break
        break
print(json.dumps(ids))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(var_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a production-like server on plain HTTP at 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        {
            "SECRET_KEY": "ci-only-" + "x" * 50,
            "DEBUG": "0",
            "MESODESK_TESTING": "0",
            "MESODESK_VAR_DIR": str(var_dir),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(var_dir / "static"),
            "API_RATE": "1000000/m",
            "LOG_LEVEL": "ERROR",  # every 4xx is expected here; a 500 still logs its traceback
            "HUEY_IMMEDIATE": "0",
            "GUNICORN_ACCESS_LOG": str(var_dir / "access.log"),
            "GUNICORN_ERROR_LOG": str(var_dir / "error.log"),
        }
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return done.stdout


def object_ids(env: dict[str, str]) -> dict[str, str]:
    """`path.<name>_id` -> the id of a real object of the token's clinic, per path parameter."""
    return dict(json.loads(manage(env, "shell", "-c", IDS_SNIPPET).strip().splitlines()[-1]))


def prepare(env: dict[str, str], *, patients: int = 30) -> str:
    """Migrates, seeds the demo clinics and returns a practitioner's bearer token."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")  # production's manifest storage needs it
    manage(env, "seed_demo", "--if-empty", "--patients", str(patients), "--clinics", "2")
    return manage(env, "shell", "-c", TOKEN_SNIPPET).strip().splitlines()[-1]


def start(
    env: dict[str, str], port: int, *, workers: int = 2, threads: int = 4
) -> subprocess.Popen[bytes]:
    """gunicorn with the shipped gunicorn.conf.py, in its own process group."""
    env = dict(
        env,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
    )
    # The application's own log (tracebacks of any 500) goes beside the database.
    with open(Path(env["MESODESK_VAR_DIR"]) / "server.log", "ab") as log:
        process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "mesodesk.wsgi"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited at start; see its error log")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """kill -9 to gunicorn's master and every worker at once, as a power cut would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_hard(process)
