"""The server's settings: typed, from arguments or ``SKILLGYM_*`` environment variables.

``skillgym serve`` takes one option per field (``skillgym.serve_options``), so a setting
added here is a command-line option too.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from skillgym.envs.core.settings import CatalogSettings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ServerSettings(CatalogSettings):
    """Limits and places for one env server, and the catalogue it serves.

    Example:
        >>> ServerSettings(max_sessions=8).max_sessions
        8
    """

    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port.")
    max_sessions: int = Field(
        default=1024, gt=0, description="Sessions held at once; more get 503."
    )
    idle_timeout_s: float = Field(
        default=300.0, gt=0, description="A session idle this long is reaped."
    )
    reap_interval_s: float = Field(default=5.0, gt=0, description="How often the reaper looks.")
    max_body_bytes: int = Field(
        default=1_048_576, gt=0, description="Larger request bodies get 413."
    )
    env_threads: int = Field(
        default=32, gt=0, description="Threads that run blocking environment code."
    )
    keep_alive_s: float = Field(
        default=65.0,
        gt=0,
        description="Idle HTTP keep-alive; longer than clients' pool expiry, so a pooled "
        "connection is never closed under a request being sent.",
    )
    inline_budget_s: float = Field(
        default=0.02,
        gt=0,
        description="A non-blocking env's call longer than this is logged: it stalls the loop.",
    )
    retry_after_s: int = Field(default=2, gt=0, description="Retry-After sent with 503 when full.")
    closed_memory: int = Field(
        default=10_000, gt=0, description="Closed session ids remembered (409, not 404)."
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token required on /v1/sessions; unset: none. The clients send it when given no token.",
    )
    allow_unauthenticated: bool = Field(
        default=False,
        description="Serve off loopback without a token (anyone reachable can run envs).",
    )

    @model_validator(mode="after")
    def _no_open_server_by_accident(self) -> ServerSettings:
        if (
            self.host not in LOOPBACK_HOSTS
            and self.api_token is None
            and not self.allow_unauthenticated
        ):
            raise ValueError(
                f"Serving on {self.host} without an API token lets anyone who can reach it run "
                "environments on this machine. Set SKILLGYM_API_TOKEN (skillgym serve --token), "
                "or accept that with SKILLGYM_ALLOW_UNAUTHENTICATED=1 (--allow-unauthenticated)."
            )
        return self
