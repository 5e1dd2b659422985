# The cpom application image: API (uvicorn), worker (python -m cpom.worker) and CLI.
# Two stages: the first installs the project and compiles it, the second carries the result,
# without pip's work, onto the libraries the documents need; it runs as user nobody.

FROM python:3.11-slim AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/cpom
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cpom cpom
COPY workflows workflows
COPY activities activities
COPY api api
COPY templates templates
# The project without its `local` extra: no Temporal dev server or test server in production.
RUN /opt/cpom/bin/pip install --editable . \
    # The bytecode, compiled once here: the workflow sandbox imports the workflow's module for
    # every contract, and user nobody cannot write it at run time (PYTHONDONTWRITEBYTECODE).
    && /opt/cpom/bin/python -m compileall -q cpom workflows activities api

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/cpom/bin:$PATH
# WeasyPrint prints the documents with Pango and HarfBuzz; the fonts ship in cpom/fonts.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
# The same paths as in the build stage: the editable install points at /app.
COPY --from=build /opt/cpom /opt/cpom
COPY --from=build /app /app
WORKDIR /app
USER nobody
CMD ["uvicorn", "--factory", "api.main:app_factory", "--host", "0.0.0.0", "--port", "8000"]
