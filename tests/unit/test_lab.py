"""The course-lab kit: every check fails on the empty starter and passes on the solution, and the
student edition keeps no solution."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
import torch
from helpers.exercises import CHAPTERS, exercises, load

import convae
from convae import lab
from course.edition import source_text

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[2]
def prelude(notebook: dict) -> str:
    """The chapter's imports cell: the first code cell that imports convae."""
    code = [source_text(c) for c in notebook["cells"] if c["cell_type"] == "code"]
    return next(source for source in code if "import convae" in source)


ALL_EXERCISES = [(path, *ex) for path in CHAPTERS for ex in exercises(load(path))]


def test_every_chapter_has_checked_exercises():
    assert len(CHAPTERS) == 9
    for path in CHAPTERS:
        assert 1 <= len(exercises(load(path))) <= 5, path.name
    assert {ex[1] for ex in ALL_EXERCISES} == set(lab.CHECKS)


@pytest.mark.parametrize("path, exercise_id, name, starter, solution", ALL_EXERCISES,
                         ids=[ex[1] for ex in ALL_EXERCISES])
def test_check_fails_on_starter_and_passes_on_solution(path, exercise_id, name, starter, solution):
    namespace: dict = {}
    exec(prelude(load(path)), namespace)
    exec(starter, namespace)
    passed, message = lab.evaluate(exercise_id, namespace[name])
    assert not passed and message.startswith("❌") and "Hint:" in message
    exec(solution, namespace)
    state = torch.get_rng_state()
    passed, message = lab.evaluate(exercise_id, namespace[name])
    assert passed, message
    assert torch.equal(torch.get_rng_state(), state), "the check moved the student's random generator"


def test_a_wrong_answer_gets_a_hint_not_the_solution(capsys):
    lab.check("01-output-size", lambda size, kernel, stride=1, padding=0: size - kernel + 1)
    printed = capsys.readouterr().out
    assert printed.startswith("❌ 01-output-size") and "Hint:" in printed and "//" not in printed
    lab.check("05-accuracy", lambda logits, labels: 100 * (logits.argmax(1) == labels).float().mean().item())
    assert "percentage" in capsys.readouterr().out


def conv_output_size_as_float(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) // stride + 1.0  # right, but a float


def test_a_right_number_passes_as_a_float_and_a_fraction_does_not():
    assert lab.evaluate("01-output-size", conv_output_size_as_float)[0]
    assert lab.evaluate("01-conv2-parameters", 4640.0)[0]
    passed, message = lab.evaluate("01-output-size", lambda size, kernel, stride=1, padding=0:
                                   (size + 2 * padding - kernel) / stride + 1)
    assert not passed and "not a whole number" in message
    passed, message = lab.evaluate("01-conv2-parameters", "4640")
    assert not passed and "'4640', not a number" in message


def test_errors_in_the_answer_and_in_the_check_are_told_apart(monkeypatch):
    passed, message = lab.evaluate("04-interpolate", lambda z0, z1, steps: z0 / 0 + [1])
    assert not passed and message.startswith("❌ 04-interpolate: interpolate raised TypeError")
    assert lab.RAISED_HINT in message and lab.NOT_DONE_HINT not in message
    passed, message = lab.evaluate("04-nearest", lambda codes, query, k: "the first five")
    assert not passed and "returned a str, not a tensor" in message

    def no_data(*args, **kwargs):
        raise convae.DataUnavailableError("no data here")

    monkeypatch.setattr(convae.data, "load_dataset", no_data)
    passed, message = lab.evaluate("03-latent-2", convae.Autoencoder(latent_dim=2))
    assert not passed
    assert message.startswith("⚠️ 03-latent-2: the check itself failed (DataUnavailableError: no data here)")
    assert "Hint" not in message and "starter" not in message


class StaysPut(convae.Autoencoder):
    """An autoencoder that refuses to be moved to any device or dtype."""

    def _apply(self, *args, **kwargs):
        raise AssertionError("the check moved the student's model")


def test_a_check_leaves_the_students_model_where_it_is(fashion_test_set):
    torch.manual_seed(0)
    model = StaysPut(latent_dim=2)  # untrained: the check fails it, but without moving it
    model.train()
    passed, message = lab.evaluate("03-latent-2", model)
    assert not passed and message.startswith("❌ 03-latent-2: test MSE") and "is above" in message
    assert model.training






