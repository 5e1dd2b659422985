"""The compose file wires every service the README promises, with CPOM_ settings that exist."""

from pathlib import Path
from typing import Any

import yaml

import dev
from cpom.settings import ROOT, Settings

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_service_of_the_production_stack_is_there() -> None:
    assert set(COMPOSE["services"]) == {
        "temporal-db",
        "temporal",
        "temporal-search-attributes",
        "temporal-ui",
        "app-db",
        "migrate",
        "api",
        "worker",
        "mailpit",
    }
    assert COMPOSE["services"]["worker"]["deploy"]["replicas"] >= 2
    assert set(COMPOSE["volumes"]) == {"temporal-db", "app-db"}


def test_application_settings_are_real_cpom_settings() -> None:
    environment = COMPOSE["x-cpom"]["environment"]
    fields = {f"CPOM_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= fields
    assert environment["CPOM_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_image_installs_the_code_it_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in ("cpom", "workflows", "activities", "api", "templates"):
        assert f"COPY {folder} {folder}" in dockerfile
        assert Path(ROOT / folder).is_dir()


def test_image_compiles_the_workflow_module_it_cannot_write_at_run_time() -> None:
    # The sandbox imports the workflow's module for every contract; user nobody cannot write
    # its bytecode, so the image carries it.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile
    assert "USER nobody" in dockerfile
    compile_line = next(line for line in dockerfile.splitlines() if "compileall" in line)
    assert "workflows" in compile_line.split()
    assert dockerfile.index("compileall") < dockerfile.index("USER nobody")


def test_image_installs_the_libraries_that_print_documents() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in dev.DOCUMENT_PACKAGES:
        assert package in dockerfile
