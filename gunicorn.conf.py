"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py mesodesk.wsgi`.

gunicorn also reads this file by itself when started from this directory. Everything can be
changed through the environment; the access log never carries query strings (patient search
terms), Referers or single-use tokens (see mesodesk/core/accesslog.py).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "mesodesk.core.accesslog.MaskingLogger"
# Address, time, "METHOD /masked/path PROTOCOL", status, bytes, milliseconds.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms'
