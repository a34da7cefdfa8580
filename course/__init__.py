"""What a teacher runs: the student edition and book, the grader, and the box student code runs in.
`python -m course --help` lists the commands; this folder imports convae and is not installed with it."""
