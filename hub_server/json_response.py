"""A JSON response rendered by orjson: the step route's body is the hot path."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class FastJSONResponse(Response):
    """``JSONResponse`` with orjson (several times faster on observation dicts)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Serialise ``content``."""
        return orjson.dumps(content)
