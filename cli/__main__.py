"""``python -m cli`` is ``tracker`` (for a child process started from this interpreter)."""

import sys

from cli import main

sys.exit(main())
