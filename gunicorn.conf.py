"""Gunicorn settings for production (``make serve``; ``gunicorn -c gunicorn.conf.py``).

Everything here can be changed with environment variables, so one file serves a laptop, a single
VM with SQLite and several app servers in front of PostgreSQL (docs/deployment.md):

- ``SURVEY_BIND``     address to listen on, default ``127.0.0.1:8000`` (a reverse proxy in front
                      terminates TLS; ``unix:/run/survey/survey.sock`` works too)
- ``SURVEY_WORKERS``  processes, default one per core with gevent (``2 * cores + 1`` with
                      gthread), at most 8
- ``SURVEY_WORKER_CLASS`` ``gevent`` (the default) or ``gthread``
- ``SURVEY_WORKER_CONNECTIONS`` connections per gevent worker, default 1000
- ``SURVEY_THREADS``  threads per process with ``gthread``, default 4
- ``SURVEY_TIMEOUT``  seconds a request may take before its worker is restarted, default 30
- ``SURVEY_MAX_REQUESTS`` requests after which a worker is replaced, default 50000 (0: never)
- ``SURVEY_ACCESS_LOG`` where the access log goes: ``-`` (standard output, the default), a file,
                      or empty for none

The application's own settings (database, secret key, proxies) are the ``SURVEY_*`` variables
read by survey/web/config.py.
"""
import multiprocessing
import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "survey.wsgi:app"
proc_name = "kim-survey"
bind = [os.environ.get("SURVEY_BIND", "127.0.0.1:8000")]

# Worker model: "gevent", many connections per process, each in a greenlet. Phones on prepaid
# mobile networks are slow to send their forms, and a client may be slow on purpose: with
# threads ("gthread") every slow connection holds a thread, and 20 of them made 3 workers x 4
# threads answer nobody (measured with gunicorn 27, docs/reliability.md); a greenlet waiting for
# a slow client costs a few kilobytes and holds up no one. What would stop a worker's greenlets
# is kept out of them: SQLite waits for its write lock in Python (survey.store.db), background
# exports run in a process of their own (survey.exports.jobs), a long CSV download yields
# between pieces; psycopg cooperates with gevent by itself. Processes give the parallelism past
# the GIL. Every worker is stateless: drafts, sessions' server-side state and rate-limit counters
# live in the database, so any worker (or any host) may answer any request.
worker_class = os.environ.get("SURVEY_WORKER_CLASS", "gevent")
worker_connections = _int_env("SURVEY_WORKER_CONNECTIONS", 1000)
# gevent: one process per core. A greenlet waiting for a client or the database holds up no one,
# so processes are only for CPU, and more of them than cores only share the cores while each
# loads the app at start (5 workers on 2 cores: about 3 s to the first answer, 2 workers: 1.3 s,
# docs/performance.md "Start-up"). gthread: 2 * cores + 1, gunicorn's rule of thumb for blocking
# threads. The cap keeps memory bounded on large machines and keeps SQLite's single writer from
# being queued by dozens of processes (for more, use PostgreSQL and more hosts).
_cores = multiprocessing.cpu_count()
_default_workers = _cores if worker_class == "gevent" else 2 * _cores + 1
workers = max(1, _int_env("SURVEY_WORKERS", min(_default_workers, 8)))
threads = max(1, _int_env("SURVEY_THREADS", 4))

# A respondent page needs milliseconds; 30 s only catches a stuck worker (the SQLite busy
# timeout is 5 s, so a locked database answers with the friendly 503 page long before this).
timeout = _int_env("SURVEY_TIMEOUT", 30)
# On SIGTERM (systemd stop, container stop) workers finish the requests they have, for up to
# this long, so an answer being submitted at shutdown is stored or refused, never half-done.
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (gracefully, staggered) so slow memory growth cannot accumulate.
# Not too often: a new worker loads the app (about a second of CPU) and warms up; a worker's
# memory stayed flat over 18,000 requests (docs/deployment.md).
max_requests = _int_env("SURVEY_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 10
# Each worker opens its own database connections after the fork (SQLAlchemy engines must not be
# shared between processes), so the app is loaded per worker.
preload_app = False

# Request size limits at the HTTP layer; the application limits bodies itself
# (SURVEY_MAX_CONTENT_LENGTH, 1 MB) and answers with a friendly page.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Logging: no client address, no user agent, no referrer, and no query string (%(U)s is the
# path only). Never add %(h)s, %(a)s, %(f)s, %(r)s, %(q)s or {...}i header fields here.
# Fields: time, method, path, protocol, status, body bytes, duration in ms.
accesslog = os.environ.get("SURVEY_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("SURVEY_LOG_LEVEL", "info")
# Gunicorn's own error messages about malformed requests name the client address; this logger
# removes it (survey/web/gunicorn_logging.py).
logger_class = "survey.web.gunicorn_logging.PrivacyLogger"

# Forwarded headers: gunicorn trusts nobody's; the application alone decides, with
# SURVEY_PROXY_COUNT, how many proxies' X-Forwarded-Proto/Host to believe, and reads the address
# in X-Forwarded-For only to turn it into a rate-limit token (survey/web/clients.py). One switch
# instead of two that could disagree.
forwarded_allow_ips = ""

# The rate-limit tokens' seed is made here, in the master process, so that every worker forked
# from it gives a client the same token (it is never written anywhere; a restart makes a new one).
import survey.web.clients  # noqa: E402, F401
proxy_protocol = "off"

# No runtime control socket: signals (HUP, TERM) are enough, and several instances on one host
# would otherwise fight over the same default socket path.
control_socket_disable = True


def post_worker_init(worker) -> None:  # noqa: ANN001 - gunicorn's hook signature
    """The application is loaded: move everything it created so far (modules, templates,
    catalogues) out of the garbage collector's view. They live as long as the worker, and
    scanning them again on every collection cost a fifth of a short request's CPU time."""
    import gc

    gc.collect()
    gc.freeze()
