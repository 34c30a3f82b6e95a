"""`python -m metrics …`: the command line over the same functions as the dashboard."""

import sys

from metrics.cli import main

sys.exit(main())
