"""A bounded schemathesis pass over the API's OpenAPI document (issue 10, item 16).

Starts a real gunicorn on a fresh database (PostgreSQL with --database-url, else SQLite) seeded
with the demo clinics, issues a practitioner's bearer token and runs schemathesis with a fixed
seed. It fails on any 5xx and on any answer that breaks the document (undocumented status,
wrong content type, body not matching its schema).

    .venv/bin/python scripts/fuzz_api.py [--database-url postgres://…] [--max-examples 25]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ci_server import ROOT, free_port, object_ids, prepare, server_env, start, stop

SCHEMATHESIS = str(ROOT / ".venv" / "bin" / "schemathesis")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: SQLite)")
    parser.add_argument("--max-examples", type=int, default=10, help="per operation")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report-dir", default="", help="keep the NDJSON report here")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mesodesk-fuzz-") as tmp:
        var = Path(tmp)
        env = server_env(var, args.database_url)
        token = prepare(env, patients=30)
        # Real objects for the path parameters, so operations are fuzzed on existing rows
        # rather than answering 404 to random ids.
        config = var / "schemathesis.toml"
        config.write_text(
            "[parameters]\n"
            + "".join(f'"{key}" = "{value}"\n' for key, value in object_ids(env).items())
        )
        port = free_port()
        server = start(env, port, workers=2, threads=4)
        report = Path(args.report_dir or tmp) / "schemathesis.ndjson"
        try:
            done = subprocess.run(
                [
                    SCHEMATHESIS,
                    "--config-file",
                    str(config),
                    "run",
                    f"http://127.0.0.1:{port}/api/v1/openapi.json",
                    "--header",
                    f"Authorization: Bearer {token}",
                    "--checks",
                    CHECKS,
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--max-examples",
                    str(args.max_examples),
                    "--seed",
                    str(args.seed),
                    "--workers",
                    str(args.workers),
                    "--request-timeout",
                    "30",
                    "--suppress-health-check",
                    "all",
                    "--report",
                    "ndjson",
                    "--report-ndjson-path",
                    str(report),
                ],
                cwd=ROOT,
                check=False,
            )
        finally:
            stop(server)
        if done.returncode != 0:
            errors = [
                line
                for line in (var / "server.log").read_text(errors="replace").splitlines()
                if "WARNING django.request" not in line
            ]
            print("\n".join(errors[-200:]))
    print(f"fuzz_api: exit {done.returncode}, {time.monotonic() - started:.0f} s in all")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
