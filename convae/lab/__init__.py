"""Checks for the exercises at the end of each chapter.

`check("01-output-size", conv_output_size)` tests a student's answer for real and prints a kind
message: what is right, what is wrong, and a hint, never the solution. It never raises, so a
notebook keeps running; `evaluate` returns the verdict for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Mistake(Exception):
    """What is wrong with an answer, and a hint towards fixing it."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem, self.hint = problem, hint


CHECKS: dict[str, Callable[[Any], str]] = {}
NOT_DONE_HINT = "fill in the starter cell above, run it, then run this check again"


def exercise(exercise_id: str) -> Callable[[Callable[[Any], str]], Callable[[Any], str]]:
    """Register a check function under `exercise_id`."""

    def register(function: Callable[[Any], str]) -> Callable[[Any], str]:
        CHECKS[exercise_id] = function
        return function

    return register


def evaluate(exercise_id: str, answer: Any) -> tuple[bool, str]:
    """Test `answer` for exercise `exercise_id`: (passed, the message for the student)."""
    if exercise_id not in CHECKS:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(CHECKS))}")
    try:
        praise = CHECKS[exercise_id](answer)
    except Mistake as mistake:
        return False, f"❌ {exercise_id}: {mistake.problem}\n   Hint: {mistake.hint}"
    except Exception as error:  # the student's code raised: report it kindly
        return False, f"❌ {exercise_id}: your code raised {type(error).__name__}: {error}\n   Hint: {NOT_DONE_HINT}"
    return True, f"✅ {exercise_id}: {praise}"


def check(exercise_id: str, answer: Any) -> None:
    """Test `answer` for exercise `exercise_id` and print what is right or wrong."""
    print(evaluate(exercise_id, answer)[1])


def _require_function(answer: Any, name: str) -> Callable:
    if not callable(answer):
        raise Mistake(f"expected the function {name}, got {type(answer).__name__}", NOT_DONE_HINT)
    return answer


def _call(function: Callable, name: str, *arguments: Any) -> Any:
    """Call the student's function; a None result means the starter was not filled in."""
    result = function(*arguments)
    if result is None:
        raise Mistake(f"{name} returned None", NOT_DONE_HINT)
    return result




# Each chapter's checks register themselves when their module is imported.
from . import chapter1, chapter2, chapter3, chapter4, chapter5  # noqa: E402, F401
