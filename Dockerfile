# One image for the API and the workers: `hourglass serve` or `hourglass worker`.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY api ./api
COPY workers ./workers
COPY sandbox ./sandbox
COPY hourglass ./hourglass
COPY migrations ./migrations
RUN pip install . && useradd --system --uid 10001 hourglass
USER hourglass
ENV HOURGLASS_HOST=0.0.0.0
# No secret is baked in: pass HOURGLASS_SECRET_KEY (32+ random characters) at run time; serve, worker
# and migrate refuse to start without it. /metrics needs HOURGLASS_METRICS_TOKEN (404 without it).
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status!=200)"
CMD ["hourglass", "serve"]
