"""Operators (tenants). Platform admins manage them; everyone else sees only their own."""

from fastapi import APIRouter

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import OperatorIn, OperatorOut, OperatorPatch
from switchyard.core.registry import OperatorChanges
from switchyard.ports.registry import OperatorRecord

router = APIRouter(prefix="/v1.1/operators", tags=["operators"])


def operator_out(operator: OperatorRecord) -> OperatorOut:
    return OperatorOut(
        id=operator.id,
        name=operator.name,
        platform=operator.platform,
        baseline_enabled=operator.baseline_enabled,
        created_at=operator.created_at,
        updated_at=operator.updated_at,
    )


@router.get("")
async def list_operators(sy: Node, who: Caller) -> Envelope[list[OperatorOut]]:
    return ok([operator_out(o) for o in await sy.registry.operators.list_operators(who)])


@router.post("", status_code=201)
async def create_operator(body: OperatorIn, sy: Node, who: Caller) -> Envelope[OperatorOut]:
    return ok(operator_out(await sy.registry.operators.create_operator(who, body.name, body.platform)))


@router.get("/{operator_id}")
async def get_operator(operator_id: str, sy: Node, who: Caller) -> Envelope[OperatorOut]:
    return ok(operator_out(await sy.registry.operators.get_operator(who, operator_id)))


@router.patch("/{operator_id}")
async def update_operator(operator_id: str, body: OperatorPatch, sy: Node, who: Caller) -> Envelope[OperatorOut]:
    updated = await sy.registry.operators.update_operator(who, operator_id, OperatorChanges(**body.given()))
    return ok(operator_out(updated))


@router.delete("/{operator_id}")
async def delete_operator(operator_id: str, sy: Node, who: Caller) -> Envelope[None]:
    await sy.registry.operators.delete_operator(who, operator_id)
    return ok(None, "operator deleted")
