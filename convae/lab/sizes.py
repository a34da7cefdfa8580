"""Shared by chapters 1 and 2: compare a student's output-size function with PyTorch's layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .checking import Mistake, as_whole_number, call, require_function


def _compare_sizes(function: Callable, cases: list[tuple[tuple[int, ...], int]], name: str, hint: str) -> None:
    for arguments, expected in cases:
        got = call(function, f"{name}{arguments}", *arguments)
        if as_whole_number(got, f"{name}{arguments}", hint) != expected:  # 24.0 is as right as 24
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


def check_size_function(answer: Any, signature: str, network_cases: list, transposed: bool, hint: str) -> str:
    """Compare a student's output-size function with PyTorch on the network's layers and random ones."""
    function = require_function(answer, signature)
    name = signature.split("(")[0]
    _compare_sizes(function, network_cases, name, hint)
    _compare_sizes(function, _conv_cases(transposed), name, hint)
    network, layer = ("Decoder", "ConvTranspose2d") if transposed else ("Encoder", "Conv2d")
    return f"it matches every {network} layer and 30 random {layer} layers."
