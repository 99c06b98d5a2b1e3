"""An episode as a chat: observations become messages, tool calls become actions.

Shared by the language-model policies (an OpenAI-compatible endpoint, the model
actor). The instruction is sent once, in the first user message; each later
observation is the answer to the model's last tool call (a ``tool`` message), or a
``user`` message when the model called none. The environment's tools go to the
model as function definitions.

A tool call becomes the action ``{"tool": <name>, "args": <arguments>}`` with the
arguments exactly as the model wrote them: malformed arguments make a malformed
action, which the environment answers like any other (``last_action_error``). A
model that calls no function has its text sent as the action, after one attempt
to read a call out of it (``{"name": ..., "arguments": ...}`` or
``{"tool": ..., "args": ...}``, bare or in ``<tool_call>`` tags), as small models
write them.

Example:
    >>> action_from_call("calculate", '{"expression": "2+2"}')
    '{"tool": "calculate", "args": {"expression": "2+2"}}'
    >>> calls_in_text('<tool_call>{"name": "submit", "arguments": {"answer": "4"}}</tool_call>')[0].name
    'submit'
"""

from __future__ import annotations

import json
import re
from typing import Any

from skillgym.clients.rollout.policy import EpisodeContext, Observation
from skillgym.clients.rollout.trajectory import ToolCall

SYSTEM_PROMPT = (
    "You are an agent acting in an environment through function calls. Each turn, call "
    "exactly one of the functions you are given; the environment answers with what "
    "happened. Call submit when the task is done."
)

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)


def render_observation(observation: Observation, *, first: bool) -> str:
    """An observation as message text: its fields as sections, the instruction only first."""
    parts = []
    for name, text in observation.items():
        if name == "instruction" and not first:
            continue
        if name == "last_action_error" and not text:
            continue
        parts.append(f"## {name}\n{text}" if name != "instruction" else text)
    return "\n\n".join(parts) or "(nothing new)"


def action_from_call(name: str, arguments: str) -> str:
    """The environment action for one function call, arguments as written."""
    return '{"tool": ' + json.dumps(name) + ', "args": ' + (arguments.strip() or "{}") + "}"


def calls_in_text(text: str) -> list[ToolCall]:
    """Function calls a model wrote as text rather than as structured tool calls."""
    candidates = _TAGGED.findall(text) or [text[text.find("{") : text.rfind("}") + 1]]
    calls = []
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        name = value.get("name", value.get("tool"))
        arguments = value.get("arguments", value.get("args", {}))
        if isinstance(name, str):
            text_args = arguments if isinstance(arguments, str) else json.dumps(arguments)
            calls.append(ToolCall(name=name, arguments=text_args))
    return calls


class Conversation:
    """The chat of one episode, grown a turn at a time."""

    def __init__(self, context: EpisodeContext, *, system_prompt: str = SYSTEM_PROMPT) -> None:
        self.context = context
        self.tools = context.tools
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": system_prompt}]
        self._pending_call_id: str | None = None
        self._turns = 0
        self._recorded = 0

    def observe(self, observation: Observation) -> dict[str, Any]:
        """Add ``observation`` as the next message; returns it."""
        text = render_observation(observation, first=self._turns == 0)
        if self._pending_call_id is not None:
            message = {"role": "tool", "tool_call_id": self._pending_call_id, "content": text}
        else:
            message = {"role": "user", "content": text}
        self.messages.append(message)
        self._turns += 1
        return message

    def answer(
        self, content: str | None, tool_calls: list[ToolCall]
    ) -> tuple[dict[str, Any], str, list[ToolCall]]:
        """Add the model's answer; returns the assistant message, its action and its calls."""
        message: dict[str, Any] = {"role": "assistant", "content": content or ""}
        calls = tool_calls or calls_in_text(content or "")
        if calls:
            for i, call in enumerate(calls):
                call.id = call.id or f"call_{self._turns}_{i}"
            message["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in calls
            ]
            # One action per step: the first call acts, the rest are kept in the turn.
            self._pending_call_id = calls[0].id
            action = action_from_call(calls[0].name, calls[0].arguments)
        else:
            self._pending_call_id = None
            action = content or ""
        self.messages.append(message)
        return message, action, calls

    def since_last_turn(self) -> list[dict[str, Any]]:
        """The messages added since the last call (the first call: the system prompt too)."""
        new = self.messages[self._recorded :]
        self._recorded = len(self.messages)
        return new
