"""Import a Terminal-Bench 2 / Harbor task folder as a SkillGym terminal task.

A Harbor task folder::

    <task>/
        instruction.md          what the agent is asked
        task.toml               [metadata] difficulty, category, tags; [agent] and [verifier]
                                timeout_sec; [environment] cpus, memory_mb, docker_image, ...
        environment/Dockerfile  the agent's container, and the files it COPYs
        solution/solve.sh       the oracle
        tests/test.sh           the verifier: installs pytest (from the network), runs
                                tests/test_*.py, writes /logs/verifier/reward.txt
        tests/test_*.py

becomes ``<tasks_root>/terminal/<name>/``, run **as Harbor runs it** in the docker sandbox
(``sandbox.harbor``; ``docs/harbor.md``):

- ``harbor/``: Harbor's ``environment/``, ``solution/``, ``tests/`` and ``task.toml``, as
  they are. The image is built from ``environment/Dockerfile`` on local stand-ins for its
  ``FROM`` images; the agent is root in its ``WORKDIR``; the oracle runs
  ``/solution/solve.sh``; after submit ``/tests/test.sh`` runs as written and the reward
  is the file it writes.
- ``task.yaml``: the instruction (braces doubled: it is a ``str.format`` template), title,
  difficulty, tags, limits, and ``sandbox`` with the workdir, resources and ``harbor``.

The converted form (``semantics="converted"``, and beside ``harbor/`` when it loses
nothing, for the bwrap sandbox) reads the Dockerfile without building it: ``fixtures/``
(files copied into the workdir), ``setup.sh`` (plain ``RUN`` steps), ``solution.sh`` and
``tests/`` (paths pointing at ``/verifier/tests``; a ``test_harbor_script.py`` running
``test.sh`` when there is no ``test_*.py``). What it cannot carry over is a warning, and
makes the task docker-only.

Modules:

- Harbor's semantics: ``importer`` (the entry point), ``harbor_form`` (what running as
  Harbor needs, and the differences that remain), ``stand_ins`` (``FROM`` images and their
  local stand-ins), ``images`` (the image's layers), ``builds`` (docker builds, downloads,
  the cache), ``harness`` (uv and the CPythons the tests ask for), ``episode`` (the oracle
  and the verifier), ``dataset`` (whole datasets and the import table).
- The converted form: ``config`` (task.toml), ``dockerfile`` (reading the Dockerfile),
  ``environment`` (its last stage as a plan, setup.sh), ``copies`` (COPY/ADD into
  fixtures/), ``commands`` and ``scripts`` (shell commands and scripts), ``paths``,
  ``tests_conversion`` (tests/), ``script_test`` (test.sh run as one test), ``solution``
  and ``task_yaml``.
"""

from skillgym.envs.terminal.harbor.importer import HarborImport, import_harbor_task

__all__ = ["HarborImport", "import_harbor_task"]
