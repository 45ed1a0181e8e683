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

"""The looping calls running in this process.

Held weakly: a loop nobody refers to any more (and whose greenthread or
thread is gone) is never kept alive by being listed here. In a forked
child, the loops the parent was running are disowned: they do not run
there, and their waiters get an error rather than waiting for ever.
"""

from __future__ import annotations

import os
import threading
import typing as ty
import weakref

__all__ = ['add', 'discard', 'running']

# Keys in the order the loops started (a dict keeps it; a WeakSet would
# not).
_loops: weakref.WeakKeyDictionary[ty.Any, None] = (
    weakref.WeakKeyDictionary())
# Serialises the changes. Listing takes no lock: a Guru Meditation Report
# lists the loops from a signal handler, which may interrupt the very
# thread that holds it.
_lock = threading.Lock()


def add(loop: ty.Any) -> None:
    """List ``loop`` as running (from start())."""
    with _lock:
        _loops[loop] = None


def discard(loop: ty.Any) -> None:
    """Stop listing ``loop`` (when its run ends)."""
    with _lock:
        _loops.pop(loop, None)


def running() -> list[ty.Any]:
    """The looping calls started and not yet ended, in the order started."""
    # keyrefs(): one C-level copy of the references, atomic under the
    # GIL; a loop that died meanwhile dereferences to None.
    loops = (ref() for ref in _loops.keyrefs())
    return [loop for loop in loops
            if loop is not None and loop._thread is not None]


def _forked() -> None:
    global _lock
    # The parent's other threads may have held the lock at the fork.
    _lock = threading.Lock()
    parent = os.getppid()
    for loop in running():
        loop._backend.disown(loop, RuntimeError(
            f'{loop._KIND} {loop!r} was running in process {parent} and '
            f'does not run in its forked child {os.getpid()}: start it '
            f'again in the child if the child needs it'))
        discard(loop)


os.register_at_fork(after_in_child=_forked)
