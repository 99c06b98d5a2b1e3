"""Episodes on one browser never meet, and a crashed or hung page ends only its own episode."""

import json
import os
import re
import signal
import threading

import pytest

from benchmarks.processes import chromium_processes
from skillgym.envs.flight import FlightEnv
from skillgym.errors import EpisodeStateError

TASK = "flight/cheapest-nonstop"


def act(env: FlightEnv, tool: str, **args):
    return env.step(json.dumps({"tool": tool, "args": args}))


def play(env: FlightEnv) -> dict:
    obs, *_ = act(env, "wait", ms=0)
    policy = env.oracle()
    while True:
        obs, _, terminated, truncated, info = env.step(policy(obs))
        if terminated or truncated:
            return info


def test_two_concurrent_episodes_share_no_cookies_bookings_or_inventory():
    one, two = FlightEnv(task=TASK), FlightEnv(task=TASK)
    try:
        one.reset(seed=1)
        two.reset(seed=2)
        store_one, store_two = one._store, two._store
        refs = {}

        def book(env: FlightEnv, name: str) -> None:
            policy = env.oracle()
            obs, *_ = act(env, "wait", ms=0)
            while True:
                action = policy(obs)
                if json.loads(action)["tool"] == "submit":
                    refs[name] = re.search(r"Booking reference: ([A-Z0-9]{6})", obs["page"]).group(
                        1
                    )
                    return
                obs, *_ = env.step(action)

        threads = [
            threading.Thread(target=book, args=(e, n)) for e, n in ((one, "one"), (two, "two"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert [b.ref for b in store_one.bookings()] == [refs["one"]]
        assert [b.ref for b in store_two.bookings()] == [refs["two"]]
        assert store_one.rows("SELECT * FROM fares") != store_two.rows("SELECT * FROM fares")
        # a third episode's browser knows neither visitor: banner again, no booking found
        three = FlightEnv(task=TASK)
        try:
            obs, _ = three.reset(seed=1)
            assert "[cookie-accept]" in obs["page"]
            act(three, "click", id="cookie-accept")
            act(three, "goto", path="/manage")
            act(three, "fill", id="manage-ref", text=refs["two"])
            act(three, "fill", id="manage-last", text="x")
            obs, *_ = act(three, "click", id="manage-find")
            assert "No booking matches that reference and last name." in obs["page"]
            cookies = three.host.call(lambda: three._driver.slot.context.cookies(), 10)
            assert {c["name"] for c in cookies} == {"consent", "sid"}
        finally:
            three.close()
    finally:
        one.close()
        two.close()


def test_a_crashed_page_ends_its_episode_with_a_clear_error_and_the_next_works():
    env = FlightEnv(task=TASK)
    try:
        env.reset(seed=0)
        slot = env._driver.slot
        try:
            env.host.call(lambda: slot.page.goto("chrome://crash", timeout=5000), 10)
        except Exception:
            pass  # the navigation dies with the page
        obs, reward, terminated, truncated, info = act(env, "click", id="cookie-accept")
        assert truncated and not terminated and reward == 0.0
        assert "The page crashed." in obs["last_action_error"]
        assert info["truncated_by"].startswith("error: The page crashed.")
        assert info["verification"].success is False
        with pytest.raises(EpisodeStateError):
            act(env, "wait", ms=0)
        obs, _ = env.reset(seed=0)
        assert "[cookie-accept]" in obs["page"]
        assert play(env)["verification"].success
    finally:
        env.close()


def test_a_killed_browser_ends_the_episode_and_is_launched_again_for_the_next():
    env = FlightEnv(task=TASK)
    try:
        env.reset(seed=0)
        launches = env.host.launches
        for pid in chromium_processes():
            os.kill(pid, signal.SIGKILL)
        obs, reward, terminated, truncated, info = act(env, "click", id="cookie-accept")
        assert truncated and "browser closed unexpectedly" in obs["last_action_error"]
        obs, _ = env.reset(seed=0)
        assert env.host.launches == launches + 1
        assert "[cookie-accept]" in obs["page"]
        assert play(env)["verification"].success
    finally:
        env.close()


def test_a_hung_page_ends_its_episode_after_the_action_timeout():
    env = FlightEnv(task=TASK)
    env.action_timeout = 4.0
    try:
        env.reset(seed=0)
        slot = env._driver.slot
        env.host.call(lambda: slot.page.evaluate("setTimeout(() => { for (;;) {} }, 0)"), 10)
        obs, reward, terminated, truncated, info = act(env, "click", id="cookie-accept")
        assert truncated and "did not respond within 4 s" in obs["last_action_error"]
        obs, _ = env.reset(seed=0)
        assert "[cookie-accept]" in obs["page"]
    finally:
        env.close()


def profiles() -> set[str]:
    """The Chromium profile folders of this process's browsers (one per launch)."""
    found = set()
    for pid in chromium_processes():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                args = cmdline.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        found |= {a for a in args if a.startswith("--user-data-dir=")}
    return found


def test_an_environment_can_have_a_browser_of_its_own_that_close_shuts_down():
    from skillgym.envs.flight.browser import BrowserHost

    shared = profiles()  # the process-wide browser, if earlier tests started it
    host = BrowserHost()
    env = FlightEnv(task=TASK, host=host)
    try:
        env.reset(seed=0)
        assert env.host is host and host.launches == 1
        own = profiles() - shared
        assert len(own) == 1
        assert play(env)["verification"].success
    finally:
        env.close()
        host.close()
    assert not own & profiles()


@pytest.mark.filterwarnings("error")  # ResourceWarning included: an unclosed socket fails
def test_a_closed_browser_host_leaves_no_socket_open():
    import gc

    from skillgym.envs.flight.browser import BrowserHost

    host = BrowserHost()
    host.close()
    del host
    gc.collect()  # an unclosed loop's self-pipe would warn here (an error in this suite)
