"""The one JSON error shape (`api.errors`): pinned keys, client errors as they are, faults as opaque 500s."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query

from scholarkg.api.errors import ApiError, install_error_handlers

SECRET = "database password is hunter2"


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fault")
    def fault() -> None:
        raise RuntimeError(SECRET)

    @app.get("/bad-request")
    def bad_request() -> None:
        raise ApiError.bad_request("the query is empty", code="missing-query")

    @app.get("/not-acceptable")
    def not_acceptable() -> None:
        raise ApiError.not_acceptable("SPARQL results", ["application/sparql-results+json", "text/csv"])

    @app.get("/unsupported")
    def unsupported() -> None:
        raise ApiError.unsupported_media_type("text/plain", ["application/sparql-query"])

    @app.get("/unauthorized")
    def unauthorized() -> None:
        raise ApiError.unauthorized("updates need a token")

    @app.get("/timeout")
    def timeout() -> None:
        raise ApiError.timeout("query exceeded the 2 s time limit and was stopped")

    @app.get("/bad-parameter")
    def bad_parameter() -> None:
        raise ApiError.bad_parameter("category", "unknown arXiv category 'x'")

    @app.get("/items")
    def items(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, int]:
        return {"limit": limit}

    return app


class Client:
    """A synchronous face on httpx's in-process ASGI transport (app exceptions become responses, as on a server)."""

    def __init__(self, app: FastAPI) -> None:
        self.transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://test") as client:
                return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

        return asyncio.run(send())

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def delete(self, path: str, **kwargs: object) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(make_app())


def error_of(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert list(body) == ["error"]
    error: dict[str, object] = body["error"]
    assert error["status"] == response.status_code
    assert response.headers["content-type"] == "application/json"
    return error


def test_client_error_shape_is_pinned(client: Client) -> None:
    response = client.get("/bad-request")
    assert response.status_code == 400
    assert error_of(response) == {"status": 400, "code": "missing-query", "message": "the query is empty"}


def test_422_names_the_parameter(client: Client) -> None:
    response = client.get("/bad-parameter")
    assert response.status_code == 422
    assert error_of(response) == {
        "status": 422,
        "code": "bad-parameter",
        "message": "unknown arXiv category 'x'",
        "parameter": "category",
    }


@pytest.mark.parametrize("value", ["0", "201", "many"])
def test_request_validation_is_a_422_naming_the_parameter(client: Client, value: str) -> None:
    response = client.get("/items", params={"limit": value})
    assert response.status_code == 422
    error = error_of(response)
    assert set(error) == {"status", "code", "message", "parameter"}
    assert error["code"] == "bad-parameter" and error["parameter"] == "limit"
    assert "limit" in str(error["message"])


def test_406_lists_the_acceptable_types(client: Client) -> None:
    response = client.get("/not-acceptable")
    assert response.status_code == 406
    error = error_of(response)
    assert set(error) == {"status", "code", "message", "acceptable"}
    assert error["code"] == "not-acceptable"
    assert error["acceptable"] == ["application/sparql-results+json", "text/csv"]


def test_415_lists_the_accepted_types(client: Client) -> None:
    response = client.get("/unsupported")
    assert response.status_code == 415
    error = error_of(response)
    assert error["code"] == "unsupported-media-type" and error["acceptable"] == ["application/sparql-query"]


def test_401_asks_for_a_bearer_token(client: Client) -> None:
    response = client.get("/unauthorized")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_timeout_is_503_with_retry_after(client: Client) -> None:
    response = client.get("/timeout")
    assert response.status_code == 503
    assert error_of(response)["code"] == "query-timeout"
    assert response.headers["retry-after"] == "1"


def test_unknown_route_and_wrong_method_use_the_shape(client: Client) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not-found"
    wrong = client.delete("/items")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method-not-allowed"


def test_server_fault_is_an_opaque_500(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="scholarkg.api"):
        response = client.get("/fault")
    assert response.status_code == 500
    error = error_of(response)
    assert error == {"status": 500, "code": "server-fault", "message": "internal server error (logged)"}
    assert SECRET not in response.text and "RuntimeError" not in response.text and "Traceback" not in response.text
    # …but the fault is logged, with its traceback, for the operator.
    assert any(
        SECRET in record.getMessage() or (record.exc_info and SECRET in str(record.exc_info[1]))
        for record in caplog.records
    )


def test_api_error_body_and_extras() -> None:
    error = ApiError(409, "conflict", "already there", headers={"X-A": "1"}, graph="http://g")
    assert error.body() == {
        "error": {"status": 409, "code": "conflict", "message": "already there", "graph": "http://g"}
    }
    assert error.headers == {"X-A": "1"}
    assert str(error) == "already there"
