"""Human approval routes of the public API, version 1 (routes only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from chassis.problems import problem_responses
from orchestrator.deps import ApprovalServiceDep, OperatorDep
from orchestrator.tasks.models import ApprovalDecision, ApprovalList, TaskRecord

__all__ = ["router"]

# Deciding for any task is the operator's (orchestrator/callers.py): 403 for others.
router = APIRouter(prefix="/v1", tags=["approvals"], responses=problem_responses(401, 403))


@router.get("/approvals")
async def list_approvals(approvals: ApprovalServiceDep, _: OperatorDep) -> ApprovalList:
    """Every step waiting for a person's approval, oldest first, with its task id."""
    return await approvals.waiting()


@router.post(
    "/tasks/{task_id}/approvals/{step_id}",
    # 404: no such task, or no approval for that step; 409: decided already (the
    # first decision wins), the task ended, or its deadline passed; 503: the decision
    # is stored but the task could not be queued again yet (it will be, by the sweep).
    responses=problem_responses(404, 409, 422, 503),
)
async def decide_approval(
    task_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    step_id: Annotated[str, Path(pattern=r"^[0-9a-f]{1,64}$")],
    body: ApprovalDecision,
    approvals: ApprovalServiceDep,
    caller: OperatorDep,
) -> TaskRecord:
    """Approve or reject a waiting step, as the authenticated caller, now (UTC).

    Approved: the task is queued again and the step's agent is called.
    Rejected: the step ends `refused` and the task answers without it.
    """
    return await approvals.decide(task_id, step_id, body, by=caller.name)
