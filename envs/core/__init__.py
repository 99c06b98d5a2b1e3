"""The environment contract every SkillGym family builds on.

Only what the light client needs is imported here; task files (YAML) load lazily.
"""

from skillgym.envs.core.env import Episode, Observation, Policy, SkillGymEnv
from skillgym.envs.core.spaces import UnicodeText, space_from_json, space_to_json, text_fields
from skillgym.envs.core.tools import ActionError, Tool, ToolArgs, ToolCall, Toolset, tool
from skillgym.envs.core.verification import Check, Verification

__all__ = [
    "ActionError",
    "Check",
    "Episode",
    "Observation",
    "Policy",
    "SkillGymEnv",
    "Tool",
    "ToolArgs",
    "ToolCall",
    "Toolset",
    "UnicodeText",
    "Verification",
    "space_from_json",
    "space_to_json",
    "text_fields",
    "tool",
]
