"""Checks for the exercises at the end of each chapter.

`check("01-output-size", conv_output_size)` tests a student's answer for real and prints a kind
message: what is right, what is wrong, and a hint, never the solution. It never raises, so a
notebook keeps running; `evaluate` returns the verdict for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .models import Autoencoder, Classifier, Decoder


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


def _compare_sizes(function: Callable, cases: list[tuple[tuple[int, ...], int]], name: str, hint: str) -> None:
    for arguments, expected in cases:
        got = function(*arguments)
        if got is None:
            raise Mistake(f"{name}{arguments} returned None", NOT_DONE_HINT)
        if got != expected or not isinstance(got, int):
            raise Mistake(f"{name}{arguments} gave {got!r}, but PyTorch's layer gives {expected}", hint)


def _conv_cases(transposed: bool) -> list[tuple[tuple[int, ...], int]]:
    generator = torch.Generator().manual_seed(0)
    cases = []
    for _ in range(30):
        size, kernel, stride, padding = (int(torch.randint(lo, hi, (), generator=generator))
                                         for lo, hi in ((3, 40), (1, 6), (1, 4), (0, 3)))
        padding = min(padding, kernel // 2)
        if transposed:
            output_padding = int(torch.randint(0, stride, (), generator=generator))
            layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding)
            arguments = (size, kernel, stride, padding, output_padding)
        else:
            if size + 2 * padding < kernel:
                continue
            layer = nn.Conv2d(1, 1, kernel, stride, padding)
            arguments = (size, kernel, stride, padding)
        cases.append((arguments, layer(torch.zeros(1, 1, size, size)).shape[-1]))
    return cases


def _check_size_function(answer: Any, signature: str, network_cases: list, transposed: bool, hint: str) -> str:
    """Compare a student's output-size function with PyTorch on the network's layers and random ones."""
    function = _require_function(answer, signature)
    name = signature.split("(")[0]
    _compare_sizes(function, network_cases, name, hint)
    _compare_sizes(function, _conv_cases(transposed), name, hint)
    network, layer = ("Decoder", "ConvTranspose2d") if transposed else ("Encoder", "Conv2d")
    return f"it matches every {network} layer and 30 random {layer} layers."


@exercise("01-output-size")
def _check_output_size(answer: Any) -> str:
    encoder_cases = [((28, 5, 1, 0), 24), ((24, 2, 2, 0), 12), ((12, 3, 1, 1), 12), ((6, 3, 2, 1), 3)]
    hint = ("count the positions the kernel can take along one side: padding adds 2 × padding pixels, "
            "and a stride of s keeps every s-th position (round down)")
    return _check_size_function(answer, "conv_output_size(size, kernel, stride, padding)", encoder_cases,
                                transposed=False, hint=hint)


@exercise("01-conv2-parameters")
def _check_conv2_parameters(answer: Any) -> str:
    if answer is None:
        raise Mistake("conv2_parameters is still None", NOT_DONE_HINT)
    layer = nn.Conv2d(16, 32, kernel_size=3, padding=1)
    expected = sum(p.numel() for p in layer.parameters())
    weights = layer.weight.numel()
    if answer == weights:
        raise Mistake(f"{answer} counts the weights only", "every output channel also has one bias")
    if answer != expected:
        raise Mistake(f"{answer} is not the number of parameters of conv2",
                      "each output channel has one kernel per input channel, each kernel 3 × 3 numbers")
    return f"conv2 holds {expected:,} parameters."


@exercise("02-transposed-size")
def _check_transposed_size(answer: Any) -> str:
    decoder_cases = [((3, 3, 2, 1, 1), 6), ((6, 3, 2, 1, 1), 12), ((12, 5, 2, 0, 1), 28)]
    hint = ("each input pixel places a kernel-sized patch, patches start stride pixels apart; "
            "padding then trims pixels from both sides and output_padding adds to one side")
    return _check_size_function(answer, "transposed_output_size(size, kernel, stride, padding, output_padding)",
                                decoder_cases, transposed=True, hint=hint)


@exercise("02-decoder-forward")
def _check_decoder_forward(answer: Any) -> str:
    function = _require_function(answer, "decoder_forward(decoder, z)")
    for latent_dim in (12, 5):
        torch.manual_seed(latent_dim)
        decoder = Decoder(latent_dim)
        z = torch.randn(4, latent_dim)
        got = _call(function, "decoder_forward", decoder, z)
        expected = decoder(z)
        if tuple(got.shape) != tuple(expected.shape):
            raise Mistake(f"the output has shape {tuple(got.shape)}, expected {tuple(expected.shape)}",
                          "reshape the fc output to (B, 64, 3, 3) before the first transposed convolution")
        if not torch.allclose(got, expected, atol=1e-6):
            raise Mistake(f"the shape is right but the values differ from Decoder.forward (latent {latent_dim})",
                          "ReLU after deconv1 and deconv2, Sigmoid after deconv3, and nothing after fc")
    return "your forward pass matches Decoder.forward exactly, for latent sizes 12 and 5."


@exercise("03-bce")
def _check_bce(answer: Any) -> str:
    function = _require_function(answer, "binary_cross_entropy(x_hat, x)")
    generator = torch.Generator().manual_seed(0)
    x_hat = torch.rand(8, 1, 28, 28, generator=generator) * 0.98 + 0.01
    x = torch.rand(8, 1, 28, 28, generator=generator)
    got = _call(function, "binary_cross_entropy", x_hat, x)
    expected = F.binary_cross_entropy(x_hat, x)
    got = torch.as_tensor(got)
    if got.shape != ():
        raise Mistake(f"expected a single number (the mean), got shape {tuple(got.shape)}",
                      "average over every pixel of every image")
    if torch.isclose(got, -expected, rtol=1e-4):
        raise Mistake("the sign is flipped", "the loss is minus the log-likelihood, so it is positive")
    if not torch.isclose(got, expected, rtol=1e-4):
        raise Mistake(f"your loss is {got.item():.5f}, PyTorch's binary_cross_entropy gives {expected.item():.5f}",
                      "one term for the target's 'ink' share x, one for its 'paper' share 1 - x")
    return f"it matches F.binary_cross_entropy ({expected.item():.5f})."


LATENT2_MSE_THRESHOLD = 0.045  # untrained autoencoders score about 0.17; the solution (one epoch) about 0.035


@exercise("03-latent-2")
def _check_latent_2(answer: Any) -> str:
    from .data import load_dataset
    from .evaluate import evaluate_autoencoder

    if not isinstance(answer, Autoencoder):
        raise Mistake(f"expected a trained convae.Autoencoder, got {type(answer).__name__}", NOT_DONE_HINT)
    if answer.latent_dim != 2:
        raise Mistake(f"this autoencoder has latent_dim {answer.latent_dim}", "build it with Autoencoder(latent_dim=2)")
    test_set = load_dataset("fashion-mnist", "test")
    mse = evaluate_autoencoder(answer.cpu(), test_set.subset(torch.arange(2000)))["mse"]
    if mse > LATENT2_MSE_THRESHOLD:
        raise Mistake(f"test MSE {mse:.4f} is above {LATENT2_MSE_THRESHOLD}",
                      "train on the whole training set for at least one epoch, with the one-cycle schedule")
    return f"test MSE {mse:.4f} with only 2 numbers per image."


@exercise("04-interpolate")
def _check_interpolate(answer: Any) -> str:
    function = _require_function(answer, "interpolate(z0, z1, steps)")
    generator = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(2, 12, generator=generator)
    got = _call(function, "interpolate", z0, z1, 5)
    expected = torch.stack([z0 + t * (z1 - z0) for t in torch.linspace(0, 1, 5)])
    if tuple(got.shape) != (5, 12):
        raise Mistake(f"expected shape (5, 12) for 5 steps, got {tuple(got.shape)}", "one row per step")
    if not (torch.allclose(got[0], z0) and torch.allclose(got[-1], z1)):
        raise Mistake("the first row should be z0 and the last z1", "include both end points")
    if not torch.allclose(got, expected, atol=1e-6):
        raise Mistake("the end points are right but the steps in between are not evenly spaced",
                      "the fraction t goes from 0 to 1 in equal steps")
    return "evenly spaced, both end points included."


@exercise("04-nearest")
def _check_nearest(answer: Any) -> str:
    function = _require_function(answer, "nearest_neighbours(codes, query, k)")
    generator = torch.Generator().manual_seed(0)
    codes = torch.randn(500, 12, generator=generator)
    query = torch.randn(12, generator=generator)
    got = _call(function, "nearest_neighbours", codes, query, 5)
    expected = torch.linalg.vector_norm(codes - query, dim=1).argsort()[:5]
    got = torch.as_tensor(got)
    if got.shape != (5,):
        raise Mistake(f"expected 5 indices, got shape {tuple(got.shape)}", "return the indices of the k closest rows")
    if set(got.tolist()) == set(expected.tolist()) and not torch.equal(got, expected):
        raise Mistake("the right neighbours, in the wrong order", "closest first")
    farthest = torch.linalg.vector_norm(codes - query, dim=1).argsort(descending=True)[:5]
    if torch.equal(got, farthest):
        raise Mistake("these are the farthest codes", "sort distances in ascending order")
    if not torch.equal(got, expected):
        raise Mistake("these are not the closest codes", "Euclidean distance from the query to every row of codes")
    return "the 5 nearest codes, closest first."


@exercise("05-frozen-step")
def _check_frozen_step(answer: Any) -> str:
    function = _require_function(answer, "frozen_step(model, optimizer, images, labels)")
    torch.manual_seed(0)
    model = Classifier(latent_dim=12)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    images, labels = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    expected_loss = F.cross_entropy(model(images), labels).item()
    encoder_before = [p.clone() for p in model.encoder.parameters()]
    head_before = [p.clone() for p in (model.fc1.weight, model.fc2.weight)]
    loss = function(model, optimizer, images, labels)
    if loss is None:
        raise Mistake("frozen_step returned None", NOT_DONE_HINT + " (return the loss as a float)")
    if any(not torch.equal(a, b) for a, b in zip(encoder_before, model.encoder.parameters())):
        raise Mistake("the encoder's weights changed",
                      "compute the codes without gradients, e.g. under torch.no_grad()")
    if all(torch.equal(a, b) for a, b in zip(head_before, (model.fc1.weight, model.fc2.weight))):
        raise Mistake("the head did not change", "call loss.backward() and optimizer.step() (after zero_grad)")
    if abs(float(loss) - expected_loss) > 1e-4:
        raise Mistake(f"the returned loss {float(loss):.4f} is not the cross-entropy before the step "
                      f"({expected_loss:.4f})", "return loss.item() of the batch you trained on")
    return "the encoder stayed frozen, the head learned, and the loss is right."


@exercise("05-accuracy")
def _check_accuracy(answer: Any) -> str:
    function = _require_function(answer, "accuracy(logits, labels)")
    generator = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(200, 10, generator=generator), torch.randint(0, 10, (200,), generator=generator)
    got = _call(function, "accuracy", logits, labels)
    expected = (logits.argmax(dim=1) == labels).float().mean().item()
    if isinstance(got, torch.Tensor):
        got = got.item()
    if abs(got - 100 * expected) < 1e-6:
        raise Mistake("that is a percentage", "return a fraction between 0 and 1")
    if abs(got - expected) > 1e-6:
        raise Mistake(f"got {got}, expected a different fraction on random logits",
                      "the predicted class is the index of the largest logit in each row")
    return f"{expected:.3f} on 200 random logits, as expected."
