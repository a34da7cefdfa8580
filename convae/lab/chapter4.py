"""Exercise checks of chapter 4: interpolation and nearest neighbours."""

from __future__ import annotations

from typing import Any

import torch

from .checking import Mistake, as_tensor, call, exercise, require_function


@exercise("04-interpolate")
def _check_interpolate(answer: Any) -> str:
    function = require_function(answer, "interpolate(z0, z1, steps)")
    generator = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(2, 12, generator=generator)
    got = as_tensor(call(function, "interpolate", z0, z1, 5), "interpolate")
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
    function = require_function(answer, "nearest_neighbours(codes, query, k)")
    codes, query = torch.randn(501, 12, generator=torch.Generator().manual_seed(0)).split([500, 1])
    query = query[0]  # (12,)
    order = torch.linalg.vector_norm(codes - query, dim=1).argsort()  # (500,), closest first
    expected, farthest = order[:5], order.flip(0)[:5]
    got = as_tensor(call(function, "nearest_neighbours", codes, query, 5), "nearest_neighbours")
    if got.shape != (5,):
        raise Mistake(f"expected 5 indices, got shape {tuple(got.shape)}", "return the indices of the k closest rows")
    if set(got.tolist()) == set(expected.tolist()) and not torch.equal(got, expected):
        raise Mistake("the right neighbours, in the wrong order", "closest first")
    if torch.equal(got, farthest):
        raise Mistake("these are the farthest codes", "sort distances in ascending order")
    if not torch.equal(got, expected):
        raise Mistake("these are not the closest codes", "Euclidean distance from the query to every row of codes")
    return "the 5 nearest codes, closest first."
