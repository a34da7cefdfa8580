"""Exercise checks of chapter 1: shapes and parameter counts."""

from __future__ import annotations

from typing import Any

from torch import nn

from .checking import NOT_DONE_HINT, Mistake, as_whole_number, exercise
from .sizes import check_size_function


@exercise("01-output-size")
def _check_output_size(answer: Any) -> str:
    encoder_cases = [((28, 5, 1, 0), 24), ((24, 2, 2, 0), 12), ((12, 3, 1, 1), 12), ((6, 3, 2, 1), 3)]
    hint = ("count the positions the kernel can take along one side: padding adds 2 × padding pixels, "
            "and a stride of s keeps every s-th position (round down)")
    return check_size_function(answer, "conv_output_size(size, kernel, stride, padding)", encoder_cases,
                                transposed=False, hint=hint)


@exercise("01-conv2-parameters")
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
    return f"conv2 holds {expected:,} parameters."
