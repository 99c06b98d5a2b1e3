"""The base every SkillGym family subclasses: a real ``gymnasium.Env`` over text.

Observations are a Dict of text fields (always ``instruction`` and
``last_action_error``, plus the family's own); an action is one JSON tool call in a
string; the reward is 0 until the episode ends, then the verifier's score, with the
verdict in ``info["verification"]``. A family implements four hooks:
:meth:`start_episode`, :meth:`observe`, :meth:`verify` and :meth:`oracle`, and marks
its tools with :func:`~skillgym.envs.core.tools.tool`; it may add :meth:`heuristic`,
its weak scripted baseline.
"""

from __future__ import annotations

import abc
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any, ClassVar, cast

import gymnasium as gym

from skillgym.envs.core.errors import EpisodeStateError, RequestError, SkillGymError
from skillgym.envs.core.options import ResetOptions, read_options
from skillgym.envs.core.spaces import UnicodeText, text_fields
from skillgym.envs.core.tasks import TaskCatalog, TaskSpec
from skillgym.envs.core.tools import MAX_ACTION_CHARS, ActionError, ToolArgs, Toolset, tool
from skillgym.envs.core.verification import Verification

Observation = dict[str, str]
Policy = Callable[[Observation], str]
BASE_FIELDS = ("instruction", "last_action_error")


class SubmitArgs(ToolArgs):
    """Arguments of ``submit``: the final answer, where the task asks for one."""

    answer: str | None = None


@dataclass
class Episode:
    """What the core tracks about the running episode (the family keeps its own state)."""

    spec: TaskSpec
    seed: int
    instruction: str
    started: float
    steps: int = 0
    last_action_error: str = ""
    submitted: bool = False
    answer: str | None = None
    verification: Verification | None = None
    aborted: str = ""
    """Why the episode cannot go on (its browser crashed, its page hung), when it cannot."""
    instruction_once: bool = False
    """Whether only the reset's observation carries the instruction (``options["instruction"]``)."""
    extra_info: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Whether the episode has ended (verified)."""
        return self.verification is not None


def episode_rng(spec: TaskSpec, seed: int) -> Random:
    """The episode's generator: a function of the task version and the seed only."""
    digest = hashlib.sha256(f"{spec.ref}|{seed}".encode()).digest()
    return Random(int.from_bytes(digest[:8], "big"))


class SkillGymEnv(gym.Env[Observation, str], metaclass=abc.ABCMeta):
    """Base of every family: tasks, tools, limits and verification over text.

    Example:
        >>> from skillgym.envs.arithmetic import ArithmeticEnv
        >>> env = ArithmeticEnv(task="arithmetic/sum-list@1.0.0")
        >>> obs, info = env.reset(seed=7)
        >>> info["task"]
        'arithmetic/sum-list@1.0.0'
        >>> obs, reward, terminated, truncated, info = env.step('{"tool": "submit", "args": {"answer": "0"}}')
        >>> terminated, reward, info["verification"].success
        (True, 0.0, False)
    """

    family: ClassVar[str] = ""
    observation_fields: ClassVar[tuple[str, ...]] = ()
    max_field_chars: ClassVar[int] = 100_000
    blocking: ClassVar[bool] = True
    """Whether reset/step may block (I/O, a browser, a sandbox): servers then run them in a thread."""
    options_model: ClassVar[type[ResetOptions]] = ResetOptions
    """What ``reset(options=...)`` takes: the family's subclass of :class:`ResetOptions`."""
    description: ClassVar[str] = ""
    """One line on what the family trains, for catalogues."""
    artifact_types: ClassVar[dict[str, str]] = {}
    """Files an episode hands out, name -> media type (the spreadsheet's ``workbook.xlsx``)."""
    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        *,
        task: str | None = None,
        catalog: TaskCatalog | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"Expects render_mode in {self.metadata['render_modes']}, actual value: {render_mode!r}"
            )
        self.render_mode = render_mode
        self.toolset = Toolset.collect(type(self))
        self.observation_space = cast(gym.spaces.Space[Observation], self.make_observation_space())
        self.action_space = self.make_action_space()
        self.catalog = catalog if catalog is not None else default_catalog()
        self.default_task = self.catalog.resolve(task, family=self.family).ref if task else None
        self._episode: Episode | None = None
        self._closed = False

    @classmethod
    def make_observation_space(cls) -> gym.spaces.Dict:
        """The family's observation space, without making an environment."""
        return text_fields(BASE_FIELDS + cls.observation_fields, cls.max_field_chars)

    @classmethod
    def toolset_schemas(cls) -> list[dict[str, Any]]:
        """The family's tools as JSON Schema, without making an environment."""
        return Toolset.collect(cls).schemas()

    @classmethod
    def make_action_space(cls) -> UnicodeText:
        """The action space: one JSON tool call in a string."""
        return UnicodeText(MAX_ACTION_CHARS)

    # ---- the family's hooks -------------------------------------------------------
    @abc.abstractmethod
    def start_episode(self, spec: TaskSpec, rng: Random, options: ResetOptions) -> dict[str, Any]:
        """Set up the episode's hidden state from ``rng``; return the instruction's variables.

        ``options`` is an instance of the family's ``options_model``.
        """

    @abc.abstractmethod
    def observe(self) -> dict[str, str]:
        """The family's own observation fields (``observation_fields``) for the current state."""

    @abc.abstractmethod
    def verify(self) -> Verification:
        """Judge the episode's outcome; called once, when it ends."""

    @abc.abstractmethod
    def oracle(self) -> Policy:
        """A scripted policy that knows the episode's hidden truth and scores 1.0."""

    def heuristic(self) -> Policy:
        """The family's weak baseline for the running episode: a rule-based policy.

        It reads only the observations it gets (never the episode's hidden truth), so it
        scores above a random policy and below the oracle. Default: the family has none.

        Raises:
            SkillGymError: When the family ships no heuristic.
        """
        raise SkillGymError(
            f"The {self.family or type(self).__name__} family has no heuristic policy; "
            f"{type(self).__name__} does not implement heuristic()."
        )

    def end_episode(self) -> None:
        """Release what the episode holds (a browser context, a sandbox); default: nothing."""

    def cheats(self) -> dict[str, Policy]:
        """Scripted exploits of the current episode, by name, that must score below 0.5.

        ``skillgym validate`` plays each; a family lists the shortcuts its verifier must
        catch (the spreadsheet family: pasting the right numbers as constants). Default: none.
        """
        return {}

    def artifact(self, name: str) -> bytes:
        """One of the episode's files named in ``artifact_types``, as bytes.

        Raises:
            RequestError: For a name the family does not hand out, or before a reset.
        """
        raise RequestError(
            f"Unknown artifact {name!r}; {type(self).__name__} hands out: "
            f"{', '.join(sorted(self.artifact_types)) or 'nothing'}."
        )

    # ---- the Gymnasium API ---------------------------------------------------------
    @property
    def tools(self) -> list[dict[str, Any]]:
        """The family's tools as JSON Schema, ready for chat-model tool calling."""
        return self.toolset.schemas()

    @property
    def episode(self) -> Episode | None:
        """The current episode's core state, or None before the first reset."""
        return self._episode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start an episode of ``options["task"]`` (or the default task) from ``seed``."""
        if seed is not None and (type(seed) is not int or seed < 0):
            raise RequestError(
                f"Expects a seed that is a non-negative integer or None, actual value: {seed!r}"
            )
        super().reset(seed=seed)
        self._ensure_open()
        if self._episode is not None:
            self.end_episode()
            self._episode = None  # if the new episode fails to start, none is running
        typed = read_options(self.options_model, self.family, options)
        spec = self._choose_task(typed.task)
        episode_seed = seed if seed is not None else int(self.np_random.integers(2**31 - 1))
        variables = self.start_episode(spec, episode_rng(spec, episode_seed), typed)
        self._episode = Episode(
            spec,
            episode_seed,
            spec.render_instruction(variables),
            time.monotonic(),
            instruction_once=typed.instruction == "first",
        )
        return self._observation(), self._info()

    def step(self, action: str) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        """Carry out one tool call; a malformed or impossible one sets ``last_action_error``."""
        episode = self._running_episode()
        episode.steps += 1
        episode.last_action_error = ""
        try:
            call = self.toolset.parse(action)
            getattr(self, call.tool.handler)(call.args)
        except ActionError as exc:
            episode.last_action_error = str(exc)
        terminated = episode.submitted
        truncated = not terminated and (bool(episode.aborted) or self._limit_reached(episode))
        reward = 0.0
        if terminated or truncated:
            episode.verification = self.verify()
            reward = episode.verification.score
        return self._observation(), reward, terminated, truncated, self._info()

    def render(self) -> str | None:
        """In ``ansi`` mode, the current observation as text."""
        if self.render_mode != "ansi" or self._episode is None:
            return None
        return "\n".join(
            f"## {name}\n{value}" for name, value in self._observation().items() if value
        )

    def close(self) -> None:
        """Release the episode; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._episode is not None:
            self.end_episode()
            self._episode = None

    @tool(
        "submit",
        "Finish the episode, with the final answer where the task asks for one.",
        SubmitArgs,
    )
    def _submit(self, args: SubmitArgs) -> None:
        episode = self._running_episode()
        episode.submitted = True
        episode.answer = args.answer

    def abort_episode(self, reason: str) -> None:
        """End the running episode at this step because it cannot go on (called by a tool).

        The step is truncated and verified as things stand (nothing already done is lost);
        ``reason`` becomes the step's ``last_action_error`` and ``info["truncated_by"]``.
        """
        episode = self._running_episode()
        episode.aborted = reason
        episode.last_action_error = reason
        episode.extra_info["truncated_by"] = f"error: {reason}"

    # ---- internals ----------------------------------------------------------------
    def _choose_task(self, ref: str | None) -> TaskSpec:
        ref = ref or self.default_task
        if ref is None:
            latest = self.catalog.latest(self.family)
            if not latest:
                raise SkillGymError(f"No tasks of family {self.family!r} in the catalogue.")
            return latest[0]
        return self.catalog.resolve(ref, family=self.family)

    def _ensure_open(self) -> None:
        if self._closed:
            raise EpisodeStateError(f"{type(self).__name__} is closed; make a new environment.")

    def _running_episode(self) -> Episode:
        self._ensure_open()
        if self._episode is None:
            raise EpisodeStateError("Expects reset() before step(); no episode has started.")
        if self._episode.done:
            raise EpisodeStateError(
                f"Expects reset() after the episode ended; episode of {self._episode.spec.ref} "
                f"ended after {self._episode.steps} steps."
            )
        return self._episode

    def _limit_reached(self, episode: Episode) -> bool:
        limits = episode.spec.limits
        if episode.steps >= limits.max_steps:
            episode.extra_info["truncated_by"] = f"max_steps ({limits.max_steps})"
            return True
        if time.monotonic() - episode.started >= limits.max_seconds:
            episode.extra_info["truncated_by"] = f"max_seconds ({limits.max_seconds:g})"
            return True
        return False

    def _observation(self) -> Observation:
        assert self._episode is not None
        once = self._episode.instruction_once and self._episode.steps > 0
        observation = {
            "instruction": "" if once else self._episode.instruction,
            "last_action_error": self._episode.last_action_error,
        }
        observation.update(self.observe())
        limit = self.max_field_chars
        return {
            k: v
            if len(v) <= limit
            else v[: limit - 40] + f"\n[... {len(v) - limit + 40} characters cut]"
            for k, v in observation.items()
        }

    def _info(self) -> dict[str, Any]:
        assert self._episode is not None
        episode = self._episode
        info: dict[str, Any] = {
            "task": episode.spec.ref,
            "seed": episode.seed,
            "step": episode.steps,
        }
        info.update(episode.extra_info)
        if episode.verification is not None:
            info["verification"] = episode.verification
        return info


@functools.cache
def default_catalog() -> TaskCatalog:
    """The bundled tasks, loaded once per process (task files are read-only data)."""
    return TaskCatalog.load()
