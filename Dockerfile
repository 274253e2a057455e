# voice311 gateway image: Debian's Python, the project installed into a virtual environment,
# run as an unprivileged user under gunicorn. State (the SQLite file) lives in /var/lib/voice311;
# point IVR_DATABASE_URL at PostgreSQL to run several containers.
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
COPY pyproject.toml README.md ./
COPY ivr ./ivr
COPY flows ./flows
COPY speech ./speech
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install .

USER voice311
WORKDIR /var/lib/voice311
EXPOSE 8311
HEALTHCHECK --interval=30s --timeout=5s CMD ["/opt/venv/bin/python", "-c", "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['IVR_PORT'])"]
# `ivr serve` migrates the store, loads the sample gazetteer into an empty one, then runs the
# app under gunicorn (gthread workers).
CMD ["/opt/venv/bin/ivr", "serve"]
