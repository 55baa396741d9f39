# The complaint centre's one image: web, worker and beat differ only by command
# (see compose.yaml). Kept correct by reading: the machines that build this product have
# no image registry. Build: docker build -t complaints-centre .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    VAR_DIR=/data/var

# psycopg2-binary and scikit-learn ship wheels: no compiler needed. gettext only for
# compilemessages of a changed catalogue (the .mo files are committed).
RUN groupadd --system cts && useradd --system --gid cts --home-dir /app cts

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs the production profile's required settings, not their real values.
RUN SECRET_KEY=build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /data/media /data/var && chown -R cts:cts /data

USER cts
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", \
     "--timeout", "60", "--graceful-timeout", "30", \
     "--forwarded-allow-ips", "*"]
