"""Exercise checks of chapter 5: a frozen training step, accuracy, and fine-tuning at two learning rates."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..models import Classifier
from .checking import NOT_DONE_HINT, Mistake, as_number, call, exercise, require_function


@exercise("05-frozen-step")
def _check_frozen_step(answer: Any) -> str:
    function = require_function(answer, "frozen_step(model, optimizer, images, labels)")
    torch.manual_seed(0)  # on the check's own fork of the generator (see `exercise`): the student's is untouched
    model = Classifier(latent_dim=12)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    images, labels = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    expected_loss = F.cross_entropy(model(images), labels).item()
    encoder_before = [p.clone() for p in model.encoder.parameters()]
    head_before = [p.clone() for p in (model.fc1.weight, model.fc2.weight)]
    loss = call(function, "frozen_step", model, optimizer, images, labels,
                 none_hint=NOT_DONE_HINT + " (return the loss as a float)")
    if any(not torch.equal(a, b) for a, b in zip(encoder_before, model.encoder.parameters())):
        raise Mistake("the encoder's weights changed",
                      "compute the codes without gradients, e.g. under torch.no_grad()")
    if all(torch.equal(a, b) for a, b in zip(head_before, (model.fc1.weight, model.fc2.weight))):
        raise Mistake("the head did not change", "call loss.backward() and optimizer.step() (after zero_grad)")
    loss = as_number(loss, "frozen_step")
    if abs(loss - expected_loss) > 1e-4:
        raise Mistake(f"the returned loss {loss:.4f} is not the cross-entropy before the step "
                      f"({expected_loss:.4f})", "return loss.item() of the batch you trained on")
    return "the encoder stayed frozen, the head learned, and the loss is right."


@exercise("05-accuracy")
def _check_accuracy(answer: Any) -> str:
    function = require_function(answer, "accuracy(logits, labels)")
    generator = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(200, 10, generator=generator), torch.randint(0, 10, (200,), generator=generator)
    got = as_number(call(function, "accuracy", logits, labels), "accuracy")
    expected = (logits.argmax(dim=1) == labels).float().mean().item()
    if abs(got - 100 * expected) < 1e-6:
        raise Mistake("that is a percentage", "return a fraction between 0 and 1")
    if abs(got - expected) > 1e-6:
        raise Mistake(f"got {got}, expected a different fraction on random logits",
                      "the predicted class is the index of the largest logit in each row")
    return f"{expected:.3f} on 200 random logits, as expected."


ENCODER_LR, HEAD_LR = 1e-4, 1e-2  # the rates the fine-tuning check asks for
TUNING_STEPS = 10


@exercise("05-two-rates")
def _check_two_rates(answer: Any) -> str:
    function = require_function(answer, "fine_tune(classifier, images, labels, encoder_lr, head_lr, steps)")
    torch.manual_seed(0)  # on the check's own fork of the generator
    classifier = Classifier(latent_dim=12)
    images, labels = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    start = {name: p.detach().clone() for name, p in classifier.named_parameters()}
    with torch.no_grad():
        before = F.cross_entropy(classifier(images), labels).item()
    optimizer = call(function, "fine_tune", classifier, images, labels, ENCODER_LR, HEAD_LR, TUNING_STEPS)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise Mistake(f"fine_tune returned a {type(optimizer).__name__}, not the optimizer", "return the optimizer")
    rate_of = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    parts = {"encoder": list(classifier.encoder.parameters()),
             "head": [*classifier.fc1.parameters(), *classifier.fc2.parameters()]}
    for part, wanted in (("encoder", ENCODER_LR), ("head", HEAD_LR)):
        rates = {rate_of.get(id(p)) for p in parts[part]}
        if None in rates:
            raise Mistake(f"some of the {part}'s weights are in no parameter group: they never learn",
                          "two groups: {'params': classifier.encoder.parameters(), 'lr': encoder_lr} and one for "
                          "fc1 and fc2 together")
        if len(optimizer.param_groups) == 1:
            raise Mistake("one parameter group: encoder and head learn at one rate",
                          "pass a list of two dicts, each with its 'params' and its 'lr'")
        if rates != {wanted}:
            raise Mistake(f"the {part}'s rate is {sorted(rates)}, expected {wanted:g}",
                          "the pretrained encoder gets the small rate, the fresh head the large one")
    for part, params in (("encoder", "encoder."), ("head", "fc")):
        if all(torch.equal(start[name], p) for name, p in classifier.named_parameters() if name.startswith(params)):
            raise Mistake(f"the {part}'s weights did not change", "zero_grad, forward, loss, backward, step: "
                          f"{TUNING_STEPS} times")
    with torch.no_grad():
        after = F.cross_entropy(classifier(images), labels).item()
    if not after < before:
        raise Mistake(f"the cross-entropy went from {before:.3f} to {after:.3f}", "minimise F.cross_entropy("
                      "classifier(images), labels)")
    return f"two groups at {ENCODER_LR:g} and {HEAD_LR:g}, both parts moved, and the loss fell from {before:.3f} " \
           f"to {after:.3f}."
