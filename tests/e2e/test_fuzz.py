"""Fuzz the API from its OpenAPI schema against the real stack: bad input is a 4xx, never 5xx."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.core.result import Err, Ok

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


# One test per operation, named after it: schemathesis's own parametrization names them all
# alike, and a parallel run that groups tests by file (pytest-xdist's loadfile) ran only one.
def _operation(result: Ok[Any] | Err[Any]) -> Any:
    """The operation; one the schema describes wrongly fails the collection."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok()


OPERATIONS = [_operation(result) for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_input_makes_the_api_fail(operation: Any, stack: tuple[str, str]) -> None:
    api, token = stack

    # Valid input and invalid input both, as schemathesis's own tests draw them.
    @given(case=strategies.one_of([operation.as_strategy(mode) for mode in GenerationMode]))
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def no_server_error(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"

    no_server_error()
