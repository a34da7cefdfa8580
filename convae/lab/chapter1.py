"""Exercise checks of chapter 1: shapes, parameter counts, and the Encoder built as a module."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..models import Encoder
from .checking import NOT_DONE_HINT, Mistake, as_whole_number, build_module, call, exercise
from .sizes import check_size_function


@exercise("01-output-size")
def _check_output_size(answer: Any) -> str:
    encoder_cases = [((28, 5, 1, 0), 24), ((24, 2, 2, 0), 12), ((12, 3, 1, 1), 12), ((6, 3, 2, 1), 3)]
    hint = ("count the positions the kernel can take along one side: padding adds 2 × padding pixels, "
            "and a stride of s keeps every s-th position (round down)")
    return check_size_function(answer, "conv_output_size(size, kernel, stride, padding)", encoder_cases,
                                transposed=False, hint=hint)


@exercise("01-conv2-parameters", giveaways=("4640", "4,640", "4 640"))
def _check_conv2_parameters(answer: Any) -> str:
    if answer is None:
        raise Mistake("conv2_parameters is still None", NOT_DONE_HINT)
    layer = nn.Conv2d(16, 32, kernel_size=3, padding=1)
    expected = sum(p.numel() for p in layer.parameters())
    weights = layer.weight.numel()
    hint = "each output channel has one kernel per input channel, each kernel 3 × 3 numbers"
    count = as_whole_number(answer, "conv2_parameters", hint)
    if count == weights:
        raise Mistake(f"{answer} counts the weights only", "every output channel also has one bias")
    if count != expected:
        raise Mistake(f"{answer} is not the number of parameters of conv2", hint)
    return "right: one 3 × 3 kernel per input and output channel, and one bias per output channel."


ENCODER_SHAPES = {"conv1": (16, 24, 24), "conv2": (32, 12, 12), "conv3": (64, 3, 3)}  # per image, after each
SHAPE_HINTS = {
    "conv1": "Conv2d(1, 16, kernel_size=5): no padding, so 28 shrinks to 24",
    "conv2": "pool (MaxPool2d(2)) after conv1's ReLU, then Conv2d(16, 32, kernel_size=3, padding=1) keeps 12",
    "conv3": "pool after conv2's ReLU, then Conv2d(32, 64, kernel_size=3, stride=2, padding=1): 6 becomes 3",
}


@exercise("01-encoder-module")
def _check_encoder_module(answer: Any) -> str:
    for latent_dim in (12, 5):
        student = build_module(answer, "your Encoder", latent_dim)
        missing = [name for name in (*ENCODER_SHAPES, "fc") if not isinstance(getattr(student, name, None), nn.Module)]
        if missing:
            raise Mistake(f"no layer named {', '.join(missing)}", "use the specification's names: conv1, conv2, "
                          "conv3 and fc, each set as an attribute in __init__")
        _require_layer_shapes(student, latent_dim)
        reference = Encoder(latent_dim)
        try:
            student.load_state_dict(reference.state_dict(), strict=True)
        except RuntimeError as error:
            raise Mistake(f"the specification's weights do not fit your layers: {str(error).splitlines()[0]}",
                          "no extra layers with weights, and each layer's sizes as in the table") from error
        images = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(latent_dim))
        with torch.no_grad():
            if not torch.allclose(call(student, "your Encoder's forward", images), reference(images), atol=1e-5):
                raise Mistake("with the specification's weights your codes differ from the Encoder's",
                              "a ReLU after each convolution (none after fc), pooling after the first two, "
                              "flatten before fc")
    return "every layer's output has the specification's shape, and its weights give the same codes."


def _require_layer_shapes(student: nn.Module, latent_dim: int) -> None:
    """Run two images through `student`, recording each named layer's output shape."""
    shapes: dict[str, tuple[int, ...]] = {}

    def recorder(name: str):
        def record(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:  # None: the output stays
            shapes.setdefault(name, tuple(output.shape[1:]))

        return record

    hooks = [getattr(student, name).register_forward_hook(recorder(name)) for name in ENCODER_SHAPES]
    try:
        with torch.no_grad():
            codes = call(student, "your Encoder's forward", torch.rand(2, 1, 28, 28))
    except Mistake:  # a wrong shape early on often breaks a later layer: name the first one
        _require_shapes(shapes, only_recorded=True)
        raise
    finally:
        for hook in hooks:
            hook.remove()
    _require_shapes(shapes, only_recorded=False)
    if tuple(codes.shape) != (2, latent_dim):
        raise Mistake(f"two images give codes of shape {tuple(codes.shape)}, expected (2, {latent_dim})",
                      "flatten the (B, 64, 3, 3) output to (B, 576), then fc: Linear(576, latent_dim)")


def _require_shapes(shapes: dict[str, tuple[int, ...]], only_recorded: bool) -> None:
    """A Mistake for the first layer whose recorded output shape is not the specification's."""
    for name, expected in ENCODER_SHAPES.items():
        if only_recorded and name not in shapes:
            return
        if shapes.get(name) != expected:
            raise Mistake(f"{name} gives {shapes.get(name)} per image, expected {expected}", SHAPE_HINTS[name])
