#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""What a forked child does first: the library's one fork hook.

A child of ``os.fork()`` has only the thread that forked. Locks that
other threads of the parent held at the fork stay held for ever, and
the loops those threads ran do not run there. So, in this order:

1. ``LOCKS``: every lock of the library is made anew (the mode state,
   the table of running loops, each backend's, adopt()'s);
2. ``LOOPS``: the loops the parent was running are disowned, which may
   take the new locks: their waiters get an error, and they can be
   started again in the child.

Each module registers its steps with :func:`at_fork` when it is
imported; the steps of one phase run in the order registered.
"""

from __future__ import annotations

import os
import typing as ty

__all__ = ['LOCKS', 'LOOPS', 'at_fork']

LOCKS = 'locks'
LOOPS = 'loops'
_PHASES = (LOCKS, LOOPS)

_steps: dict[str, list[ty.Callable[[], None]]] = {
    phase: [] for phase in _PHASES}


def at_fork(phase: str, step: ty.Callable[[], None]) -> None:
    """Run ``step()`` in each forked child, in ``phase``."""
    _steps[phase].append(step)


def _in_child() -> None:
    for phase in _PHASES:
        for step in _steps[phase]:
            step()


os.register_at_fork(after_in_child=_in_child)
