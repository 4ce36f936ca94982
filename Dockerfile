# The production image: gunicorn by default; the Celery worker and beat run from the same image
# (docker-compose.yml). Static files are collected at build time; configuration comes only from the
# environment at run time (exchange/settings/production.py, .env.example).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=exchange.settings.production

# An unprivileged user. The code stays owned by root (read-only to the app); only var/ (uploads,
# beat schedule) and staticfiles/ are writable, and they exist here so that named volumes mounted
# on them inherit the ownership.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && install -d -o root -g root /app \
    && install -d -o app -g app /app/var /app/var/uploads /app/var/beat /app/staticfiles

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

USER app

# collectstatic needs the production settings to import, so it gets throw-away values that exist
# only for this command (they are not ENV, so they do not stay in the image's environment). The
# database address is one nothing serves: collectstatic never connects.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdefghij \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build:unused@127.0.0.1:1/build \
    CELERY_BROKER_URL=redis://build:6379/0 \
    REGISTRY_LOG_ORIGIN=build.invalid/log \
    REGISTRY_LOG_SIGNER_KEY=PRIVATE+KEY+build.invalid/log+0b9bc452+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    python manage.py collectstatic --noinput -v0

EXPOSE 8000

CMD ["gunicorn", "exchange.wsgi:application", "--bind=0.0.0.0:8000", "--access-logfile=-", "--capture-output", "--no-control-socket"]
