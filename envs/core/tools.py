"""Tools: what an agent can do, as typed argument models dispatched to a fixed table.

An action is a string holding one JSON tool call, ``{"tool": "calculate", "args":
{"expression": "2+2"}}``. :class:`Toolset` parses it into the tool's pydantic argument
model and names the handler to call; nothing in an action is ever executed as code.
Each tool publishes its arguments as JSON Schema in the shape chat-model tool calling
uses, so an LLM policy can be handed ``env.tools`` directly.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

MAX_ACTION_CHARS = 100_000


class ToolArgs(BaseModel):
    """Base of every tool's argument model: unknown arguments are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class NoArgs(ToolArgs):
    """Arguments of a tool that takes none."""


@dataclass(frozen=True)
class Tool:
    """One tool: its name, what it does, its argument model, and its handler's name."""

    name: str
    description: str
    args_model: type[ToolArgs]
    handler: str

    def schema(self) -> dict[str, Any]:
        """This tool in the JSON Schema shape of chat-model tool calling."""
        parameters = self.args_model.model_json_schema()
        parameters.pop("title", None)
        parameters.pop("description", None)
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
            },
        }


@dataclass(frozen=True)
class ToolCall:
    """A parsed, validated action: the tool and its typed arguments."""

    tool: Tool
    args: ToolArgs


class ActionError(Exception):
    """An action that cannot be carried out; its message becomes ``last_action_error``.

    Not part of the public error tree on purpose: it never leaves ``step``.
    """


def tool(name: str, description: str, args_model: type[ToolArgs] = NoArgs) -> Callable[[Any], Any]:
    """Mark an environment method as the handler of a tool.

    Example:
        >>> class Echo(ToolArgs):
        ...     text: str
        >>> class MyEnv:
        ...     @tool("echo", "Repeat the text back.", Echo)
        ...     def _echo(self, args: Echo) -> str:
        ...         return args.text
        >>> MyEnv._echo.__skillgym_tool__.name
        'echo'
    """

    def mark(method: Any) -> Any:
        method.__skillgym_tool__ = Tool(name, description, args_model, method.__name__)
        return method

    return mark


class Toolset:
    """The fixed table of a family's tools, and the parser of actions into tool calls."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {t.name: t for t in tools}

    @classmethod
    def collect(cls, owner: type) -> Toolset:
        """The tools marked with :func:`tool` on ``owner`` and its bases (subclasses override)."""
        found: dict[str, Tool] = {}
        for klass in reversed(owner.__mro__):
            for attr in vars(klass).values():
                marked = getattr(attr, "__skillgym_tool__", None)
                if isinstance(marked, Tool):
                    found[marked.name] = marked
        return cls(found.values())

    @property
    def names(self) -> list[str]:
        """Tool names, in a stable order."""
        return sorted(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's JSON Schema, in name order."""
        return [self._tools[name].schema() for name in self.names]

    def parse(self, action: Any) -> ToolCall:
        """Parse one action string into a validated :class:`ToolCall`.

        Raises:
            ActionError: With a message saying what was expected and what came.
        """
        call = self._decode(action)
        name, args = call.get("tool"), call.get("args", {})
        extra = sorted(set(call) - {"tool", "args"})
        if extra:
            raise ActionError(
                f'Expects only the keys "tool" and "args", actual extra keys: {extra}'
            )
        if not isinstance(name, str):
            raise ActionError(f'Expects "tool" to be a tool name string, actual value: {name!r}')
        chosen = self._tools.get(name)
        if chosen is None:
            raise ActionError(self._unknown_tool_message(name))
        if not isinstance(args, dict):
            raise ActionError(f'Expects "args" to be a JSON object, actual value: {args!r}')
        try:
            return ToolCall(chosen, chosen.args_model.model_validate(args))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'args'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ActionError(f"Invalid arguments for tool {name!r}: {problems}") from None

    def _decode(self, action: Any) -> dict[str, Any]:
        if not isinstance(action, str):
            raise ActionError(
                f"Expects the action to be a string of JSON, actual type: {type(action).__name__}"
            )
        if len(action) > MAX_ACTION_CHARS:
            raise ActionError(
                f"Expects an action of at most {MAX_ACTION_CHARS} characters, actual length: {len(action)}"
            )
        try:
            call = json.loads(action)
        except json.JSONDecodeError as exc:
            raise ActionError(
                f'Expects one JSON tool call like {{"tool": "{self.names[0]}", "args": {{...}}}}, '
                f"actual value is not JSON ({exc.msg} at position {exc.pos}): {action[:200]!r}"
            ) from None
        except RecursionError:
            raise ActionError(
                "Expects one JSON tool call; actual value is nested too deeply."
            ) from None
        if not isinstance(call, dict):
            raise ActionError(
                f'Expects a JSON object with a "tool" key, actual value: {action[:200]!r}'
            )
        return call

    def _unknown_tool_message(self, name: str) -> str:
        message = f"Unknown tool {name!r}; expects one of: {', '.join(self.names)}."
        close = difflib.get_close_matches(name, self.names, n=1)
        return f"{message} Did you mean {close[0]}?" if close else message
