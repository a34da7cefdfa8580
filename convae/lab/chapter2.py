"""Exercise checks of chapter 2: the transposed convolution, the decoder, and a decoder without a dead
edge."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..models import Decoder
from .checking import Mistake, as_tensor, build_module, call, exercise, require_function
from .sizes import check_size_function


@exercise("02-transposed-size")
def _check_transposed_size(answer: Any) -> str:
    decoder_cases = [((3, 3, 2, 1, 1), 6), ((6, 3, 2, 1, 1), 12), ((12, 5, 2, 0, 1), 28)]
    hint = ("each input pixel places a kernel-sized patch, patches start stride pixels apart; "
            "padding then trims pixels from both sides and output_padding adds to one side")
    return check_size_function(answer, "transposed_output_size(size, kernel, stride, padding, output_padding)",
                                decoder_cases, transposed=True, hint=hint)


@exercise("02-decoder-forward")
def _check_decoder_forward(answer: Any) -> str:
    function = require_function(answer, "decoder_forward(decoder, z)")
    for latent_dim in (12, 5):
        torch.manual_seed(latent_dim)
        decoder = Decoder(latent_dim)
        z = torch.randn(4, latent_dim)
        got = as_tensor(call(function, "decoder_forward", decoder, z), "decoder_forward")
        with torch.no_grad():
            expected = decoder(z)
        if tuple(got.shape) != tuple(expected.shape):
            raise Mistake(f"the output has shape {tuple(got.shape)}, expected {tuple(expected.shape)}",
                          "reshape the fc output to (B, 64, 3, 3) before the first transposed convolution")
        if not torch.allclose(got, expected, atol=1e-6):
            raise Mistake(f"the shape is right but the values differ from Decoder.forward (latent {latent_dim})",
                          "ReLU after deconv1 and deconv2, Sigmoid after deconv3, and nothing after fc")
    return "your forward pass matches Decoder.forward exactly, for latent sizes 12 and 5."


KEPT = ("fc", "deconv1", "deconv2")  # the specification's layers the edge-free decoder keeps
CODES = 64  # random codes through the student's decoder: a pixel that never changes is dead


@exercise("02-edge-decoder")
def _check_edge_decoder(answer: Any) -> str:
    for latent_dim in (12, 5):
        torch.manual_seed(latent_dim)
        student = build_module(answer, "your decoder", latent_dim)
        _require_kept_layers(student, Decoder(latent_dim))
        codes = 3 * torch.randn(CODES, latent_dim, generator=torch.Generator().manual_seed(0))  # (64, k)
        with torch.no_grad():
            images = as_tensor(call(student, "your decoder's forward", codes), "your decoder")
        if tuple(images.shape) != (CODES, 1, 28, 28):
            raise Mistake(f"{CODES} codes give images of shape {tuple(images.shape)}, expected ({CODES}, 1, 28, 28)",
                          "after deconv2 the maps are 12 × 12: resize them to 28 × 28 (F.interpolate), then a "
                          "convolution that keeps the size (kernel 5, padding 2)")
        if images.min() < 0 or images.max() > 1:
            raise Mistake(f"pixels from {images.min():.2f} to {images.max():.2f}, expected [0, 1]",
                          "end with a Sigmoid, as the book's decoder does")
        spread = images.amax(dim=0) - images.amin(dim=0)  # (1, 28, 28): how much each pixel moves
        dead = (spread < 1e-6).nonzero()[:, 1:].tolist()  # [row, column] of pixels the code never moves
        if dead:
            edge = [f"row {r}" if r == 27 else f"column {c}" for r, c in dead if 27 in (r, c)]
            where = "the last row and column" if edge else f"{len(dead)} pixels, e.g. {dead[0]}"
            raise Mistake(f"{where}: the same grey whatever the code, reached by no kernel stamp",
                          "the last layer must reach every pixel: resize then convolve, or a transposed "
                          "convolution whose stamps cover all 28 rows and columns")
    return "every pixel of the 28 × 28 output now depends on the code, and fc, deconv1 and deconv2 are the book's."


def _require_kept_layers(student: nn.Module, reference: Decoder) -> None:
    """The student's fc, deconv1 and deconv2 hold the specification's weights' shapes."""
    for name in KEPT:
        layer, theirs = getattr(student, name, None), getattr(reference, name)
        if not isinstance(layer, nn.Module):
            raise Mistake(f"no layer named {name}", f"keep the book's {', '.join(KEPT)} and replace only the last "
                          "upsampling")
        mine = {key: tensor.shape for key, tensor in layer.state_dict().items()}
        if mine != {key: tensor.shape for key, tensor in theirs.state_dict().items()}:
            raise Mistake(f"{name} is not the book's: {theirs}", f"keep {name} as the book's Decoder has it")
