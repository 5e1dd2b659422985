"""The workflow sandbox of the Temporal SDK, with the code it runs compiled once per process, and
the contexts of payloads read without entering it.

To reach into a workflow's sandbox, the SDK runs a line of Python source there with `exec`: at
each activation, and for each payload coded in or out of it (to learn its serialization and
storage contexts). `exec` of source compiles it each time: 24 µs, dozens of times for each
contract started, a tenth of the worker's CPU while contracts start (issue 12). The same five
lines come back, so each is compiled once and the code object runs as the source did.

The contexts of a payload are two records the SDK's own instance builds from what it knows of
the run and of its commands: no workflow code runs, nothing is imported. Entering the sandbox
for each (its import hooks put in place, then removed) was a sixth of the time `cpom simulate`
spent handling activations: they are read from that instance directly.

The SDK's sandbox instance is private: if a release no longer has the methods this relies on,
the stock runner is used as it is (`tests/test_sandbox_runner.py` says which one runs).

The stock restrictions forbid three builtins at run time (`open`, `input`, `breakpoint`). To
enforce them the SDK replaces, for every activation, `builtins.isinstance` and `issubclass` for
the whole process (every thread) by wrappers that unwrap its proxies: each call then costs some
3 µs instead of 0.05, and a contract's start makes about 220 of them (a search attribute's
text is checked letter by letter), the database's threads thousands meanwhile. Measured on the
activations of 400 starts replayed: 3.6–4.1 ms each with the wrappers, 2.5–2.9 without.
`without_builtin_checks` leaves those three builtins out; the workflow's own modules are checked
for direct calls of them before they run (`tests/test_sandbox_runner.py`), and what the sandbox
checks besides (clocks, randomness, threads, files through `os`, imports) stays as it was. The
libraries a workflow calls (holidays, python-stdnum, email-validator, pydantic) are no longer
checked for them while it runs: a file they read is one of their own data, the same on every
replay.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from types import CodeType
from typing import Any

from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox import _runner as sdk_runner

# The lines the SDK runs: a few for each workflow class (its import names it), the rest shared.
_SOURCES_KEPT = 256


# The restrictions' entry for the builtins (see the module's docstring).
BUILTINS = "__builtins__"


def without_builtin_checks(restrictions: SandboxRestrictions) -> SandboxRestrictions:
    """`restrictions` without its checks of builtins, which make the SDK wrap `isinstance` and
    `issubclass` for the whole process while a workflow runs."""
    members = restrictions.invalid_module_members
    children = {name: m for name, m in members.children.items() if name != BUILTINS}
    return replace(restrictions, invalid_module_members=replace(members, children=children))


@functools.lru_cache(maxsize=_SOURCES_KEPT)
def compiled(source: str) -> CodeType:
    return compile(source, "<string>", "exec")


SDK_INSTANCE: type[Any] | None = getattr(sdk_runner, "_Instance", None)
COMPILES_ONCE = SDK_INSTANCE is not None and all(
    callable(getattr(SDK_INSTANCE, name, None))
    for name in ("_run_code", "get_serialization_context", "get_external_store_context")
)
# The name the SDK gives its instance inside the sandbox's globals.
_IN_SANDBOX = "__temporal_in_sandbox"

if COMPILES_ONCE:

    class _CompiledOnceInstance(SDK_INSTANCE):  # type: ignore[misc, valid-type]
        def _run_code(self, code: str, **extra_globals: Any) -> None:
            # `exec` runs a code object as it runs the source it was compiled from.
            super()._run_code(compiled(code), **extra_globals)

        def get_serialization_context(self, command_info: Any) -> Any:
            in_sandbox = self.globals_and_locals.get(_IN_SANDBOX)
            if in_sandbox is None:  # not created (yet): as the SDK does
                return super().get_serialization_context(command_info)
            return in_sandbox.get_serialization_context(command_info)

        def get_external_store_context(self, command_info: Any) -> Any:
            in_sandbox = self.globals_and_locals.get(_IN_SANDBOX)
            if in_sandbox is None:
                return super().get_external_store_context(command_info)
            return in_sandbox.get_external_store_context(command_info)


@dataclass(frozen=True)
class CompiledOnceSandboxRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner`, whose instances compile each line they run once."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        if not COMPILES_ONCE:
            return super().create_instance(det)
        instance: WorkflowInstance = _CompiledOnceInstance(
            det, self.runner_class, self.restrictions
        )
        return instance
