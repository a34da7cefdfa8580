"""What regenerates the book's stored results: each command writes a record (and weights) that the
chapters print without recomputing: tuning, label budgets, why convolutions, the VAE study, the
browser explorer's files and the benchmark."""
