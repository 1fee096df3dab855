"""Errors in OpenAI's shape, {"error": {"message", "type", "code"}}, with the
status each deserves: our AssistantErrors, FastAPI's validation errors and
Starlette's 404/405 all answered the same way."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import AssistantError, EmptyLibraryError, IngestError, QuestionError

from . import openai_format as oa

log = logging.getLogger("api")


class ApiError(Exception):
    """An error answered in OpenAI's shape: {"error": {"message", "type", "code"}}."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.headers = status, message, type_, code, headers


def error_response(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, OpenAI-shaped body and headers for any exception."""
    if isinstance(exc, ApiError):
        return exc.status, oa.error_body(exc.message, exc.type, exc.code), exc.headers
    if isinstance(exc, QuestionError):
        return 400, oa.error_body(str(exc), "invalid_request_error", "invalid_question"), None
    if isinstance(exc, EmptyLibraryError):
        return 409, oa.error_body(str(exc) + " Or upload articles: POST /v1/documents.", "invalid_request_error",
                                  "empty_library"), None
    if isinstance(exc, IngestError):
        return 400, oa.error_body(str(exc), "invalid_request_error", "ingest_failed"), None
    if isinstance(exc, AssistantError):
        log.error("%s: %s", type(exc).__name__, exc)
        return 500, oa.error_body(f"{exc} (This must be fixed on the server.)", "server_error",
                                  type(exc).__name__), None
    log.error("Unexpected error", exc_info=exc)
    return 500, oa.error_body("Internal error; the details are in the server log.", "server_error", None), None


def install_handlers(app: FastAPI) -> None:
    def respond(exc: Exception) -> JSONResponse:
        status, body, headers = error_response(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors()[:3]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
        code = "invalid_json" if any(e.get("type") == "json_invalid" for e in exc.errors()) else "invalid_request"
        message = "The request body is not valid JSON." if code == "invalid_json" else (
            "Invalid request: " + "; ".join(problems) + ".")
        return JSONResponse(oa.error_body(message, "invalid_request_error", code), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        message = {404: f"No route {request.url.path}.", 405: f"{request.method} is not allowed on {request.url.path}."
                   }.get(exc.status_code, str(exc.detail))
        return JSONResponse(oa.error_body(message, "invalid_request_error", code), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return respond(exc)
