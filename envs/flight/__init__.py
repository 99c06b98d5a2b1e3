"""The flight family: book, change and cancel flights on a real site in a real browser."""

from skillgym.envs.flight.env import FlightEnv

__all__ = ["FlightEnv"]
