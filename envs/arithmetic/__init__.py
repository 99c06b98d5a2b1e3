"""The arithmetic family: seeded problems, a calculator tool, exact verification."""

from skillgym.envs.arithmetic.env import ArithmeticEnv

__all__ = ["ArithmeticEnv"]
