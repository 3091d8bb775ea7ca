"""The PostgreSQL objects behind the activity-statistics dashboard, declared as code.

This schema's declarations are in :mod:`.schema` (tables, counting rules and views, functions,
triggers, policies, access), built from the reusable entity kinds of :mod:`.entities`; their
Alembic integration is :mod:`.autogen`, the revisions :mod:`.migrations`, and working with a live
database (command line, refresher, drift) :mod:`.operations`. Names and fixed facts live in
:mod:`.names`. What tests and the demo need is :mod:`.testing` (the ``testing`` extra).
"""

__version__ = "0.1.0"
