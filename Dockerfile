# syntax=docker/dockerfile:1
# tjwatch: build a virtual environment with scripts/install (the command CI runs), then copy it
# into a slim runtime that runs as a non-root user with the SQLite database on the /data volume.
#   docker build -t tjwatch .
#   docker run -d --env-file .env -v tjwatch-data:/data tjwatch
# Lint: hadolint Dockerfile (run by .ci/run).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY scripts/install scripts/install
COPY bot bot
COPY storage storage
# The shipped topic (bot/topics/default.toml links to it), installed with the package.
COPY config/topics config/topics
RUN bash scripts/install /venv

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 tjwatch \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home tjwatch \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /venv /venv
COPY config /app/config
WORKDIR /app
ENV PATH=/venv/bin:$PATH \
    TJWATCH_DB=/data/tjwatch.db \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
USER 10001:10001
VOLUME ["/data"]
# 9108: /metrics when METRICS_PORT=9108; 8443: the Telegram webhook when TELEGRAM_WEBHOOK_URL is set.
EXPOSE 9108 8443
# Healthy when the last poll cycle finished within twice the poll interval and /data is writable;
# the start period leaves time for the first cycle. The timeout covers the CLI's start (about 3 s
# of imports) plus up to 10 s waiting for a poll cycle's write transaction.
HEALTHCHECK --interval=1m --timeout=30s --start-period=5m --retries=3 CMD ["tjwatch", "health"]
CMD ["tjwatch", "run"]
