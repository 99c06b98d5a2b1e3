"""Reset options: what ``reset(options={...})`` may say, one typed model per family.

The core reads ``task`` and ``instruction``; a family adds its own fields by
subclassing :class:`ResetOptions` and naming the subclass in its env class's
``options_model``. Servers publish each family's model as JSON Schema in ``/v1/envs``.

Example:
    >>> ResetOptions.model_validate({"task": "arithmetic/sum-list", "instruction": "first"}).instruction
    'first'
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skillgym.envs.core.errors import RequestError


class ResetOptions(BaseModel):
    """The options every family takes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    task: str | None = Field(
        default=None,
        description='The task to play, "family/name" (its newest version) or "family/name@1.0.0"; '
        "default: the environment's task.",
    )
    instruction: Literal["every", "first"] = Field(
        default="every",
        description="The instruction in every observation, or only in the reset's (for a policy "
        "that keeps it from the first message).",
    )


def read_options(
    model: type[ResetOptions], family: str, options: dict[str, Any] | None
) -> ResetOptions:
    """``options`` checked by ``model``.

    Raises:
        RequestError: Naming each option that is unknown or has the wrong type, and what
            the family takes.
    """
    try:
        return model.model_validate(options or {})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(map(str, error["loc"])) or "(root)"
            if error["type"] == "extra_forbidden":
                problems.append(f"unknown option {name!r}")
            else:
                problems.append(
                    f'options["{name}"]: {error["msg"]}, actual value: {error.get("input")!r}'
                )
        takes = ", ".join(repr(field) for field in model.model_fields)
        raise RequestError(
            f"Bad reset options: {'; '.join(problems)}. The {family} family takes {takes}."
        ) from None
