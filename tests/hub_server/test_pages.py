"""The hub's public pages, read in real Chromium from a real server over a seeded database.

One server and one browser serve the whole module. The database holds, on suite core-v1
(one episode per task): three verified runs, created in an order other than their rank,
one unverified upload that scores best of all (and must not be ranked), one verified run
still running; and, first, a run on an old version of flight/family-trip.
Full-page screenshots go to ``test-artifacts/pages/``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from skillgym.envs.core.protocol import EpisodeUpload, PolicyRef, RunPublic
from skillgym.envs.core.suites import Suite, load_suite
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.envs.core.verification import Check, Verification
from skillgym.envs.flight.browser import LAUNCH_ARGS, chromium_path
from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.scores.hub import Hub
from skillgym.hub_server.scores.store import EpisodeResult
from skillgym.hub_server.scores.tokens import Principal
from skillgym.hub_server.settings import ServerSettings

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "pages"
PHONE = {"width": 390, "height": 844}

# Reward per family of each verified policy: their means rank them steady, quick, novice.
VERIFIED = {
    "novice-agent": {"flight": 0.1, "spreadsheet": 0.2, "terminal": 0.3},
    "steady-agent": {"flight": 0.9, "spreadsheet": 0.8, "terminal": 0.7},
    "quick-agent": {"flight": 0.3, "spreadsheet": 0.6, "terminal": 0.6},
}
RANKED = ["steady-agent", "quick-agent", "novice-agent"]
UPLOADER = "eager-uploader"  # uploads 0.95 everywhere: better than all, and never ranked
OLD_TASK = "flight/family-trip@1.0.1"


class Site(NamedTuple):
    """The module's server, and its runs by policy name as the store returns them."""

    base_url: str
    runs: dict[str, RunPublic]


def png_of(browser: Browser) -> bytes:
    """A real PNG: Chromium's screenshot of a small page."""
    page = browser.new_page(viewport={"width": 320, "height": 200})
    page.set_content("<body style='background:#dbe9f6'><h1>Aerolane: booked</h1></body>")
    data = page.screenshot()
    page.close()
    return data


def verdict(reward: float) -> dict[str, object]:
    """A verifier's verdict with two checks, the way the hub records one."""
    checks = [
        Check(name="booking made", passed=reward > 0, expected="one booking", actual="one booking"),
        Check(
            name="earliest non-stop",
            passed=reward >= 0.9,
            expected="AL 102 at 07:10",
            actual="AL 102 at 07:10" if reward >= 0.9 else "AL 218 at 13:40",
            essential=True,
        ),
    ]
    return Verification(score=reward, success=reward >= 0.9, checks=checks).model_dump(mode="json")


def play_verified(hub: Hub, suite: Suite, name: str, rewards: dict[str, float], shot: bytes) -> str:
    """A verified run of ``name`` with every slot recorded as the hub records it."""
    alice = Principal("alice", frozenset({"submit"}), token_id="t1")
    run = hub.scores.create_run(
        suite, PolicyRef(name=name, version="v1"), alice, episodes_per_task=1
    )
    for slot in run.slots:
        claim = hub.scores.claim_slot(run.id, slot.slot, alice)
        reward = rewards.get(slot.env, 0.5)
        transcript = [{"action": '{"tool": "submit", "args": {}}', "observation": {"url": "/"}}]
        data = json.dumps(transcript).encode()
        names = [hub.artifacts.save(run.id, slot.slot, "transcript.json", data)]
        if slot.env == "flight":
            names.append(hub.artifacts.save(run.id, slot.slot, "screenshot.png", shot))
        result = EpisodeResult(
            reward=reward,
            success=reward >= 0.9,
            steps=12,
            seconds=3.5,
            verification=verdict(reward),
            artifacts=names,
        )
        hub.scores.record(claim, result)
    assert hub.scores.finish_if_complete(run.id)
    return run.id


def seed(hub: Hub, shot: bytes) -> dict[str, RunPublic]:
    """Fill the hub's database through its store, as the server's own routes would."""
    core = load_suite("core-v1")
    old = Suite(name="family-trip-old", tasks=[OLD_TASK], seeds=[0])
    ids = {"vintage-agent": play_verified(hub, old, "vintage-agent", {"flight": 0.4}, shot)}
    for name, rewards in VERIFIED.items():
        ids[name] = play_verified(hub, core, name, rewards, shot)
    bob = Principal("bob", frozenset({"submit"}), token_id="t2")
    upload = hub.scores.create_run(core, PolicyRef(name=UPLOADER), bob, verified=False)
    episodes = [EpisodeUpload(task=t, seed=3, reward=0.95, success=True) for t in core.tasks]
    hub.scores.add_episodes(upload.id, episodes, bob)
    ids[UPLOADER] = hub.scores.finish(upload.id, bob).id
    running = hub.scores.create_run(core, PolicyRef(name="still-playing"), bob)
    claim = hub.scores.claim_slot(running.id, 0, bob)
    hub.scores.record(claim, EpisodeResult(reward=0.5, success=False, steps=4, seconds=1.0))
    ids["still-playing"] = running.id
    return {name: hub.scores.run(run_id) for name, run_id in ids.items()}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=list(LAUNCH_ARGS), headless=True
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hub")
    settings = ServerSettings(port=0, database_url=f"sqlite:///{folder}/hub.db")
    server = BackgroundServer(settings)
    hub = server.app.state.hub
    runs = seed(hub, png_of(browser))
    with server:
        yield Site(server.base_url, runs)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    yield context.new_page()
    context.close()


def save_shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def interval(run: RunPublic) -> str:
    assert run.score is not None
    return f"{run.score.mean:.2f} ({run.score.ci_low:.2f}\N{EN DASH}{run.score.ci_high:.2f})"


def test_the_leaderboard_ranks_verified_runs_by_mean_with_intervals_and_lists_uploads_apart(
    site: Site, page: Page
):
    base_url, runs = site
    response = page.goto(base_url + "/")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Leaderboard: core-v1"
    ranked = page.locator("#ranked tbody tr")
    assert ranked.count() == len(RANKED)
    for index, name in enumerate(RANKED):
        row = ranked.nth(index)
        assert row.locator("td.rank").inner_text() == str(index + 1)
        assert row.locator("th[scope=row]").inner_text() == f"{name} v1"
        assert row.locator("td.mean").inner_text().strip() == interval(runs[name])
        assert row.locator(".badge").inner_text() == "verified"
    means = [runs[name].score.mean for name in RANKED]  # type: ignore[union-attr]
    assert means == sorted(means, reverse=True)
    assert UPLOADER not in page.locator("#ranked").inner_text()

    uploads = page.locator("#unverified tbody tr")
    assert (
        page.locator("#unverified caption").inner_text().endswith("unverified uploads, not ranked")
    )
    assert uploads.count() == 1
    assert uploads.locator("th[scope=row]").inner_text() == f"{UPLOADER} unversioned"
    assert uploads.locator("td.mean").inner_text().strip() == interval(runs[UPLOADER])
    assert uploads.locator(".badge").inner_text() == "unverified"
    assert "hidden until the run ends" in page.locator(".lead").inner_text()
    save_shot(page, "leaderboard")


def test_the_chart_draws_one_bar_per_ranked_policy_and_family(site: Site, page: Page):
    base_url, runs = site
    page.goto(base_url + "/")
    chart = page.locator("svg[role=img]")
    assert chart.count() == 1
    assert "Mean score by family" in (chart.get_attribute("aria-label") or "")
    bars = chart.locator("rect.bar")
    drawn = {
        (bars.nth(i).get_attribute("data-policy"), bars.nth(i).get_attribute("data-family")): (
            bars.nth(i).locator("title").text_content()
        )
        for i in range(bars.count())
    }
    expected = {
        (f"{name} v1", family): f"{name} v1 on {family}: {mean:.2f}"
        for name in RANKED
        for family, mean in runs[name].score.family_scores.items()  # type: ignore[union-attr]
    }
    assert bars.count() == len(RANKED) * 3
    assert drawn == expected
    assert chart.locator(".legend-item").count() == len(RANKED)


def test_a_policy_opens_its_run_page_where_an_episode_shows_its_checks_and_files(
    site: Site, page: Page
):
    base_url, runs = site
    run = runs["steady-agent"]
    page.goto(base_url + "/")
    page.get_by_role("link", name="steady-agent v1").click()
    page.wait_for_url(f"{base_url}/runs/{run.id}")
    assert "steady-agent" in page.locator("h1").inner_text()
    assert page.locator("h1 .badge").inner_text() == "verified"
    assert interval(run) in page.locator("dd.mean").inner_text()

    flight = next(e for e in run.episodes if e.family == "flight")
    details = page.locator(f"#episode-{flight.slot}")
    assert not details.locator("table.checks").is_visible()
    details.locator("summary").click()
    checks = details.locator("table.checks tbody tr")
    assert checks.count() == 2
    assert checks.nth(1).locator("td").nth(2).inner_text() == "AL 102 at 07:10"

    transcript = details.get_by_role("link", name="transcript.json")
    reply = page.request.get(base_url + (transcript.get_attribute("href") or ""))
    assert reply.status == 200 and reply.json()[0]["action"].startswith('{"tool"')
    image = details.locator("img.screenshot")
    assert image.get_attribute("loading") == "lazy" and image.get_attribute("alt")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert page.request.get(base_url + (image.get_attribute("src") or "")).status == 200
    save_shot(page, "run")


def test_a_finished_run_reveals_seeds_that_hash_to_the_commitment_it_showed(site: Site, page: Page):
    base_url, runs = site
    run = runs["quick-agent"]
    page.goto(f"{base_url}/runs/{run.id}")
    salt = page.locator("#salt").inner_text()
    seeds = page.locator("#seeds").inner_text()
    commitment = page.locator("#commitment").inner_text()
    assert commitment == run.seed_commitment
    assert hashlib.sha256(f"{salt}:{seeds}".encode()).hexdigest() == commitment
    assert seeds == ",".join(str(s) for s in run.seeds or [])
    seed_cells = page.locator("table.episodes tbody tr td:nth-child(4)").all_inner_texts()
    assert seed_cells == [str(s) for s in run.seeds or []]


def test_a_running_run_shows_its_commitment_and_hides_its_seeds(site: Site, page: Page):
    base_url, runs = site
    run = runs["still-playing"]
    page.goto(f"{base_url}/runs/{run.id}")
    assert page.locator("#commitment").inner_text() == run.seed_commitment
    assert page.locator("#salt").count() == 0 and page.locator("#seeds").count() == 0
    assert page.locator("table.episodes tbody tr td:nth-child(4)").all_inner_texts() == ["hidden"]
    assert page.locator(".status").inner_text() == "running"
    save_shot(page, "run-running")


def test_the_task_page_lists_its_versions_and_keeps_old_version_scores_under_that_version(
    site: Site, page: Page
):
    base_url, runs = site
    specs = TaskCatalog.load().versions("flight/family-trip")
    page.goto(base_url + "/tasks/flight/family-trip")
    assert page.locator("h1").inner_text() == specs[-1].title
    rows = page.locator("table.versions tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == [
        s.version for s in reversed(specs)
    ]
    hashes = rows.locator("code.hash").all_inner_texts()
    assert hashes == [s.content_hash for s in reversed(specs)]
    assert page.locator("pre.instruction").inner_text().strip() == specs[-1].instruction.strip()

    old = page.locator('[id="version-1.0.1"]').inner_text()
    new = page.locator('[id="version-1.1.0"]').inner_text()
    assert "vintage-agent" in old and not any(name in old for name in RANKED)
    assert all(name in new for name in [*RANKED, UPLOADER]) and "vintage-agent" not in new
    save_shot(page, "task")


@pytest.mark.parametrize("path", ["/", "/runs/{steady}", "/tasks/flight/family-trip"])
def test_pages_fit_a_phone_screen_and_only_their_tables_scroll_sideways(
    site: Site, phone: Page, path: str
):
    base_url, runs = site
    phone.goto(base_url + path.format(steady=runs["steady-agent"].id))
    for details in phone.locator("details").all():
        details.locator("summary").click()  # open content must fit too
    widths = phone.evaluate(
        "() => [document.body.scrollWidth, document.documentElement.scrollWidth, innerWidth]"
    )
    assert max(widths[:2]) <= widths[2] == PHONE["width"]
    wide = phone.evaluate(
        "() => [...document.querySelectorAll('.table-wrap')]"
        ".filter(w => w.scrollWidth > w.clientWidth).length"
    )
    assert wide >= 1  # the tables are wider than the phone, and scroll in their wrapper
    name = path.strip("/").split("/")[0] or "leaderboard"
    save_shot(phone, f"{name}-phone")


def test_pages_load_nothing_from_other_origins_and_break_no_rule_of_their_own(
    site: Site, page: Page
):
    base_url, runs = site
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for path in ["/", f"/runs/{runs['steady-agent'].id}", "/tasks/flight/family-trip"]:
        page.goto(base_url + path)
        for details in page.locator("details").all():
            details.locator("summary").click()
        page.wait_for_load_state("networkidle")
    assert requested and all(url.startswith(base_url + "/") for url in requested)
    assert problems == []  # no refused style or image under the pages' security policy


def test_static_files_are_cached_long_and_nothing_outside_their_folder_is_served(
    site: Site, page: Page
):
    base_url = site.base_url
    page.goto(base_url + "/")
    href = page.locator("link[rel=stylesheet]").get_attribute("href") or ""
    assert re.fullmatch(r"/static/style\.css\?v=[0-9a-f]{12}", href)
    sheet = page.request.get(base_url + href)
    assert sheet.status == 200 and sheet.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in sheet.headers["cache-control"]
    for name in ["nope.css", "..%2Fapp.py", "..%2F..%2Fpyproject.toml"]:
        assert page.request.get(f"{base_url}/static/{name}").status == 404


def test_an_unknown_run_is_a_404_page_with_a_link_home(site: Site, page: Page):
    base_url = site.base_url
    response = page.goto(base_url + "/runs/0123456789abcdef")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("h1").inner_text() == "Not found"
    assert "0123456789abcdef" in page.locator("main").inner_text()
    save_shot(page, "not-found")
    page.get_by_role("link", name="Back to the leaderboard").click()
    page.wait_for_url(base_url + "/")
    assert page.locator("#ranked").count() == 1


def test_a_server_that_keeps_no_scores_says_so_and_lists_the_tasks(page: Page):
    settings = ServerSettings(port=0, database_url=None)
    server = BackgroundServer(settings)
    with server:
        response = page.goto(server.base_url + "/")
        assert response is not None and response.status == 200
        assert "keeps no scores" in page.locator(".notice").inner_text()
        links = page.locator("a[href^='/tasks/']")
        assert links.count() == len(TaskCatalog.load().latest())
        save_shot(page, "no-scores")
        links.first.click()
        assert page.locator("h2", has_text="Versions").count() == 1
