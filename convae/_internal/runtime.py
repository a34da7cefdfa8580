"""Where computations run and how randomness is seeded."""

from __future__ import annotations

import random

import torch


def pick_device(announce: bool = False) -> torch.device:
    """The best device here: CUDA, then Apple's MPS, then the CPU; prints its choice if `announce`."""
    if torch.cuda.is_available():
        device = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    if announce:
        print(f"convae: using device {device.type}")
    return device


def resolve_device(device: str | torch.device | None, announce: bool = False) -> torch.device:
    """`device` as a torch.device, or the best one available when it is None."""
    return pick_device(announce) if device is None else torch.device(device)


def seed_everything(seed: int) -> None:
    """Seed Python's and PyTorch's global generators (and CUDA's, where there is one)."""
    random.seed(seed)
    torch.manual_seed(seed)
