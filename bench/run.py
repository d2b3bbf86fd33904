"""Runs every benchmark in its own process, each with production-like settings."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"


def bench_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MESODESK_TESTING"}}
    env.update(
        DJANGO_SETTINGS_MODULE="mesodesk.settings",
        SECRET_KEY="benchmark-only-" + "k" * 40,
        AUDIT_HMAC_KEY="benchmark-only-audit-" + "k" * 40,
        DEBUG="0",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        SQLITE_PATH=str(database),
        STATIC_ROOT=str(BENCH_VAR / "static"),
        MESODESK_VAR_DIR=str(BENCH_VAR),
        HUEY_IMMEDIATE="1",
        LOG_LEVEL="WARNING",
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true", help="rebuild the seeded databases")
    parser.add_argument("--sizes", default="1000,100000")
    args = parser.parse_args()
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    python = sys.executable
    failures = 0
    for size in sizes:
        database = BENCH_VAR / f"patients-{size}.sqlite3"
        if args.fresh and database.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        env = bench_env(database)
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        if not _seeded(python, env):
            print(f"seeding {size} patients (once; kept in {database.name}) ...", flush=True)
            subprocess.run(
                [
                    python,
                    "manage.py",
                    "seed_demo",
                    "--patients",
                    str(size),
                    "--clinics",
                    "1",
                    "--seed",
                    "1",
                    "--no-screen",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        # Production refreshes planner statistics daily (core.tasks); do the same here.
        subprocess.run(
            [python, "manage.py", "db_optimize"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for page_bench in ("bench/web.py", "bench/web_session.py"):
            result = subprocess.run(
                [python, page_bench, "--label", f"{size:,} patients"],
                cwd=ROOT,
                env=env,
                check=False,
            )
            failures += result.returncode != 0
    for script in sorted((ROOT / "bench").glob("engine_*.py")):
        result = subprocess.run(
            [python, str(script)],
            cwd=ROOT,
            env=bench_env(BENCH_VAR / "patients-1000.sqlite3"),
            check=False,
        )
        failures += result.returncode != 0
    return 1 if failures else 0


def _seeded(python: str, env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [
            python,
            "manage.py",
            "shell",
            "-c",
            "from mesodesk.demo.seed import demo_exists; print(demo_exists())",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip().splitlines()[-1] == "True"


if __name__ == "__main__":
    sys.exit(main())
