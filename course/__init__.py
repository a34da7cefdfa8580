"""What a teacher runs: the student edition, the grader, and the box student code runs in."""
