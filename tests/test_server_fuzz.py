"""The OpenAPI schema fuzzed with schemathesis against a live server: whatever comes in, never a 5xx, and every
answer matches what the schema says of it (status code, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import CACHE_DIR, KEYS


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    from chatcanvas.config import Settings
    from tests.live import LiveServer

    limits = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), cache_dir=CACHE_DIR, model="tiny", api_keys=KEYS,
                      max_width=128, max_height=128, max_steps=6, max_images=2)
    with LiveServer(limits) as server:
        yield server


def operations():
    """Every operation in the schema (read from an app built just for that)."""
    from chatcanvas.config import Settings
    from chatcanvas.server import create_app

    schema = schemathesis.openapi.from_dict(create_app(Settings(cache_dir=CACHE_DIR)).openapi())
    return {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in schema.get_all_operations())}


OPERATIONS = operations()


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_no_request_makes_a_server_error(name, fuzz_server):
    operation = OPERATIONS[name]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def fuzz(case):
        response = case.call(base_url=fuzz_server.url, headers={"Authorization": "Bearer key-alice"}, timeout=60)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 content_type_conformance, response_schema_conformance])

    fuzz()


def test_every_operation_is_fuzzed():
    assert len(OPERATIONS) >= 15
