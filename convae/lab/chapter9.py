"""Exercise check of chapter 9: precision, the share of samples inside the real manifold."""

from __future__ import annotations

from typing import Any

import torch

from ..sampling import precision_recall
from .checking import Mistake, as_number, call, exercise, require_function

K = 3


@exercise("09-precision")
def _check_precision(answer: Any) -> str:
    function = require_function(answer, "precision(features, reference, k)")
    generator = torch.Generator().manual_seed(0)
    reference = torch.randn(300, 4, generator=generator)  # (300, 4): the real points
    near = reference[:100] + 0.05 * torch.randn(100, 4, generator=generator)  # inside the manifold
    far = torch.randn(100, 4, generator=generator) + 40  # nowhere near it
    wide = 1.8 * torch.randn(200, 4, generator=generator)  # partly inside: a spread-out generator

    def score(features: torch.Tensor) -> float:
        return as_number(call(function, "precision", features, reference, K), "precision")

    if abs(score(far)) > 1e-6:
        raise Mistake(f"points 40 units from every real one get precision {score(far):.2f}, expected 0",
                      "count a point when it lies within some real point's radius")
    if abs(score(near) - 1) > 1e-6:
        raise Mistake(f"points next to real ones get precision {score(near):.2f}, expected 1",
                      "a point is inside when its distance to a real point is at most that point's radius")
    expected = precision_recall(wide, reference, K)["precision"]
    got = score(wide)
    if abs(got - expected) < 1e-6:
        return f"{got:.3f} on a spread-out set, as convae.sampling.precision_recall has it; 1 near, 0 far."
    if abs(got - precision_recall(reference, wide, K)["recall"]) < 1e-6:
        raise Mistake(f"{got:.3f}: the balls are drawn around the generated points", "draw them around the real ones")
    own = torch.cdist(reference, reference).kthvalue(K, dim=1).values  # one neighbour short: itself counted
    if abs(got - (torch.cdist(wide, reference) <= own).any(dim=1).float().mean().item()) < 1e-6:
        raise Mistake(f"{got:.3f}, expected {expected:.3f}: each radius reaches only the {K - 1}nd neighbour",
                      "a point's distance to itself is the smallest, 0: take the (k + 1)-th smallest")
    raise Mistake(f"{got:.3f} on a spread-out set, expected {expected:.3f}",
                  "radius: the k-th nearest other real point; inside: within the radius of at least one real point")
