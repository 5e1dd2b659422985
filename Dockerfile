# The cpom application image: API (uvicorn), worker (python -m cpom.worker) and CLI.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# WeasyPrint prints the documents with Pango and HarfBuzz; the fonts ship in cpom/fonts.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cpom cpom
COPY workflows workflows
COPY activities activities
COPY api api
COPY templates templates
RUN pip install --no-cache-dir -e . \
    # The bytecode, compiled once here: the workflow sandbox imports the workflow's module for
    # every contract, and user nobody cannot write it at run time (PYTHONDONTWRITEBYTECODE).
    && python -m compileall -q cpom workflows activities api
USER nobody
CMD ["uvicorn", "--factory", "api.main:app_factory", "--host", "0.0.0.0", "--port", "8000"]
