"""kill -9 in the middle of concurrent API writes loses no acknowledged write (issue 10, item 16).

Starts a real gunicorn on a fresh SQLite database, fires WRITES patient registrations through
the API from THREADS client threads, kills gunicorn's whole process group with SIGKILL once
KILL_AFTER writes were acknowledged, restarts it, and checks that every write answered 2xx is
in the database with its audit event, that the audit chains verify, and that the restarted
server takes writes again. Bounded: a few hundred writes, well under a minute.

    .venv/bin/python scripts/killtest.py [--writes 300] [--kill-after 120] [--threads 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ci_server import free_port, kill_hard, manage, prepare, server_env, start, stop

CHECK_SNIPPET = """
import json, sys
from mesodesk.audit.models import AuditEvent
from mesodesk.patients.models import Patient
acked = json.load(open({path!r}))
present = {{str(p) for p in Patient.objects.filter(pk__in=acked).values_list("pk", flat=True)}}
audited = {{str(p) for p in AuditEvent.objects.filter(
    object_type__icontains="patient", object_id__in=acked, action="create"
).values_list("object_id", flat=True)}}
print(json.dumps({{"acked": len(acked), "missing": sorted(set(acked) - present),
                   "unaudited": sorted(set(acked) - audited)}}))
"""


def _register(port: int, token: str, n: int) -> str | None:
    """One registration; the new patient's id when the server acknowledged it, else None."""
    body = json.dumps(
        {"given_name": "Kill", "family_name": f"Test{n:05d}", "date_of_birth": "1980-01-01"}
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/v1/patients",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = response.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None  # the kill cut it off: not acknowledged, so it may or may not exist
    if 200 <= response.status < 300:
        return str(json.loads(payload)["id"])
    if response.status >= 500:
        raise SystemExit(f"write {n} answered {response.status}: {payload[:300]!r}")
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--kill-after", type=int, default=120)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mesodesk-killtest-") as tmp:
        var = Path(tmp)
        env = server_env(var)
        token = prepare(env, patients=5)
        port = free_port()
        server = start(env, port, workers=2, threads=4)
        acked: list[str] = []
        lock = threading.Lock()
        killed = threading.Event()

        def write(n: int) -> None:
            patient_id = _register(port, token, n)
            with lock:
                if patient_id is not None:
                    acked.append(patient_id)
                if len(acked) >= args.kill_after and not killed.is_set():
                    killed.set()
                    kill_hard(server)

        try:
            with ThreadPoolExecutor(max_workers=args.threads) as pool:
                list(pool.map(write, range(args.writes)))
        finally:
            if not killed.is_set():
                stop(server)
        if not killed.is_set():
            print("FAIL: every write finished before the kill; raise --writes", file=sys.stderr)
            return 1
        before_restart = len(acked)
        server = start(env, port, workers=2, threads=4)
        try:
            after = [_register(port, token, args.writes + i) for i in range(10)]
        finally:
            stop(server)
        if None in after:
            print("FAIL: the restarted server refused writes", file=sys.stderr)
            return 1
        acked.extend(str(a) for a in after)
        (var / "acked.json").write_text(json.dumps(acked))
        result = json.loads(
            manage(env, "shell", "-c", CHECK_SNIPPET.format(path=str(var / "acked.json")))
            .strip()
            .splitlines()[-1]
        )
        verify = manage(env, "audit_verify")
    print(
        f"killtest: {args.writes} writes from {args.threads} threads, killed after "
        f"{before_restart} acknowledged, +10 after restart; {result['acked']} acknowledged, "
        f"{len(result['missing'])} missing, {len(result['unaudited'])} without audit event; "
        f"{time.monotonic() - started:.1f} s"
    )
    print(verify.strip())
    if result["missing"] or result["unaudited"]:
        print(f"FAIL: {result}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
