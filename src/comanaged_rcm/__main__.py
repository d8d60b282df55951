"""``python -m comanaged_rcm`` runs the command line."""

import sys

from comanaged_rcm.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess in tests
    sys.exit(main())
