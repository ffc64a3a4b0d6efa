"""``python -m connector`` runs the ``relance`` command."""

import sys

from connector.cli import main

sys.exit(main())
