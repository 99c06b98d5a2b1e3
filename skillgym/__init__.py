"""SkillGym: verifiable reinforcement-learning environments for LLM agents, served over HTTP.

Example:
    >>> import gymnasium as gym
    >>> import skillgym  # registers skillgym/<Family>-v0 with Gymnasium
    >>> env = gym.make("skillgym/Arithmetic-v0", task="arithmetic/sum-list@1.0.0")
    >>> obs, info = env.reset(seed=7)
    >>> sorted(obs)
    ['instruction', 'last_action_error', 'output']

With ``base_url="http://host:8000"`` the same call gives the environment over HTTP.
"""

from skillgym.envs.core.registry import FAMILIES, register_envs
from skillgym.factory import make_env

__version__ = "0.1.0"
__all__ = ["FAMILIES", "__version__", "make_env", "register_envs"]

register_envs("skillgym.factory:make_env")
