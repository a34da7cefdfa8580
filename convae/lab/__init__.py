"""Checks for the exercises at the end of each chapter.

`check("01-output-size", conv_output_size)` tests a student's answer for real and prints a kind
message: what is right, what is wrong, and a hint, never the solution. It never raises, so a
notebook keeps running; `evaluate` returns the verdict for tests. A check leaves the student's
state alone: PyTorch's global random generator is restored afterwards and models stay where they are.
"""

from . import chapter1, chapter2, chapter3, chapter4, chapter5, chapter6, chapter7, chapter8, chapter9  # noqa: F401 (each registers its checks)
from .checking import CHECKS, GIVEAWAYS, NOT_DONE_HINT, RAISED_HINT, Mistake, check, evaluate

__all__ = ["CHECKS", "GIVEAWAYS", "NOT_DONE_HINT", "RAISED_HINT", "Mistake", "check", "evaluate"]
