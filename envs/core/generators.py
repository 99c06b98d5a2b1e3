"""A task's generator: the ``generate.py`` in its folder, loaded and called with typed params.

Every task folder that draws its episodes from the seed holds ``generate.py`` with::

    class Params(BaseModel):          # optional: what task.yaml's ``params:`` may say
        model_config = ConfigDict(extra="forbid")
        strict: bool = False

    def generate(rng: Random, params: Params) -> <the family's episode type>

(``generate(rng)`` when the module defines no ``Params``; then ``params:`` must be empty.)
What ``generate`` returns is the family's to say: a flight ``Scenario``, a spreadsheet
``Scenario``, a terminal ``Generated``, an arithmetic ``Problem``. The folder is imported
as a package of its own, so ``generate.py`` may import sibling modules of the task
(``from .audit import Audit``) and nothing leaks between tasks or versions.

Example:
    >>> from skillgym.envs.core.tasks import TaskCatalog
    >>> spec = TaskCatalog.load().resolve("arithmetic/sum-list@1.0.0")
    >>> generator = load_generator(spec)
    >>> generator.params_model.__name__
    'Params'
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from skillgym.envs.core.errors import TaskFormatError
from skillgym.envs.core.tasks import TaskSpec

GENERATOR_FILE = "generate.py"
STATIC = "static"
"""``generator: static``: a task whose episodes draw nothing (a terminal task with fixed files)."""
_PACKAGE_PREFIX = "skillgym_task_"
_lock = threading.Lock()
_loaded: dict[tuple[str, str], TaskGenerator] = {}


@dataclass(frozen=True)
class TaskGenerator:
    """One task's ``generate`` with its ``Params`` model, ready to call."""

    module: ModuleType
    function: Callable[..., Any]
    params_model: type[BaseModel] | None
    where: str
    _checked: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def params(self, raw: dict[str, Any]) -> BaseModel | None:
        """``raw`` (task.yaml's ``params:``) checked by ``Params``.

        Raises:
            TaskFormatError: Naming each parameter that is wrong, or ``params:`` given to a
                generator that takes none.
        """
        if self.params_model is None:
            if raw:
                raise TaskFormatError(
                    f"{self.where}: params {sorted(raw)} given, but generate.py defines no Params "
                    "model to read them (add `class Params(BaseModel)` or remove params:)"
                )
            return None
        try:
            return self.params_model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"params.{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}"
                for e in exc.errors()
            )
            raise TaskFormatError(f"{self.where}: {problems}") from None

    def __call__(self, rng: Random, raw: dict[str, Any]) -> Any:
        """Draw one episode: ``generate(rng, Params(**raw))``, or ``generate(rng)`` without Params."""
        if self.params_model is None:
            self.params(raw)  # refuses params: given to a generator that takes none
            return self.function(rng)
        # a generator is one folder's content, so its task.yaml's params: are checked once
        params = self._checked.get("params")
        if params is None:
            params = self._checked["params"] = self.params(raw)
        return self.function(rng, params)


def load_generator(spec: TaskSpec) -> TaskGenerator:
    """The generator of ``spec``'s folder, imported once per folder and content.

    Raises:
        TaskFormatError: For a task without a folder, a missing ``generate.py``, a module
            that fails to import or has no ``generate`` function, or a ``Params`` that is
            not a pydantic model.
    """
    if spec.generator != GENERATOR_FILE:
        raise TaskFormatError(
            f"{spec.ref}: expects generator: {GENERATOR_FILE} (the file in the task's folder), "
            f"actual value: {spec.generator!r}"
        )
    folder = spec.folder
    if folder is None:
        raise TaskFormatError(
            f"{spec.ref}: a task built in code has no folder to load {GENERATOR_FILE} from"
        )
    # Looked up on every reset: no filesystem call on a hit (the folder's path, as the
    # catalogue found it, and its content name the module), and no lock.
    key = (str(folder), spec.content_hash)
    loaded = _loaded.get(key)
    if loaded is not None:
        return loaded
    with _lock:
        if key not in _loaded:
            _loaded[key] = _import(
                folder, spec.content_hash, f"{spec.ref} ({folder / GENERATOR_FILE})"
            )
        return _loaded[key]


def generate_episode(spec: TaskSpec, rng: Random) -> Any:
    """Run ``spec``'s generator for one episode (what a family's ``start_episode`` calls)."""
    return load_generator(spec)(rng, spec.params)


def _import(folder: Path, content_hash: str, where: str) -> TaskGenerator:
    path = folder / GENERATOR_FILE
    if not path.is_file():
        raise TaskFormatError(f"{where}: the task's folder has no {GENERATOR_FILE}")
    # The folder becomes a package named after its content, so sibling imports work and two
    # versions of one task (or an edited copy) never share modules.
    package_name = (
        _PACKAGE_PREFIX + hashlib.sha256(f"{folder}|{content_hash}".encode()).hexdigest()[:16]
    )
    package = ModuleType(package_name)
    package.__path__ = [str(folder)]
    package.__file__ = None
    package.__package__ = package_name
    sys.modules[package_name] = package
    try:
        module = importlib.import_module(f"{package_name}.generate")
    except TaskFormatError:
        raise
    except Exception as exc:  # a task's own code: any error is the task's, reported as such
        raise TaskFormatError(f"{where}: importing it failed: {type(exc).__name__}: {exc}") from exc
    function = getattr(module, "generate", None)
    if not callable(function):
        raise TaskFormatError(
            f"{where}: expects a function generate(rng, params) (or generate(rng)); none found"
        )
    params_model = getattr(module, "Params", None)
    if params_model is not None and not (
        isinstance(params_model, type) and issubclass(params_model, BaseModel)
    ):
        raise TaskFormatError(
            f"{where}: Params must be a pydantic BaseModel subclass, actual value: {params_model!r}"
        )
    return TaskGenerator(module, function, params_model, where)


def expect_type(generated: Any, kind: type[Any], spec: TaskSpec) -> Any:
    """``generated`` if it is a ``kind`` (what the family's episodes are built from).

    Raises:
        TaskFormatError: Saying what ``generate`` returned instead.
    """
    if not isinstance(generated, kind):
        raise TaskFormatError(
            f"{spec.ref}: generate() must return a {kind.__module__}.{kind.__qualname__}, "
            f"actual type: {type(generated).__module__}.{type(generated).__qualname__}"
        )
    return generated
