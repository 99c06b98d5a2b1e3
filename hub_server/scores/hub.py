"""The hub's score keeping, as one object the app holds: database, stores, artifacts."""

from __future__ import annotations

from dataclasses import dataclass

from skillgym.hub_server.scores.artifacts import ArtifactStore
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.store import ScoreStore
from skillgym.hub_server.scores.tokens import TokenStore
from skillgym.hub_server.settings import ServerSettings


@dataclass
class Hub:
    """What a server that keeps scores holds (``app.state.hub``)."""

    database: Database
    scores: ScoreStore
    tokens: TokenStore
    artifacts: ArtifactStore

    @classmethod
    def open(cls, settings: ServerSettings) -> Hub | None:
        """The hub for ``settings``; None when it keeps no scores (``database_url`` none)."""
        if settings.database_url is None:
            return None
        database = Database.open(settings.database_url)
        return cls(
            database=database,
            scores=ScoreStore(database),
            tokens=TokenStore(database),
            artifacts=ArtifactStore(settings.resolved_artifacts_dir()),
        )

    def close(self) -> None:
        """Release the database's connections."""
        self.database.close()
