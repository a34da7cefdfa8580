"""Exercise checks of chapter 3: the loss, a two-number bottleneck, and the training loop itself."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..models import Autoencoder
from .checking import NOT_DONE_HINT, Mistake, as_tensor, call, exercise, require_function


@exercise("03-bce")
def _check_bce(answer: Any) -> str:
    function = require_function(answer, "binary_cross_entropy(x_hat, x)")
    generator = torch.Generator().manual_seed(0)
    x_hat = torch.rand(8, 1, 28, 28, generator=generator) * 0.98 + 0.01
    x = torch.rand(8, 1, 28, 28, generator=generator)
    got = as_tensor(call(function, "binary_cross_entropy", x_hat, x), "binary_cross_entropy").detach().cpu()
    expected = F.binary_cross_entropy(x_hat, x)
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
    from ..data import load_dataset
    from ..evaluate import evaluate_autoencoder

    if not isinstance(answer, Autoencoder):
        raise Mistake(f"expected a trained convae.Autoencoder, got {type(answer).__name__}", NOT_DONE_HINT)
    if answer.latent_dim != 2:
        raise Mistake(f"this autoencoder has latent_dim {answer.latent_dim}", "build it with Autoencoder(latent_dim=2)")
    test_set = load_dataset("fashion-mnist", "test")
    mse = evaluate_autoencoder(answer, test_set.subset(torch.arange(2000)))["mse"]  # on the model's own device
    if mse > LATENT2_MSE_THRESHOLD:
        raise Mistake(f"test MSE {mse:.4f} is above {LATENT2_MSE_THRESHOLD}",
                      "train on the whole training set for at least one epoch, with the one-cycle schedule")
    return f"test MSE {mse:.4f} with only 2 numbers per image."


LOOP_BATCH = 64  # the exercise's batch size
LOOP_EPOCHS = 5


@exercise("03-train-loop")
def _check_train_loop(answer: Any) -> str:
    function = require_function(answer, "train(model, images, epochs, optimizer, scheduler, generator)")
    images = _garment_blobs(LOOP_BATCH)  # one batch: at learning rate 0 every step sees the same gradient
    frozen = _small_autoencoder()
    still = torch.optim.SGD(frozen.parameters(), lr=0.0)
    losses = _run(function, frozen, images, 2, still, torch.optim.lr_scheduler.LambdaLR(still, lambda step: 1.0))
    reference = _small_autoencoder()
    expected = F.mse_loss(reference(images), images)
    expected.backward()  # one step's gradient, in reference's .grad
    if abs(losses[0] - expected.item()) > 1e-4 * expected.item():
        raise Mistake(f"epoch 1's loss is {losses[0]:.4f}; the MSE of the untrained model is {expected.item():.4f}",
                      "the loss of a batch: F.mse_loss(model(batch), batch); an epoch's: the mean of its batches'")
    one_step = {name: p.grad for name, p in reference.named_parameters()}
    left = {name: p.grad for name, p in frozen.named_parameters() if p.grad is not None}
    if left and all(torch.allclose(grad, 2 * one_step[name], rtol=1e-4, atol=1e-8)
                    for name, grad in left.items()):
        raise Mistake("after two steps the gradients hold both steps' sums",
                      "gradients add up in .grad: call optimizer.zero_grad() before loss.backward()")
    images = _garment_blobs(4 * LOOP_BATCH)  # 4 batches an epoch
    model = _small_autoencoder()
    adam = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.LambdaLR(adam, lambda step: 1.0)
    start = [p.detach().clone() for p in model.parameters()]
    losses = _run(function, model, images, LOOP_EPOCHS, adam, scheduler)
    if all(torch.equal(a, p) for a, p in zip(start, model.parameters())):
        raise Mistake("the weights did not change", "zero_grad, then forward, loss, backward, and only then "
                      "optimizer.step(): zeroing between backward and step throws the gradient away")
    steps = LOOP_EPOCHS * 4
    if scheduler.last_epoch != steps:
        raise Mistake(f"the scheduler stepped {scheduler.last_epoch} times in {steps} batches",
                      "call scheduler.step() once per batch, right after optimizer.step()")
    if not losses[-1] < losses[0]:
        raise Mistake(f"the loss went from {losses[0]:.4f} to {losses[-1]:.4f}", "minimise the MSE: loss.backward() "
                      "on the loss itself, and a fresh shuffle every epoch")
    return (f"gradients cleared each step, the scheduler stepped per batch, and over {LOOP_EPOCHS} epochs the "
            f"loss fell from {losses[0]:.4f} to {losses[-1]:.4f}.")


def _run(function: Any, model: Autoencoder, images: torch.Tensor, epochs: int, optimizer: torch.optim.Optimizer,
         scheduler: Any) -> list[float]:
    """The student's loop; its result checked to be one number per epoch."""
    result = call(function, "train", model, images, epochs, optimizer, scheduler, torch.Generator().manual_seed(0))
    losses = [float(value) for value in as_tensor(result, "train").flatten().tolist()]
    if len(losses) != epochs:
        raise Mistake(f"{epochs} epochs gave {len(losses)} losses",
                      "append one mean loss per epoch, and return the list")
    return losses


def _small_autoencoder() -> Autoencoder:
    torch.manual_seed(3)
    return Autoencoder(latent_dim=4)


def _garment_blobs(count: int) -> torch.Tensor:
    """(count, 1, 28, 28) images in [0, 1]: a bright rectangle of random size and grey on black."""
    generator = torch.Generator().manual_seed(count)
    images = torch.zeros(count, 1, 28, 28)
    sizes = torch.randint(6, 20, (count, 2), generator=generator)
    for image, (height, width), grey in zip(images, sizes.tolist(), torch.rand(count, generator=generator)):
        image[0, 14 - height // 2:14 + (height + 1) // 2, 14 - width // 2:14 + (width + 1) // 2] = 0.3 + 0.7 * grey
    return images
