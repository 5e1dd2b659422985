"""Fuzz the API from its OpenAPI schema against the real stack: bad input is a 4xx, never 5xx."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app
from cpom.settings import Settings
from tests.e2e.stack import AGENT, cpom, cpom_up, isolated_env

schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("fuzz")
    env = isolated_env(data / "data", "cpom-fuzz")
    with cpom_up(env, Path(data / "up.log")) as api:
        token = cpom(env, *AGENT)
        cpom(env, "demo")
        yield api, token


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_api_fail(case: schemathesis.Case[Any], stack: tuple[str, str]) -> None:
    api, token = stack
    response = case.call(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
