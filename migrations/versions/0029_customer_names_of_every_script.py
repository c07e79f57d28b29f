"""Customer keys from names (and domains) keep every script and fold look-alike letters (TR39).

The name fold kept ASCII letters only: a name without Latin letters folded to ``name:`` (one key
for all such companies) and ``Łódź`` to ``name:odz``. Keys built from a name are computed again
with :func:`partnerflow.customers.customer_key`; a name or domain typed in plain ASCII keeps its
key, so only those with other characters (or punycode) change. Tables that hold only the key
(protection claims, rewards, clawbacks, payouts) follow the row the key came from; where two rows
would now share a key that must be unique, the older key is kept and the row named in a warning,
for a person to merge (the new check applies to everything submitted from now on).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from partnerflow.customers import customer_key

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keys from a SIREN do not change; keys from a name or a domain change when they hold anything
# but ASCII (a domain may be a look-alike, or punycode).
NAMED = sa.or_(
    sa.column("customer_key", sa.String).like("name:%"), sa.column("customer_key").like("domain:%")
)
log = logging.getLogger("alembic.runtime.migration")


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, sa.column("customer_key", sa.String), *(sa.column(column) for column in columns))


def upgrade() -> None:
    connection = op.get_bind()
    renamed: dict[str, set[str]] = {}
    registration = _table(
        "registration", "id", "customer_name", "customer_siren", "customer_domain", "customer_email"
    )
    customer = _table("customer", "id", "name", "siren", "domain", "email")
    referral = _table("referral", "id", "company", "siren", "domain", "invitation_id")
    registrations = _rekey_named(
        connection,
        registration,
        ("customer_name", "customer_siren", "customer_domain", "customer_email"),
        None,
        renamed,
    )
    _rekey_named(connection, customer, ("name", "siren", "domain", "email"), (), renamed)
    _rekey_named(connection, referral, ("company", "siren", "domain"), ("invitation_id",), renamed)
    claims = _table("protectionclaim", "product_line", "registration_id")
    for old, line, registration_id in connection.execute(
        sa.select(claims.c.customer_key, claims.c.product_line, claims.c.registration_id)
    ).all():
        new = registrations.get(registration_id, old)
        if new != old:
            _move(connection, claims, old, new, {"product_line": line}, {"product_line": line})
    unambiguous = {old: next(iter(new)) for old, new in renamed.items() if len(new) == 1}
    for old, new in unambiguous.items():
        for name in ("referralreward", "rewardclawback"):
            connection.execute(
                _table(name).update().where(sa.column("customer_key") == old).values(customer_key=new)
            )
    payouts = _table("rewardpayout", "id", "period")
    for row_id, old, period in connection.execute(
        sa.select(payouts.c.id, payouts.c.customer_key, payouts.c.period).where(NAMED)
    ).all():
        if old in unambiguous:
            _move(connection, payouts, old, unambiguous[old], {"id": row_id}, {"period": period})


def _rekey_named(
    connection: sa.Connection,
    table: sa.TableClause,
    fields: tuple[str, ...],
    scope: tuple[str, ...] | None,
    renamed: dict[str, set[str]],
) -> dict[int, str]:
    """Each row keyed by its name gets its key computed again (``fields``: name, SIREN, domain,
    e-mail; ``scope``: the other columns of its unique key, None when it has none); returns
    id -> key."""
    scoped = scope or ()
    columns = [table.c[field] for field in fields] + [table.c[column] for column in scoped]
    rows = connection.execute(sa.select(table.c.id, table.c.customer_key, *columns).where(NAMED))
    keys: dict[int, str] = {}
    for row_id, old, *values in rows.all():
        identity = dict(zip(("name", "siren", "domain", "email"), values[: len(fields)], strict=False))
        new = customer_key(**identity)
        keys[row_id] = old
        others = None if scope is None else dict(zip(scoped, values[len(fields) :], strict=True))
        if new != old and _move(connection, table, old, new, {"id": row_id}, others):
            keys[row_id] = new
            renamed.setdefault(old, set()).add(new)
    return keys


def _move(
    connection: sa.Connection,
    table: sa.TableClause,
    old: str,
    new: str,
    row: dict[str, object],
    unique_with: dict[str, object] | None,
) -> bool:
    """Set one row's key from ``old`` to ``new``, unless another row already holds ``new`` with
    the same ``unique_with`` values (then say so and keep the old key)."""
    if unique_with is not None:
        scope = [table.c[column] == value for column, value in unique_with.items()]
        taken = sa.select(sa.func.count()).select_from(table).where(table.c.customer_key == new, *scope)
        if connection.execute(taken).scalar_one():
            log.warning(
                "%s %s: key %r kept, %r is another row's: merge them by hand", table.name, row, old, new
            )
            return False
    where = [table.c[column] == value for column, value in row.items()]
    connection.execute(table.update().where(*where, table.c.customer_key == old).values(customer_key=new))
    return True


def downgrade() -> None:
    """Keys are not folded back: the old fold lost the names this one keeps."""
