"""The flight environment in a real Chromium: what the agent sees and what its tools do."""

import base64
import json

import pytest
from gymnasium.utils.env_checker import check_env

from skillgym.envs.flight import FlightEnv
from skillgym.errors import RequestError

TASK = "flight/cheapest-nonstop"


def act(env: FlightEnv, tool: str, **args) -> dict[str, str]:
    obs, *_ = env.step(json.dumps({"tool": tool, "args": args}))
    return obs


def test_reset_opens_the_home_page_with_the_cookie_banner(env):
    obs, info = env.reset(seed=0)
    assert obs["url"] == "/" and obs["title"] == "Search flights · Aerolane"
    assert '[cookie-accept] button "Accept all"' in obs["page"]
    assert '[search] button "Search flights"' in obs["page"]
    assert obs["screenshot"] == ""


def test_the_same_seed_gives_the_same_page_and_instruction(env):
    first, _ = env.reset(seed=3)
    again, _ = env.reset(seed=3)
    other, _ = env.reset(seed=4)
    assert first == again
    assert first["instruction"] != other["instruction"]


def test_every_interactive_element_on_every_page_of_a_booking_has_an_id(env):
    obs, _ = env.reset(seed=1)
    policy = env.oracle()
    pages = 0
    while True:
        assert "[?]" not in obs["page"], obs["page"]
        obs, _, terminated, truncated, _ = env.step(policy(obs))
        pages += 1
        if terminated or truncated:
            break
    assert pages > 20


def test_a_click_on_an_element_under_the_cookie_banner_says_so(env):
    env.reset(seed=0)
    obs = act(env, "click", id="search")
    assert obs["last_action_error"] == (
        '[search] is covered by dialog "Cookie settings"; deal with it first.'
    )
    obs = act(env, "click", id="cookie-accept")
    assert obs["last_action_error"] == "" and "Cookie settings" not in obs["page"]


def test_typing_in_an_airport_field_lists_suggestions_to_click(env):
    env.reset(seed=0)
    act(env, "click", id="cookie-accept")
    obs = act(env, "fill", id="from", text="Amster")
    assert '[from-opt-AMS] option "Amsterdam Schiphol (AMS), Netherlands"' in obs["page"]
    obs = act(env, "click", id="from-opt-AMS")
    assert '[from] combobox "From" value="Amsterdam Schiphol (AMS)"' in obs["page"]


def test_the_date_field_is_read_only_and_opens_a_picker(env):
    env.reset(seed=0)
    act(env, "click", id="cookie-accept")
    obs = act(env, "fill", id="depart", text="2026-06-01")
    assert obs["last_action_error"] == "[depart] is read-only; click it to open its picker."
    obs = act(env, "click", id="depart")
    assert "[depart-next] button" in obs["page"]


def test_results_arrive_after_the_page_and_wait_shows_them(env):
    obs, _ = env.reset(seed=0)
    policy = env.oracle()
    while "Searching for the best fares" not in obs["page"]:
        obs, *_ = env.step(policy(obs))
    assert "[it-" not in obs["page"]
    obs = act(env, "wait", ms=1500)
    assert "[it-" in obs["page"] and "matching flights shown" in obs["page"]


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (
            {"tool": "click", "args": {"id": "no-such-thing"}},
            "No element [no-such-thing] on this page.",
        ),
        (
            {"tool": "fill", "args": {"id": "search", "text": "x"}},
            "[search] is a button, not a text field",
        ),
        (
            {"tool": "select", "args": {"id": "adults", "option": "12"}},
            "[adults] has no option '12'; its options: 1 | 2",
        ),
        ({"tool": "select", "args": {"id": "search", "option": "1"}}, "not a drop-down"),
        ({"tool": "check", "args": {"id": "search"}}, "not a checkbox or radio button"),
        ({"tool": "press", "args": {"key": "rm -rf /"}}, "Expects a key like Enter"),
        (
            {"tool": "goto", "args": {"path": "https://example.com/"}},
            "Other sites cannot be opened.",
        ),
        ({"tool": "goto", "args": {"path": "//example.com/x"}}, "Other sites cannot be opened."),
        (
            {"tool": "click", "args": {"id": '[search]"); alert(1); //'}},
            "Invalid arguments for tool 'click'",
        ),
        (
            {"tool": "fill", "args": {"id": "from", "text": "x" * 5000}},
            "String should have at most 500 characters",
        ),
        ({"tool": "wait", "args": {"ms": 60_000}}, "Input should be less than or equal to 10000"),
        ({"tool": "evaluate", "args": {"script": "1"}}, "Unknown tool 'evaluate'"),
    ],
)
def test_bad_actions_are_last_action_errors_and_the_episode_goes_on(env, action, error):
    env.reset(seed=0)
    act(env, "click", id="cookie-accept")
    obs, reward, terminated, truncated, _ = env.step(json.dumps(action))
    assert error in obs["last_action_error"]
    assert not terminated and not truncated and reward == 0
    assert act(env, "click", id="trip-oneway")["last_action_error"] == ""


def test_malformed_json_and_a_huge_action_are_last_action_errors(env):
    env.reset(seed=0)
    obs, *_ = env.step('{"tool": "click", "args": {"id": ')
    assert "is not JSON" in obs["last_action_error"]
    obs, *_ = env.step("x" * 200_001)
    assert "at most 100000 characters" in obs["last_action_error"]


def test_goto_opens_a_path_of_the_site_and_an_unknown_one_is_a_404_page(env):
    env.reset(seed=0)
    obs = act(env, "goto", path="/manage")
    assert obs["url"] == "/manage" and "[manage-ref] textbox" in obs["page"]
    obs = act(env, "goto", path="/nowhere")
    assert "No page at /nowhere." in obs["page"]


def test_go_back_returns_to_the_previous_page_and_says_when_there_is_none(env):
    env.reset(seed=0)
    assert "no earlier page" in act(env, "go_back")["last_action_error"]
    act(env, "goto", path="/manage")
    obs = act(env, "go_back")
    assert obs["url"] == "/" and obs["last_action_error"] == ""


def test_requests_to_other_origins_are_blocked(env):
    env.reset(seed=0)
    driver = env._driver
    page_script = "fetch('https://example.com/').then(() => 'reached', () => 'blocked')"
    assert env.host.call(lambda: driver.slot.page.evaluate(page_script), 10) == "blocked"
    assert driver.blocked == ["https://example.com/"]


def test_a_screenshot_is_a_png_with_the_ids_drawn(env):
    env.reset(seed=0)
    png = env.artifact("screenshot.png")
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    obs, _ = env.reset(seed=0, options={"screenshots": True})
    assert base64.b64decode(obs["screenshot"]).startswith(b"\x89PNG")
    assert act(env, "click", id="cookie-accept")["screenshot"] != obs["screenshot"]


def test_unknown_reset_options_are_refused(env):
    with pytest.raises(RequestError, match="takes 'task', 'instruction', 'screenshots'"):
        env.reset(seed=0, options={"sandbox": "docker"})
    with pytest.raises(RequestError, match="valid boolean"):
        env.reset(seed=0, options={"screenshots": "yes"})


def test_submit_without_booking_scores_zero_and_every_check_says_why(env):
    env.reset(seed=0)
    obs, reward, terminated, _, info = env.step('{"tool": "submit", "args": {}}')
    assert terminated and reward == 0.0 and not info["verification"].success
    assert {c.detail for c in info["verification"].checks} == {"no booking was made"}


@pytest.mark.filterwarnings("error")
def test_check_env_passes(env):
    check_env(env, skip_render_check=True)
