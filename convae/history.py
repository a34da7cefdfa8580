"""What a training run records: one dict of numbers per epoch."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


@dataclass
class History:
    """One record (a dict of numbers) per epoch; `history["train_loss"]` gives a column."""

    records: list[dict[str, float]] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)  # the training loss of every step
    started: float = field(default_factory=time.perf_counter)  # when the run began

    def __getitem__(self, key: str) -> list[float]:
        return [record[key] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def append(self, record: dict[str, float], step_losses: torch.Tensor | None = None) -> None:
        """Add one more epoch's record, with the seconds since the run began ("seconds"), and
        the (steps,) losses of its steps."""
        self.records.append({**record, "seconds": time.perf_counter() - self.started})
        if step_losses is not None:
            self.step_losses += step_losses.tolist()

    def last(self) -> dict[str, float]:
        """The final record."""
        return self.records[-1]
