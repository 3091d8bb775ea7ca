"""The PostgreSQL objects behind the activity-statistics dashboard, declared as code.

Tables (:mod:`.models`), counting rules and materialized views (:mod:`.views`), the deferred
refresh (:mod:`.functions`, :mod:`.triggers`), privileges (:mod:`.privileges`), and their
Alembic integration (:mod:`.autogen`). Names and fixed facts live in :mod:`.names`.
"""

__version__ = "0.1.0"
