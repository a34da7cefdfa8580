"""What maintains the book rather than what the chapters teach, behind `python -m convae …`:
`cli.py` (the command line, a table of subcommands), `course/` (what a teacher runs: the student
edition, the grader and its box) and `studies/` (what regenerates the stored results and exports)."""
