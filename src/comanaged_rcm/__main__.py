"""``python -m comanaged_rcm`` runs the command line."""

import sys

from comanaged_rcm.cli import main

sys.exit(main())
