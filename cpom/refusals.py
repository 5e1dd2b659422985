"""A decision the workflow refused, said as the API and `cpom simulate` both say it."""

from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError


def refusal_reason(error: WorkflowUpdateFailedError) -> str:
    """The workflow's French reason, without the error's type before it (« DecisionRefused: »)."""
    cause = error.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or error)
