"""What regenerates the book's stored results: each study writes a record (and weights) that the
chapters print without recomputing. `python -m studies --help` lists them, from the table in cli.py;
this folder imports convae and is not part of the installed package."""
