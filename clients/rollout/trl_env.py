"""Any SkillGym family as a TRL ``environment_factory`` class.

TRL's ``GRPOTrainer(environment_factory=...)`` makes one instance per rollout slot,
calls ``reset(**row)`` with the dataset row before each generation, and offers the
instance's public methods to the model as tools (their schemas read from type hints
and Google-style docstrings). :func:`trl_environment` builds such a class for a family
served by a SkillGym server: one session per instance, one method per tool of the
family, each returning what the environment shows after the call. The verdict is on
the instance (``reward``, ``done``, ``verification``), and :func:`skillgym_reward`
hands it to TRL as a reward function.

Example::

    Arithmetic = trl_environment("arithmetic", "http://127.0.0.1:8000")
    trainer = GRPOTrainer(model=..., train_dataset=dataset,  # rows: prompt, task, seed
                          reward_funcs=skillgym_reward, environment_factory=Arithmetic)
"""

from __future__ import annotations

import inspect
import json
import keyword
from typing import Any

from skillgym.clients.remote_env import RemoteEnv
from skillgym.clients.rollout.chat import render_observation

_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "object": dict,
    "array": list,
}


def _annotation(schema: dict[str, Any]) -> Any:
    """The Python type of a JSON Schema property (``X | None`` when it may be null)."""
    options = schema.get("anyOf", [schema])
    kinds = [o.get("type") for o in options]
    types = [_JSON_TYPES[k] for k in kinds if k in _JSON_TYPES]
    annotation: Any = types[0] if len(types) == 1 else (str if not types else types[0])
    return annotation | None if "null" in kinds else annotation


def _docstring(function: dict[str, Any]) -> str:
    params = function.get("parameters", {}).get("properties", {})
    lines = [function.get("description") or f"Call the {function['name']} tool.", ""]
    if params:
        lines.append("Args:")
        for name, schema in params.items():
            text = schema.get("description") or schema.get("title") or name
            lines.append(f"    {name}: {' '.join(str(text).split())}")
        lines.append("")
    lines += ["Returns:", "    What the environment shows after the call."]
    return "\n".join(lines)


def _tool_method(function: dict[str, Any]) -> Any:
    """A method named for the tool, whose parameters are the tool's arguments."""
    name = function["name"]
    schema = function.get("parameters", {})
    required = set(schema.get("required", []))
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {"return": str}
    for arg, arg_schema in schema.get("properties", {}).items():
        if not arg.isidentifier() or keyword.iskeyword(arg):
            raise ValueError(f"Tool {name!r} has an argument TRL cannot name: {arg!r}")
        annotation = _annotation(arg_schema)
        default = inspect.Parameter.empty if arg in required else arg_schema.get("default")
        parameters.append(
            inspect.Parameter(
                arg, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
        annotations[arg] = annotation

    def call(self: SkillGymTRLEnv, **args: Any) -> str:
        return self._act(name, args)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = _docstring(function)
    call.__signature__ = inspect.Signature(parameters, return_annotation=str)  # type: ignore[attr-defined]
    call.__annotations__ = annotations
    return call


class SkillGymTRLEnv:
    """One SkillGym session for TRL; :func:`trl_environment` adds the family's tools."""

    family: str = ""
    base_url: str = ""
    transport: str = "http"

    def __init__(self) -> None:
        self._env = RemoteEnv(self.base_url, env=self.family, transport=self.transport)  # type: ignore[arg-type]
        self.reward = 0.0
        self.done = False
        self.verification: Any = None

    def reset(self, task: str | None = None, seed: int | None = None, **row: Any) -> str:
        """Start an episode of the row's ``task`` with its ``seed``; returns the instruction."""
        options = {"task": task} if task else {}
        observation, _ = self._env.reset(seed=seed, options=options)
        self.reward, self.done, self.verification = 0.0, False, None
        return render_observation(observation, first=True)

    def _act(self, tool: str, args: dict[str, Any]) -> str:
        if self.done:
            return f"The episode is over (reward {self.reward:g}); no more calls are taken."
        action = json.dumps(
            {"tool": tool, "args": {k: v for k, v in args.items() if v is not None}}
        )
        observation, reward, terminated, truncated, info = self._env.step(action)
        self.reward = float(reward)
        self.done = terminated or truncated
        if self.done:
            self.verification = info.get("verification")
            return f"The episode is over: reward {self.reward:g}."
        return render_observation(observation, first=False)

    def close(self) -> None:
        """Close the session."""
        self._env.close()


def trl_environment(family: str, base_url: str, *, transport: str = "http") -> type[SkillGymTRLEnv]:
    """A class for TRL's ``environment_factory``: the family's tools as methods.

    The family is described once (``GET /v1/envs/{family}``), here; each instance opens
    its own session at its first ``reset``.
    """
    probe = RemoteEnv(base_url, env=family, transport=transport)  # type: ignore[arg-type]
    try:
        tools = [t["function"] for t in probe.tools]
    finally:
        probe.close()
    methods: dict[str, Any] = {"family": family, "base_url": base_url, "transport": transport}
    for function in tools:
        if function["name"] in ("reset", "close") or function["name"].startswith("_"):
            raise ValueError(f"Tool {function['name']!r} clashes with the class's own methods.")
        methods[function["name"]] = _tool_method(function)
    name = "".join(part.capitalize() for part in family.replace("-", "_").split("_")) + "TRLEnv"
    methods["__doc__"] = f"The {family} family for TRL's environment_factory (tools as methods)."
    return type(name, (SkillGymTRLEnv,), methods)


def skillgym_reward(environments: list[SkillGymTRLEnv], **_: Any) -> list[float]:
    """A TRL reward function: each environment's verdict (0 until its episode ended)."""
    return [env.reward for env in environments]
