"""Every request body of the API refuses a field it does not know, naming it (one rule in
core.schemas.InSchema, so no endpoint can silently ignore what a client sent)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client

from mesodesk.core.testing import Personas, api_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _body_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is not None:
                found.append((method, path, body["content"]["application/json"]["schema"]))
    return found


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[1]
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


def _objects(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's object schema and every object schema nested in it (a mapping of free keys,
    such as the answers by question, has no named fields to check)."""
    schema = _resolve(document, schema)
    found = [schema] if "properties" in schema else []
    for sub in schema.get("properties", {}).values():
        for part in [sub, sub.get("items", {}), *sub.get("anyOf", [])]:
            if "$ref" in part or part.get("type") == "object":
                found += _objects(document, part)
            if "$ref" in part.get("items", {}):
                found += _objects(document, part["items"])
    return found


def test_every_request_body_in_the_openapi_document_forbids_unknown_fields(
    personas: Personas,
) -> None:
    document = Client().get(API + "/openapi.json").json()
    operations = _body_operations(document)
    assert len(operations) > 30
    for method, path, schema in operations:
        for obj in _objects(document, schema):
            assert obj.get("additionalProperties") is False, (method, path, obj.get("title"))


def test_an_unknown_field_in_any_body_is_a_422_naming_it(personas: Personas) -> None:
    document = Client().get(API + "/openapi.json").json()
    client = api_client(personas.practitioner)
    apps: set[str] = set()
    for method, path, _schema in _body_operations(document):
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        response = getattr(client, method)(
            url, data=json.dumps({"no_known_allergies": True}), content_type="application/json"
        )
        assert response.status_code == 422, (method, path, response.content)
        errors = response.json()["errors"]
        named = [e for e in errors if e["field"] == "no_known_allergies"]
        assert named, (method, path, errors)
        assert "Unknown field" in named[0]["message"]
        apps.update(document["paths"][path][method]["tags"])
    # patients, screening, catalog, plans, consent and sessions: every app's router
    assert len(apps) >= 6, apps
