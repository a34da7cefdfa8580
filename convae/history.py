"""What a training run records: one dict of numbers per epoch."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    """One record (a dict of numbers) per epoch; `history["train_loss"]` gives a column."""

    records: list[dict[str, float]] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)  # the training loss of every step

    def __getitem__(self, key: str) -> list[float]:
        return [record[key] for record in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def append(self, record: dict[str, float]) -> None:
        """Add the record of one more epoch."""
        self.records.append(record)

    def last(self) -> dict[str, float]:
        """The final record."""
        return self.records[-1]
