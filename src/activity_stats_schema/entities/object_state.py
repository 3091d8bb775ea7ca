"""Entities that describe a property of an object rather than an object: who may use it,
whether row-level security is on.

alembic-utils finds a simulated entity by what appears when it is created; a grant or an
``ENABLE ROW LEVEL SECURITY`` makes nothing appear, so these entities are found by identity.
"""

from contextlib import ExitStack
from typing import Self

from alembic_utils.replaceable_entity import ReplaceableEntity
from alembic_utils.reversible_op import CreateOp, ReplaceOp, ReversibleOp
from alembic_utils.simulate import simulate_entity
from sqlalchemy.orm import Session


class ObjectState(ReplaceableEntity):
    """Base of property entities: compared by identity and definition, never "created"."""

    def _by_identity(self, sess: Session) -> dict[str, Self]:
        found: list[Self] = self.from_database(sess, self.schema)
        return {entity.identity: entity for entity in found}

    def get_database_definition(
        self, sess: Session, dependencies: list[ReplaceableEntity] | None = None
    ) -> Self:
        outer = sess.begin_nested()
        try:
            with ExitStack() as stack:
                for dependency in dependencies or []:
                    stack.enter_context(simulate_entity(sess, dependency))
                inner = sess.begin_nested()
                try:
                    sess.execute(self.to_sql_statement_create())
                    rendered = self._by_identity(sess)
                finally:
                    inner.rollback()
        finally:
            outer.rollback()
        return rendered.get(self.identity, self)

    def get_required_migration_op(
        self, sess: Session, dependencies: list[ReplaceableEntity] | None = None
    ) -> ReversibleOp | None:
        live = self._by_identity(sess).get(self.identity)
        if live is None:
            return CreateOp(self)
        if live.definition == self.definition:
            return None
        self._version_to_replace = live  # type: ignore[assignment]
        return ReplaceOp(self)
