# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 tjwatch && mkdir -p /data && chown tjwatch /data
COPY --from=build /venv /venv
COPY config /app/config
WORKDIR /app
ENV PATH=/venv/bin:$PATH TJWATCH_DB=/data/tjwatch.db PYTHONUNBUFFERED=1
USER tjwatch
VOLUME ["/data"]
CMD ["tjwatch", "run"]
