"""``skillgym new task <family>/<name>``: a working task folder from the family's template.

A family keeps its template in ``template/`` beside its env class's module (or names
another folder in the class's ``template_dir``). Every text file of the template is
copied with ``{{id}}``, ``{{name}}`` and ``{{family}}`` filled in; the result's oracle
passes ``skillgym validate --tasks-dir DIR`` as it is, so an author starts from a task
that works and changes it step by step.
"""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

from skillgym.envs.core.errors import RequestError, TaskFormatError
from skillgym.envs.core.registry import env_class
from skillgym.envs.core.tasks import TASK_ID

PLACEHOLDERS = ("{{id}}", "{{name}}", "{{family}}")


def template_dir(family: str) -> Path:
    """The template folder of ``family``.

    Raises:
        TaskFormatError: If the family ships no template.
    """
    cls = env_class(family)
    folder = getattr(cls, "template_dir", None) or Path(inspect.getfile(cls)).parent / "template"
    if not (Path(folder) / "task.yaml").is_file():
        raise TaskFormatError(
            f"The {family} family ships no task template (expects {folder}/task.yaml)."
        )
    return Path(folder)


def new_task(task_id: str, tasks_dir: Path, *, force: bool = False) -> Path:
    """Write the template of ``task_id``'s family to ``tasks_dir/<family>/<name>/``.

    Raises:
        RequestError: For an id not shaped ``family/task-name``, or a folder that exists
            (unless ``force``).
        EnvNotFoundError: For an unknown family.
    """
    if not TASK_ID.match(task_id):
        raise RequestError(
            f"Expects a task id like 'terminal/count-lines' (lower case, digits and dashes), "
            f"actual value: {task_id!r}"
        )
    family, name = task_id.split("/", 1)
    source = template_dir(family)
    target = Path(tasks_dir) / family / name
    if target.exists():
        if not force:
            raise RequestError(f"{target} already exists; pass --force to overwrite it.")
        shutil.rmtree(target)
    values = dict(zip(PLACEHOLDERS, (task_id, name, family), strict=True))
    for path in sorted(source.rglob("*")):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            destination.write_bytes(data)
        else:
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            destination.write_text(text, encoding="utf-8")
        destination.chmod(path.stat().st_mode & 0o777)
    return target
