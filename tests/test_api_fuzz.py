"""Property-based run of the service's own OpenAPI spec (schemathesis): no input may cause a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from serving.api.app import create_app
from serving.api.settings import Settings
from tests.test_api import FakePredictor

app = create_app(Settings(max_wait_ms=0), loader=FakePredictor)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
