"""`python -m convae …`: train a model from a recipe, evaluate a checkpoint, check the data
(see convae/_internal/cli.py)."""

import sys

from ._internal.cli import main

sys.exit(main())
