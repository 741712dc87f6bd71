# syntax=docker/dockerfile:1
# Build stage: a wheel-house of the project and its dependencies.
FROM python:3.12-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip
COPY pyproject.toml README.md LICENSE ./
COPY app ./app
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: no compilers, a non-root user, the migrations beside the app.
FROM python:3.12-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ADUAN_MIGRATIONS_DIR=/app/migrations ADUAN_DATA_DIR=/var/lib/aduan
# The code stays root's and read-only to the service; only its data directory is its own.
RUN groupadd --system --gid 10001 aduan \
    && useradd --system --uid 10001 --gid aduan --home-dir /app --shell /usr/sbin/nologin aduan \
    && mkdir -p /var/lib/aduan/media && chown -R aduan:aduan /var/lib/aduan
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY migrations ./migrations
# Numeric, so an orchestrator's runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["aduan", "serve", "--host", "0.0.0.0", "--port", "8000"]
