"""`python -m cli …`, the same as `python -m metrics …`."""

import sys

from cli import main

sys.exit(main())
