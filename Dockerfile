# policygen's HTTP service (and, with the same image, a Dask worker for `policygen batch
# --scheduler`). Build: docker build -t policygen .   Run: docker run -p 8000:8000 policygen
# Stateless: run as many replicas as the load needs behind a load balancer; see
# docs/deploy/kubernetes.yaml and README's "Scaling out".
FROM python:3.11-slim-bookworm

# The fonts the documents are set in (Noto CJK: 宋体/黑体-like faces; Liberation Serif, Times New
# Roman's metrics, for English text), HarfBuzz subsetting for
# small CJK PDFs, Pango for the WeasyPrint engine, fontconfig to find the faces.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fonts-noto-cjk fonts-liberation2 fontconfig libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && fc-cache -f

WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY src ./src
# Dask's settings for a policygen cluster (README, "Scaling out"), read from /etc/dask by the
# image's `dask scheduler` and `dask worker`.
RUN pip install --no-cache-dir '.[cluster]' \
 && mkdir -p /etc/dask && cp src/policygen/batch/dask.yaml /etc/dask/policygen.yaml \
 && rm -rf /src

# Not root: the service needs no privilege, and a template or profile bug gains none.
RUN useradd --system --uid 10001 --home-dir /home/policygen --create-home policygen
USER 10001
WORKDIR /home/policygen

ENV PYTHONUNBUFFERED=1 \
    POLICYGEN_PDF_ENGINE=typst
EXPOSE 8000

# Liveness for `docker run` and compose; Kubernetes uses its own probes (/health/live,
# /health/ready). The image has no curl: Python asks.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]

# uvicorn finishes the requests in flight on SIGTERM (docker stop, a rolling update): give it
# `docker stop -t 130` or terminationGracePeriodSeconds ≥ the request time-out (120 s) + 5.
STOPSIGNAL SIGTERM
CMD ["policygen", "serve", "--host", "0.0.0.0", "--port", "8000"]
