"""API tokens: shown once, kept as a digest, scoped, revocable; on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select

from skillgym.envs.core.errors import RequestError
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.models import ApiToken
from skillgym.hub_server.scores.tokens import TokenStore, digest


@pytest.fixture
def tokens(database_url):
    database = Database.open(database_url)
    yield TokenStore(database)
    database.close()


def test_a_created_token_authenticates_with_its_name_and_scopes(tokens):
    record, secret = tokens.create("alice", ["submit"])
    principal = tokens.authenticate(secret)
    assert (principal.name, principal.scopes, principal.token_id) == (
        "alice",
        frozenset({"submit"}),
        record.id,
    )
    assert principal.can("submit") and not principal.can("admin")


def test_the_database_keeps_a_digest_never_the_secret(tokens):
    _, secret = tokens.create("alice", ["submit", "admin"])
    with tokens.database.session() as session:
        row = session.scalars(select(ApiToken)).one()
        stored = " ".join(str(v) for v in vars(row).values())
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    assert row.digest == digest(secret)


@pytest.mark.parametrize(
    "forged",
    ["", "sgk_", "Bearer x", "sgk_nope_nope", "sgk_{id}_wrongsecret", "{secret}x", "{secret}"],
)
def test_anything_but_the_exact_token_is_refused(tokens, forged):
    record, secret = tokens.create("alice", ["submit"])
    # the last case: the secret with its last character changed
    last = "A" if secret[-1] != "A" else "B"
    text = forged.format(
        id=record.id, secret=secret[:-1] + last if forged == "{secret}" else secret
    )
    assert tokens.authenticate(text) is None


def test_a_revoked_token_is_refused_and_listed_as_revoked(tokens):
    record, secret = tokens.create("alice", ["submit"])
    assert tokens.revoke(record.id)
    assert tokens.authenticate(secret) is None
    assert not tokens.revoke(record.id)  # once
    listed = tokens.list()
    assert [(r.id, r.revoked_at is not None) for r in listed] == [(record.id, True)]


@pytest.mark.parametrize(
    ("name", "scopes"), [("alice", []), ("alice", ["root"]), ("  ", ["submit"])]
)
def test_a_token_needs_a_name_and_known_scopes(tokens, name, scopes):
    with pytest.raises(RequestError, match="Expects"):
        tokens.create(name, scopes)
