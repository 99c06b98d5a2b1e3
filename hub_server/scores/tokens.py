"""Per-user API tokens: created once, shown once, kept as a digest, revocable.

A token is ``sgk_<id>_<secret>``. The hub keeps the SHA-256 digest of the whole token
(the secret has 256 random bits, so a fast hash is enough: nothing to brute-force),
finds the row by the id, and compares digests in constant time.

Example:
    >>> from skillgym.hub_server.scores.database import Database
    >>> tokens = TokenStore(Database.open("sqlite://"))
    >>> record, secret = tokens.create("alice", ["submit"])
    >>> tokens.authenticate(secret).name
    'alice'
    >>> tokens.revoke(record.id) and tokens.authenticate(secret) is None
    True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from skillgym.envs.core.errors import RequestError
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.models import ApiToken, utcnow

SCOPES = ("submit", "admin")
PREFIX = "sgk_"


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for: a token's name and scopes."""

    name: str
    scopes: frozenset[str]
    token_id: str | None = None
    """None for the server's own token (``SKILLGYM_API_TOKEN``)."""

    def can(self, scope: str) -> bool:
        """Whether the token holds ``scope`` (``admin`` holds every scope)."""
        return scope in self.scopes or "admin" in self.scopes


@dataclass(frozen=True)
class TokenRecord:
    """A token as listed: never its secret."""

    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


def digest(token: str) -> str:
    """The SHA-256 of a token, hex: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def _record(row: ApiToken) -> TokenRecord:
    return TokenRecord(row.id, row.name, row.scopes.split(), row.created_at, row.revoked_at)


class TokenStore:
    """Create, list, revoke and check API tokens."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, name: str, scopes: list[str]) -> tuple[TokenRecord, str]:
        """A new token for ``name``: its record and its secret, which is never shown again.

        Raises:
            RequestError: An unknown scope, or no scope, or an empty name.
        """
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise RequestError(
                f"Expects scopes among {', '.join(SCOPES)}, actual values: {scopes or 'none'}"
            )
        if not name.strip() or len(name) > 200:
            raise RequestError(f"Expects a token name of 1 to 200 characters, actual: {name!r}")
        token_id = secrets.token_hex(6)
        secret = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        row = ApiToken(
            id=token_id,
            name=name.strip(),
            scopes=" ".join(s for s in SCOPES if s in scopes),
            digest=digest(secret),
            created_at=utcnow(),
        )
        with self.database.session() as session:
            session.add(row)
        return _record(row), secret

    def list(self) -> list[TokenRecord]:
        """Every token, revoked ones too, oldest first."""
        with self.database.session() as session:
            rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at)).all()
            return [_record(row) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token by id; False if there is no such token (or it was revoked)."""
        with self.database.session() as session:
            row = session.get(ApiToken, token_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a live token; None for anything else."""
        parts = token.split("_", 2)
        if len(parts) != 3 or f"{parts[0]}_" != PREFIX:
            return None
        with self.database.session() as session:
            row = session.get(ApiToken, parts[1])
            if row is None or not hmac.compare_digest(row.digest, digest(token)):
                return None
            if row.revoked_at is not None:
                return None
            return Principal(row.name, frozenset(row.scopes.split()), row.id)
