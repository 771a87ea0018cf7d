"""The OpenAPI 3.1 document is valid, and schemathesis finds the API keeps its promises.

Schemathesis runs every built-in check it enables by default (not_a_server_error,
status_code_conformance, content_type_conformance, response_headers_conformance,
response_schema_conformance, negative_data_rejection, unsupported_method, …)
against the app, on both databases, with the `editions` data set: published,
held, cancelled and draft editions, agenda items, speakers and registrations.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from app.api.openapi import openapi_document
from tests.api.conftest import IsolatedWSGI


def test_the_document_is_valid_openapi_3_1(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document == openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_validator_would_notice_a_broken_document():
    document = openapi_document()
    document["paths"]["/api/v1/events"]["get"]["responses"]["200"] = {"content": {}}
    with pytest.raises(OpenAPIValidationError):
        validate(document)


def test_every_endpoint_is_described_with_closed_schemas_and_its_404(app):
    document = openapi_document()
    api_rules = sorted(rule.rule.replace("<slug>", "{slug}") for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/api/"))
    assert sorted(document["paths"]) == api_rules
    assert document["paths"]["/api/v1/events/{slug}"]["get"]["responses"]["404"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for name, schema in document["components"]["schemas"].items():
        assert schema["additionalProperties"] is False, name
        assert schema["required"] == list(schema["properties"]), name


# schemathesis' fixture-based loader (schemathesis.pytest.from_fixture) reads the private
# `Function._nodeid`, which pytest 9 no longer has; so the schema is the module's own
# document, and the app it talks to is the test's, plugged in by the `api_target` fixture.
TARGET = IsolatedWSGI(None)
schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = TARGET


@pytest.fixture
def api_target(app, editions, request):
    """Point schemathesis at this backend's app, with the data set in the database.

    Afterwards: the run did reach the app, and the detail was asked for the published
    and the cancelled edition (the document's examples, 200) and for slugs that do not
    exist (404).
    """
    TARGET.app, TARGET.seen = app, []
    yield
    TARGET.app = None
    statuses = {status for _, status in TARGET.seen}
    assert len(TARGET.seen) >= 10, TARGET.seen
    if "{slug}" in request.node.name:
        assert {200, 404} <= statuses, TARGET.seen
        assert {("/api/v1/events/innovationswerkstatt-7", 200),
                ("/api/v1/events/innovationswerkstatt-5", 200)} <= set(TARGET.seen)
    else:
        assert 200 in statuses


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_schemathesis_finds_nothing(case, api_target):
    case.call_and_validate()
