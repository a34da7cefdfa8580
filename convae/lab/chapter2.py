"""Exercise checks of chapter 2: the transposed convolution and the decoder."""

from __future__ import annotations

from typing import Any

import torch

from ..models import Decoder
from .checking import Mistake, as_tensor, call, exercise, require_function
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
