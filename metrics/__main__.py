"""`python -m metrics …`: a shim kept for the documented command; the command line lives in
the `cli` package beside `dashboard.py` and `views/`."""

import sys

from cli import main

sys.exit(main())
