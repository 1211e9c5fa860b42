"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Longer than the app's own Cronofy timeouts (3.05 s connect + 10 s read, a refresh wait).
timeout = 30
graceful_timeout = 30
keepalive = 5

# Proxy trust is decided by the app alone (PROXY_COUNT, app/security/proxy.py): gunicorn
# would otherwise believe X-Forwarded-Proto from 127.0.0.1 on its own.
forwarded_allow_ips = ""

accesslog = "-"
errorlog = "-"
# %(U)s is the path without the query string: the callback's query carries the
# authorization code and state, so neither %(r)s nor %(q)s (nor the Referer, %(f)s, which can
# hold another page's query) is ever written. The request id ties a line to the app's log.
access_log_format = (
    'remote=%(h)s request_id=%({x-request-id}o)s method=%(m)s path="%(U)s" '
    'status=%(s)s bytes=%(B)s duration_ms=%(M)s agent="%(a)s"'
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AccessLogger(Logger):
    """Escape control characters in every field: a %0A in a path must not forge a log line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
            if isinstance(value, str)
            else value
            for key, value in atoms.items()
        }


logger_class = AccessLogger
