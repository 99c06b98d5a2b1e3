"""The score store on SQLite and on PostgreSQL alike: runs, slots, uploads, the ranking."""

import pytest

from skillgym.envs.core.errors import ForbiddenError, RunStateError
from skillgym.envs.core.protocol import EpisodeUpload, PolicyRef
from skillgym.envs.core.suites import Suite
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.seeds import verify_commitment
from skillgym.hub_server.scores.store import EpisodeResult, ScoreStore
from skillgym.hub_server.scores.tokens import Principal

SUITE = Suite(
    name="mini",
    tasks=["arithmetic/sum-list@1.0.0", "arithmetic/order-of-operations@1.0.0"],
    seeds=[0, 1],
)
ALICE = Principal("alice", frozenset({"submit"}), "a1")
BOB = Principal("bob", frozenset({"submit"}), "b2")
ADMIN = Principal("root", frozenset({"admin"}), "r3")


@pytest.fixture
def store(database_url):
    database = Database.open(database_url)
    yield ScoreStore(database)
    database.close()


def play(store, run, rewards, who=ALICE):
    """Record each slot's reward as the hub would after playing it."""
    for slot, reward in zip(run.slots, rewards, strict=False):
        claim = store.claim_slot(run.id, slot.slot, who)
        store.record(
            claim, EpisodeResult(reward=reward, success=reward == 1.0, steps=2, seconds=0.1)
        )


def verified_run(store, rewards, policy="p", version="1", who=ALICE):
    run = store.create_run(SUITE, PolicyRef(name=policy, version=version), who)
    play(store, run, rewards, who)
    store.finish_if_complete(run.id)
    return store.run(run.id)


def test_a_verified_run_plans_each_task_per_seed_and_hides_the_seeds(store):
    run = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    assert [s.task for s in run.slots] == [SUITE.tasks[0]] * 2 + [SUITE.tasks[1]] * 2
    assert run.seeds is None and run.seed_salt is None
    assert len(run.seed_commitment) == 64
    claim = store.claim_slot(run.id, 0, ALICE)
    store.record(claim, EpisodeResult(reward=1.0, success=True, steps=1, seconds=0.1))
    assert store.run(run.id).episodes[0].seed is None  # recorded, still hidden


def test_revealed_seeds_match_the_commitment_shown_at_the_start(store):
    run = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    claims = [store.claim_slot(run.id, s.slot, ALICE) for s in run.slots]
    finished = store.finish(run.id, ALICE)
    assert finished.seeds == [c.seed for c in claims]
    assert verify_commitment(finished.seed_salt, finished.seeds, run.seed_commitment)


def test_fresh_seeds_are_drawn_for_every_run(store):
    first = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    second = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    seeds = [[store.claim_slot(r.id, s, ALICE).seed for s in range(4)] for r in (first, second)]
    assert seeds[0] != seeds[1]


def test_a_slot_is_recorded_once(store):
    run = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    claim = store.claim_slot(run.id, 1, ALICE)
    store.record(claim, EpisodeResult(reward=0.0, success=False, steps=1, seconds=0.1))
    with pytest.raises(RunStateError, match="has been played"):
        store.claim_slot(run.id, 1, ALICE)
    with pytest.raises(RunStateError, match="recorded by another session"):
        store.record(claim, EpisodeResult(reward=1.0, success=True, steps=1, seconds=0.1))


def test_unplayed_slots_of_a_verified_run_score_zero(store):
    run = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    play(store, run, [1.0, 1.0])  # two of four slots
    score = store.finish(run.id, ALICE).score
    assert (score.episodes, score.mean, score.success_rate) == (4, 0.5, 0.5)


def test_the_run_finishes_when_its_last_slot_is_recorded(store):
    run = verified_run(store, [1.0, 0.0, 1.0, 0.0])
    assert run.status == "finished" and run.score.mean == 0.5
    assert run.score.ci_low <= 0.5 <= run.score.ci_high
    assert [e.seed for e in run.episodes] == run.seeds


def test_only_the_submitter_or_an_admin_plays_or_finishes_a_run(store):
    run = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    with pytest.raises(ForbiddenError, match="belongs to 'alice'"):
        store.claim_slot(run.id, 0, BOB)
    with pytest.raises(ForbiddenError):
        store.finish(run.id, BOB)
    store.claim_slot(run.id, 0, ADMIN)
    assert store.finish(run.id, ADMIN).status == "finished"


def test_a_verified_run_takes_no_uploads_and_an_unverified_one_plays_no_slots(store):
    verified = store.create_run(SUITE, PolicyRef(name="p"), ALICE)
    upload = EpisodeUpload(task=SUITE.tasks[0], reward=1.0, success=True)
    with pytest.raises(RunStateError, match="records its episodes itself"):
        store.add_episodes(verified.id, [upload], ALICE)
    unverified = store.create_run(SUITE, PolicyRef(name="p"), ALICE, verified=False)
    with pytest.raises(RunStateError, match="unverified"):
        store.claim_slot(unverified.id, 0, ALICE)


def test_batched_uploads_keep_every_episode_in_order(store):
    run = store.create_run(SUITE, PolicyRef(name="up"), ALICE, verified=False)
    batch = [
        EpisodeUpload(task=SUITE.tasks[i % 2], seed=i, reward=i / 10, success=False)
        for i in range(10)
    ]
    assert store.add_episodes(run.id, batch[:6], ALICE) == 6
    assert store.add_episodes(run.id, batch[6:], ALICE) == 10
    finished = store.finish(run.id, ALICE)
    assert [e.seed for e in finished.episodes] == list(range(10))
    assert not any(e.verified for e in finished.episodes)
    assert finished.score.mean == pytest.approx(0.45)


def test_the_leaderboard_ranks_verified_runs_and_keeps_uploads_apart(store):
    verified_run(store, [0.5] * 4, policy="middle")
    verified_run(store, [1.0, 1.0, 1.0, 0.0], policy="best")
    verified_run(store, [0.0] * 4, policy="worst")
    upload = store.create_run(SUITE, PolicyRef(name="claims-perfect"), ALICE, verified=False)
    store.add_episodes(
        upload.id, [EpisodeUpload(task=SUITE.tasks[0], reward=1.0, success=True)], ALICE
    )
    store.finish(upload.id, ALICE)
    store.create_run(SUITE, PolicyRef(name="unfinished"), ALICE)

    board = store.leaderboard("mini")
    assert [(e.rank, e.policy.name) for e in board.entries] == [
        (1, "best"),
        (2, "middle"),
        (3, "worst"),
    ]
    assert [(e.rank, e.policy.name, e.verified) for e in board.unverified] == [
        (None, "claims-perfect", False)
    ]
    best = board.entries[0].score
    assert best.mean == 0.75 and best.ci_low < 0.75 < best.ci_high
    assert board.suites == ["mini"] and store.leaderboard().suite == "mini"


def test_the_leaderboard_shows_each_policy_versions_newest_run(store):
    verified_run(store, [1.0] * 4, policy="agent", version="1")
    verified_run(store, [0.0] * 4, policy="agent", version="1")
    verified_run(store, [0.5] * 4, policy="agent", version="2")
    rows = [(e.policy.version, e.score.mean) for e in store.leaderboard("mini").entries]
    assert rows == [("2", 0.5), ("1", 0.0)]


def test_reference_runs_are_listed_apart_and_unranked(store):
    run = store.create_run(SUITE, PolicyRef(name="oracle"), ADMIN, reference=True)
    assert store.claim_slot(run.id, 0, ADMIN).reference
    play(store, run, [1.0] * 4, ADMIN)
    store.finish_if_complete(run.id)
    board = store.leaderboard("mini")
    assert board.entries == [] and [e.policy.name for e in board.references] == ["oracle"]


def test_a_withdrawn_run_leaves_the_leaderboard(store):
    run = verified_run(store, [1.0] * 4)
    store.withdraw(run.id)
    assert store.leaderboard("mini").entries == []


def test_an_old_task_versions_scores_stay_with_it_after_a_new_version(store):
    old = verified_run(store, [1.0, 1.0, 0.0, 0.0], policy="before")
    newer = Suite(name="mini-2", tasks=["arithmetic/sum-list@1.1.0"], seeds=[0, 1])
    run = store.create_run(newer, PolicyRef(name="after"), ALICE)
    play(store, run, [0.5, 0.5])
    store.finish_if_complete(run.id)

    scores = store.task_scores("arithmetic/sum-list")
    by_version = {
        v.version: [(r.policy.name, r.mean, r.episodes) for r in v.runs] for v in scores.versions
    }
    assert by_version == {"1.1.0": [("after", 0.5, 2)], "1.0.0": [("before", 1.0, 2)]}
    assert [v.version for v in scores.versions] == ["1.1.0", "1.0.0"]
    assert store.run(old.id).score.mean == 0.5  # the old run's own score is untouched
