"""``python -m app`` runs the ``hearth`` command line."""

import sys

from app.cli.main import main

sys.exit(main())
