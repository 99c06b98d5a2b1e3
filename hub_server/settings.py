"""The server's settings, and its images': typed, from arguments or ``SKILLGYM_*`` variables.

``skillgym serve`` takes one option per field (``skillgym.serve_options``), so a setting
added here is a command-line option too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from skillgym.envs.core.settings import CatalogSettings, SkillGymSettings
from skillgym.hub_server.scores.database import default_database_url

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ImageSettings(SkillGymSettings):
    """Where ``skillgym images build`` keeps what it reuses between builds.

    Example:
        >>> ImageSettings(cache="/srv/cache").cache
        PosixPath('/srv/cache')
    """

    cache: Path | None = Field(
        default=None,
        description="Where image builds keep what they reuse: the wheelhouse of the "
        "dependencies, the skillgym wheels, the build contexts, and the base images' root "
        "file systems; default: $XDG_CACHE_HOME/skillgym, else ~/.cache/skillgym.",
    )


class ServerSettings(CatalogSettings):
    """Limits and places for one env server, and the catalogue it serves.

    Example:
        >>> ServerSettings(max_sessions=8).max_sessions
        8
    """

    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port.")
    uds: Path | None = Field(
        default=None,
        description="Listen on this Unix socket instead of host and port (how a replica "
        "container with no network is reached).",
    )
    families: Annotated[list[str] | None, NoDecode] = Field(
        default=None,
        description="The environment families this server runs, separated by ','; "
        "default: every installed family (a family image serves its own).",
    )
    replica_provider: Literal["none", "local", "docker", "ray", "ray-docker"] = Field(
        default="none",
        description="Where sessions run: none (in this process), or on replicas this server "
        "starts and watches: local (processes), docker (a container of the family's image each), "
        "or ray / ray-docker (either, owned by Ray actors on a Ray cluster's nodes).",
    )
    replicas_per_family: int = Field(
        default=2, gt=0, description="Replicas started per family (with a replica provider)."
    )
    replica_families: Annotated[list[str] | None, NoDecode] = Field(
        default=None,
        description="Families served from replicas, separated by ','; default: every family "
        "the server runs (the others run in this process).",
    )
    replica_check_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between health checks of each replica; one that fails twice in a "
        "row is replaced and its sessions end.",
    )
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
    ws_ping_interval_s: float = Field(
        default=20.0,
        gt=0,
        description="Seconds between keep-alive pings on session WebSockets (never closing on a "
        "missing pong: a client may think for minutes between steps).",
    )
    retry_after_s: int = Field(default=2, gt=0, description="Retry-After sent with 503 when full.")
    closed_memory: int = Field(
        default=10_000, gt=0, description="Closed session ids remembered (409, not 404)."
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token required on /v1/sessions; unset: none. The clients send it when given no token.",
    )
    require_token: bool = Field(
        default=False,
        description="Require a token (any scope) on /v1/sessions even without SKILLGYM_API_TOKEN: "
        "the tokens of `skillgym tokens create`.",
    )
    database_url: str | None = Field(
        default="default",
        description="The scores database (runs, episodes, tokens): sqlite:///path or "
        "postgresql+psycopg://...; default: the SQLite file $XDG_DATA_HOME/skillgym/hub.db "
        "(~/.local/share/skillgym/hub.db); none: an env server that keeps no scores.",
    )
    artifacts_dir: Path | None = Field(
        default=None,
        description="Where verified episodes' files are kept; default: beside a SQLite "
        "database, else ~/.local/share/skillgym/artifacts.",
    )
    token_cache_s: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a checked token is trusted without asking the database; a "
        "revocation from the CLI takes effect within this time.",
    )
    rate_limit_per_s: float = Field(
        default=20.0, gt=0, description="Writes per second per token (runs, uploads, new sessions)."
    )
    rate_limit_burst: int = Field(
        default=200, gt=0, description="Writes a token may make at once before the rate applies."
    )
    allow_unauthenticated: bool = Field(
        default=False,
        description="Serve off loopback without a token (anyone reachable can run envs).",
    )

    @field_validator("families", "replica_families", mode="before")
    @classmethod
    def _names_in_a_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):  # each item may be a list too ("a,b")
            return [p.strip() for item in value for p in str(item).split(",") if p.strip()] or None
        return value

    def serves(self, family: str) -> bool:
        """Whether this server runs ``family`` (``families`` unset: every family)."""
        return self.families is None or family in self.families

    @field_validator("database_url", mode="before")
    @classmethod
    def _none_means_no_scores(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("none", "off"):
            return None
        if value == "default":  # resolved now: $XDG_DATA_HOME counts when the settings are read
            return default_database_url()
        return value

    @property
    def sessions_need_token(self) -> bool:
        """Whether /v1/sessions refuses calls without a token."""
        return self.api_token is not None or self.require_token

    def resolved_artifacts_dir(self) -> Path:
        """Where verified episodes' files go (``artifacts_dir``, or its default)."""
        if self.artifacts_dir is not None:
            return self.artifacts_dir
        url = self.database_url or ""
        if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            return Path(url.removeprefix("sqlite:///")).expanduser().parent / "artifacts"
        return Path(default_database_url().removeprefix("sqlite:///")).parent / "artifacts"

    @model_validator(mode="after")
    def _no_open_server_by_accident(self) -> ServerSettings:
        if (
            self.host not in LOOPBACK_HOSTS
            and not self.sessions_need_token
            and not self.allow_unauthenticated
        ):
            raise ValueError(
                f"Serving on {self.host} without an API token lets anyone who can reach it run "
                "environments on this machine. Set SKILLGYM_API_TOKEN (skillgym serve --token), "
                "or accept that with SKILLGYM_ALLOW_UNAUTHENTICATED=1 (--allow-unauthenticated)."
            )
        return self
