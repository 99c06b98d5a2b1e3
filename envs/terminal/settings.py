"""The terminal sandbox's settings: which sandbox, where bwrap keeps its files, its cgroups.

Read when a terminal environment is made (``SKILLGYM_SANDBOX``) and when a bwrap
sandbox starts or a server sweeps up a dead one's (the folder and the cgroup root).

Example:
    >>> SandboxSettings(sandbox="docker").sandbox
    'docker'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from skillgym.envs.core.settings import SkillGymSettings
from skillgym.envs.terminal.sandbox import SandboxKind


class SandboxSettings(SkillGymSettings):
    """Where the terminal family's episodes run."""

    sandbox: SandboxKind = Field(
        default="bwrap",
        description="Where terminal episodes run: bwrap (a local sandbox with no network) "
        "or docker (a container per episode); a sandbox asked for in code or in reset "
        "options wins.",
    )
    sandbox_dir: Path | None = Field(
        default=None,
        description="Where bwrap sandboxes keep their files; "
        "default: skillgym-sandboxes in the system's temporary folder.",
    )
    cgroup_root: Path = Field(
        default=Path("/sys/fs/cgroup"),
        description="The control-group hierarchy that bwrap sandboxes take their memory, "
        "process and CPU limits from; where it is not writable, per-process limits apply.",
    )
