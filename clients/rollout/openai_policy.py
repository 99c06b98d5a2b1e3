"""A policy served by any OpenAI-compatible ``/v1/chat/completions`` endpoint.

vLLM, SGLang, llama.cpp's server and hosted APIs alike: the environment's tools go
as function definitions, the instruction once and each observation as a message
(:mod:`~skillgym.clients.rollout.chat`), and the answer's tool call becomes the
action. Logprobs are asked for and kept as returned; token ids are kept where the
server returns them (vLLM: ``return_token_ids``, or ``token_id:N`` token strings),
else the tokens' text, so a trainer never re-tokenizes what the model produced.

Example::

    policy = OpenAIPolicy(base_url="http://127.0.0.1:8080/v1", model="smollm2")
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from skillgym.clients.rollout.chat import Conversation
from skillgym.clients.rollout.policy import Agent, Decision, EpisodeContext, Observation
from skillgym.clients.rollout.trajectory import ToolCall

_TOKEN_ID = re.compile(r"^token_id:(\d+)$")


class EndpointError(RuntimeError):
    """The endpoint did not answer a chat completion (status, body excerpt)."""


@dataclass
class OpenAIPolicy:
    """Chat completions from ``base_url`` (ending in ``/v1``) with ``model``."""

    base_url: str
    model: str
    temperature: float = 1.0
    max_tokens: int = 256
    timeout_s: float = 300.0
    api_key: str | None = None
    """Bearer key; default ``$OPENAI_API_KEY`` when set."""
    extra_body: dict[str, Any] = field(default_factory=dict)
    """More request fields, e.g. ``{"return_token_ids": True}`` for vLLM."""
    version: str = ""
    _http: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        """``openai:<base_url>#<model>``."""
        return f"openai:{self.base_url}#{self.model}"

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.version = self.version or self.model

    def __getstate__(self) -> dict[str, Any]:  # shipped to workers without its connections
        state = dict(self.__dict__)
        state["_http"] = None
        return state

    def agent(self, context: EpisodeContext) -> Agent:
        """A chat of its own for this episode."""
        return _ChatAgent(self, Conversation(context))

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                connector=aiohttp.TCPConnector(limit=0),
            )
        return self._http

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """One chat completion; the parsed JSON answer."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "logprobs": True,
            "top_logprobs": 1,  # llama.cpp's server returns logprobs only with it
            **self.extra_body,
        }
        if tools:
            body["tools"] = tools
        headers = {}
        key = self.api_key or os.environ.get("OPENAI_API_KEY")
        if key:
            headers["authorization"] = f"Bearer {key}"
        async with self._client().post(
            f"{self.base_url}/chat/completions", json=body, headers=headers
        ) as answer:
            if answer.status >= 400:
                text = (await answer.text())[:500]
                raise EndpointError(
                    f"POST {self.base_url}/chat/completions answered {answer.status}: {text}"
                )
            return await answer.json(content_type=None)


class _ChatAgent:
    def __init__(self, policy: OpenAIPolicy, conversation: Conversation) -> None:
        self.policy = policy
        self.chat = conversation

    async def act(self, observation: Observation) -> Decision:
        self.chat.observe(observation)
        answer = await self.policy.complete(self.chat.messages, self.chat.tools)
        try:
            choice = answer["choices"][0]
            reply = choice["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise EndpointError(
                f"The endpoint's answer has no choices[0].message: {str(answer)[:300]}"
            ) from exc
        calls = [
            ToolCall(
                id=c.get("id"),
                name=c["function"]["name"],
                arguments=c["function"].get("arguments") or "",
            )
            for c in reply.get("tool_calls") or []
        ]
        _, action, calls = self.chat.answer(reply.get("content"), calls)
        tokens, logprobs, token_ids = _generated(choice)
        return Decision(
            action=action,
            messages=self.chat.since_last_turn(),
            tool_calls=calls,
            prompt_token_ids=answer.get("prompt_token_ids") or choice.get("prompt_token_ids"),
            completion_token_ids=token_ids,
            completion_tokens=None if token_ids else tokens,
            logprobs=logprobs,
            loss_mask=[1] * len(logprobs) if logprobs else None,
        )


def _generated(
    choice: dict[str, Any],
) -> tuple[list[str] | None, list[float] | None, list[int] | None]:
    """Generated tokens (text), their logprobs and, where the server gave them, ids."""
    entries = (choice.get("logprobs") or {}).get("content") or []
    if not entries:
        return None, None, choice.get("token_ids")
    tokens = [e.get("token", "") for e in entries]
    logprobs = [float(e["logprob"]) for e in entries]
    ids = choice.get("token_ids")
    if ids is None:
        matched = [_TOKEN_ID.match(t) for t in tokens]
        if all(matched):
            ids = [int(m.group(1)) for m in matched if m]
    return tokens, logprobs, ids
