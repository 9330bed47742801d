"""gunicorn settings of the GovShare web container; each has an environment override."""
import os

# nginx (the only published port) proxies to this address inside the network
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:5000")

# CKAN is a synchronous Flask application: sync workers, one request each.
# A common size is 2-4 per CPU core; each worker holds a full CKAN.
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"

# Uploads of up to ckan.max_resource_size (200 MB) arrive through nginx,
# which buffers them; slow CKAN actions (bulk updates, exports) need more
# than gunicorn's default 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5

# Recycle workers now and then (bounded memory growth), staggered widely:
# nginx spreads requests evenly, so with a small jitter the workers reach
# their limit together and all reload CKAN at once (seconds of CPU each).
# At 2,000 (jitter 200) a busy portal (250 requests/s with the page cache)
# restarted all four every ~30 s and stalled for seconds each time.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "10000"))

# Each worker loads CKAN itself (no preload): loading CKAN already opens
# database connections (e.g. the site settings kept in system_info), and
# connections made in the master must not be shared by forked workers.
# A configuration that cannot load still stops the container: gunicorn exits
# when its workers fail to boot.
preload_app = False

# Only nginx talks to gunicorn (the port is not published), so trust its
# X-Forwarded-For / X-Forwarded-Proto headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")

# Logs to the container's output.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# /tmp may be a tmpfs or overlay; worker heartbeats belong in memory.
worker_tmp_dir = "/dev/shm"

# No run-time management socket (gunicorn >= 27 opens one in $HOME by
# default); the container is managed by restarting it.
control_socket_disable = True
