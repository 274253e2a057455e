# voice311 gateway image: Debian's Python, the project installed into a virtual environment,
# run as an unprivileged user under gunicorn. State (the SQLite file, the models built from the
# city's streets) lives in the volume /var/lib/voice311; point IVR_DATABASE_URL at PostgreSQL
# to run several containers. One web process by default: IVR_WEB_WORKERS=N runs N, and then
# IVR_SECRET_KEY must be set (the gateway refuses to start without it, exit code 2), so that
# every process accepts the staff sessions of the others.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    IVR_HOST=0.0.0.0 \
    IVR_PORT=8311 \
    IVR_DATABASE_URL=sqlite:////var/lib/voice311/voice311.db

RUN groupadd --system voice311 \
 && useradd --system --gid voice311 --home-dir /var/lib/voice311 --create-home voice311

WORKDIR /opt/voice311
# The dependencies first, pinned to the versions the tests ran with (scripts/lock_requirements.py),
# in a layer of their own; then voice311 itself, without letting pip choose anything.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY ivr ./ivr
COPY flows ./flows
COPY speech ./speech
RUN /opt/venv/bin/pip install --no-deps . \
 && /opt/venv/bin/pip check

USER voice311
WORKDIR /var/lib/voice311
VOLUME /var/lib/voice311
EXPOSE 8311
# Healthy once /readyz answers 200: the store migrated, the gazetteer loaded and the
# recognition workers' models warm (about 30 s on an idle 2-core machine, 51 s with a
# 73,000-point city, minutes on a busy one; docs/operations.md). A 503 during the start period
# does not count against the container; /healthz is the liveness probe for orchestrators.
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 CMD ["/opt/venv/bin/python", "-c", "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ['IVR_PORT'], timeout=4)"]
# `ivr serve` migrates the store, loads the sample gazetteer into an empty one, then runs the
# app under gunicorn (gthread workers). `docker stop` sends SIGTERM and waits 10 s: the gateway
# ends its event streams, finishes the requests in hand (5 s at most) and stops its
# recognition workers meanwhile. Its log lines are JSON on standard error.
STOPSIGNAL SIGTERM
CMD ["/opt/venv/bin/ivr", "serve"]
