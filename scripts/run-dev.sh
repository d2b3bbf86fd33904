#!/usr/bin/env bash
# `make run`: migrate, load the knowledge base and the demo clinic (first time only), then serve
# on http://127.0.0.1:$PORT (default 8000) with the background worker beside it.
# `make run PORT=8001` (or `PORT=8001 make run`) serves another port; SITE_URL follows it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
if [ ! -s var/secret_key ]; then
  "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
  chmod 600 var/secret_key
fi
export SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key)}"
# The audit chain's HMAC key and the backup key: outside the database (settings read the files).
if [ ! -s var/audit_hmac_key ]; then
  "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))' > var/audit_hmac_key
  chmod 600 var/audit_hmac_key
fi
if [ ! -s var/backup_key ]; then
  "$BIN/python" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' \
    > var/backup_key
  chmod 600 var/backup_key
fi
export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
case "$PORT" in
  '' | *[!0-9]*) echo "PORT must be a number, not '$PORT'." >&2; exit 2 ;;
esac
# Links in e-mails sent by the worker point at the port actually served.
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
# Development e-mail lands in files under var/mail/ so intake links can be opened from there.
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"

"$BIN/python" manage.py migrate --noinput
if "$BIN/python" manage.py help knowledge_load >/dev/null 2>&1; then
  "$BIN/python" manage.py knowledge_load
fi
"$BIN/python" manage.py seed_demo --if-empty --patients "${DEMO_PATIENTS:-60}" --clinics 2

"$BIN/python" manage.py run_huey --quiet &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo
echo "mesodesk is starting on http://127.0.0.1:$PORT  (worker pid $WORKER; e-mail goes to var/mail/)"
"$BIN/python" manage.py runserver "127.0.0.1:$PORT"
