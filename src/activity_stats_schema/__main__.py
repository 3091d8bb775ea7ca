"""``python -m activity_stats_schema`` is the ``activity-stats-schema`` command."""

import sys

from activity_stats_schema.operations.cli import main

sys.exit(main())
