"""What maintains the book rather than what the chapters teach: the command line, the student
edition and repository links, the export for the in-browser explorer, the benchmark and the grader."""
