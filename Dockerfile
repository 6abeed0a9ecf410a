# One image for web (gunicorn), worker and beat (Celery). See docker-compose.yml and README.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_MANIFEST=1 \
    PRIVATE_MEDIA_ROOT=/data/private_media

# WeasyPrint's system libraries (Pango, HarfBuzz subsetting) and a font for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (runtime only), so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files with hashed names (whitenoise's manifest storage), collected at build time.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data/private_media \
    && chown app /data/private_media

USER app
EXPOSE 8000

CMD ["gunicorn", "caen_accompagnement.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--access-logfile", "-"]
