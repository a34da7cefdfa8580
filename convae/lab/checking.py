"""The machinery of the exercises' checks: registering a check, running it on a student's
answer, and turning what the answer does wrong into a message with a hint."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import torch


class Mistake(Exception):
    """What is wrong with an answer, and a hint towards fixing it."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem, self.hint = problem, hint


CHECKS: dict[str, Callable[[Any], str]] = {}
GIVEAWAYS: dict[str, tuple[str, ...]] = {}  # exercise id -> texts that would state its answer
NOT_DONE_HINT = "fill in the starter cell above, run it, then run this check again"
RAISED_HINT = "call your function on these arguments yourself to see where the error comes from"


Check = Callable[[Any], str]


def exercise(exercise_id: str, giveaways: tuple[str, ...] = ()) -> Callable[[Check], Check]:
    """Register a check function under `exercise_id`; it runs on a fork of PyTorch's global generator.
    `giveaways` are texts that state the answer: the student book must not show them (tested)."""

    def register(function: Callable[[Any], str]) -> Callable[[Any], str]:
        @functools.wraps(function)
        def isolated(answer: Any) -> str:
            with torch.random.fork_rng(devices=[]):  # whatever the check draws, the student's generator is untouched
                return function(answer)

        CHECKS[exercise_id] = isolated
        GIVEAWAYS[exercise_id] = giveaways
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
    except Exception as error:  # the student's own code is called through call: this is the check's fault
        return False, (f"⚠️ {exercise_id}: the check itself failed ({type(error).__name__}: {error}).\n"
                       "   This says nothing about your answer; please tell your instructor.")
    return True, f"✅ {exercise_id}: {praise}"


def check(exercise_id: str, answer: Any) -> None:
    """Test `answer` for exercise `exercise_id` and print what is right or wrong."""
    print(evaluate(exercise_id, answer)[1])


def require_function(answer: Any, name: str) -> Callable:
    if not callable(answer):
        raise Mistake(f"expected the function {name}, got {type(answer).__name__}", NOT_DONE_HINT)
    return answer


def build_module(answer: Any, name: str, *arguments: Any) -> torch.nn.Module:
    """The student's `nn.Module` class built with `arguments`; a Mistake if it is not one, or has no
    layers yet (the starter)."""
    if not (isinstance(answer, type) and issubclass(answer, torch.nn.Module)):
        raise Mistake(f"expected {name} class (an nn.Module subclass), got {type(answer).__name__}", NOT_DONE_HINT)
    module = call(answer, name, *arguments)
    if not list(module.parameters()):
        raise Mistake(f"{name} has no layers yet", NOT_DONE_HINT)
    return module


def call(function: Callable, name: str, *arguments: Any, none_hint: str = NOT_DONE_HINT) -> Any:
    """Call the student's function: an error it raises, or a None result, becomes a Mistake."""
    try:
        result = function(*arguments)
    except Exception as error:
        hint = NOT_DONE_HINT if isinstance(error, NotImplementedError) else RAISED_HINT
        raise Mistake(f"{name} raised {type(error).__name__}: {error}", hint) from error
    if result is None:
        raise Mistake(f"{name} returned None", none_hint)
    return result


def as_tensor(value: Any, name: str) -> torch.Tensor:
    """A student's result as a tensor (lists and numbers are converted); a Mistake if it cannot be one."""
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise Mistake(f"{name} returned a {type(value).__name__}, not a tensor", "return a torch.Tensor") from error


def as_number(value: Any, name: str) -> float:
    """A student's result as a float (a one-element tensor counts); a Mistake if it is not a number."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Mistake(f"{name} gave {value!r}, not a number", "return a single number")
    return float(value)


def as_whole_number(value: Any, name: str, hint: str) -> int:
    """A student's count or size as an int: 24 and 24.0 are both 24; a Mistake for 24.5 or a non-number."""
    number = as_number(value, name)
    if not number.is_integer():
        raise Mistake(f"{name} gave {value!r}, not a whole number", hint)
    return int(number)
