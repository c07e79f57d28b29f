"""Looking partners up in bulk: one query for a whole batch, statement run or rebalancing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from partnerflow.models import Partner


def partners_by_id(session: Session, ids: Iterable[int]) -> dict[int, Partner]:
    wanted = sorted(set(ids))
    return {
        p.id: p for p in session.exec(select(Partner).where(col(Partner.id).in_(wanted))) if p.id is not None
    }


def partner_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    rows = session.exec(select(col(Partner.id), col(Partner.name)).where(col(Partner.id).in_(wanted))).all()
    return {partner_id: name for partner_id, name in rows if partner_id is not None}
