"""``ModelRoute``: a route whose endpoint takes a protocol model and returns one.

FastAPI documents the route from its endpoint's signature (path parameters, the body
model, the returned model) and the same endpoint serves every request, as a plain ASGI
app: the raw body is validated by its model (``model_validate_json``) and the answer
is the returned model's JSON. What is left out is FastAPI's per-request machinery
(the request object, dependency solving, body decoding, response model checks, exit
stacks): for reset and step, the protocol's hot path, it cost more server time than
the environment's own step. Errors raised go up to the app's exception handlers.
"""

from __future__ import annotations

from typing import Any, get_type_hints

from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import Receive, Scope, Send

from skillgym.hub_server.errors import validation_failure


class ModelRoute(APIRoute):
    """A route whose endpoint is ``async (**path_params, body, sessions) -> BaseModel``.

    An endpoint that also takes ``principal`` (declared ``PrincipalDep``, so the schema
    shows no such field) gets the caller's token as the auth middleware noted it.

    Example:
        >>> from fastapi import APIRouter
        >>> from skillgym.envs.core.protocol import StepRequest
        >>> async def echo(body: StepRequest, sessions: object) -> StepRequest:
        ...     return body
        >>> router = APIRouter()
        >>> router.add_api_route("/echo", echo, methods=["POST"], route_class_override=ModelRoute)
        >>> type(router.routes[0]).__name__
        'ModelRoute'
    """

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        hints = get_type_hints(endpoint, include_extras=True)
        body_model: type[BaseModel] = hints["body"]
        self._takes_principal = "principal" in hints
        # The model's core validator, called directly: model_validate_json's Python
        # wrapper costs half as much again on the hot path.
        self._validate_json = body_model.__pydantic_validator__.validate_json
        self._start = {
            "type": "http.response.start",
            "status": self.status_code or 200,
        }
        self.app = self._serve

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or answer 405 for another method (as every route does)."""
        if scope["method"] in (self.methods or ()):
            await self._serve(scope, receive, send)
        else:
            await super().handle(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = self._validate_json(await _read_body(receive))
        except ValidationError as exc:
            raise validation_failure(exc) from None
        extra = {}
        if self._takes_principal:  # noted by TokenAuthMiddleware, or None
            extra["principal"] = scope.get("state", {}).get("principal")
        answer: BaseModel = await self.endpoint(
            **scope["path_params"], body=body, sessions=scope["app"].state.sessions, **extra
        )
        content = answer.__pydantic_serializer__.to_json(answer)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
        ]
        await send({**self._start, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
