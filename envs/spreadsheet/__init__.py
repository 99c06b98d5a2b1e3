"""The spreadsheet family: financial models in .xlsx workbooks, verified by recalculation."""

from skillgym.envs.spreadsheet.env import SpreadsheetEnv

__all__ = ["SpreadsheetEnv"]
