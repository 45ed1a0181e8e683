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

A loop is listed from ``start()`` until its backend delivers its outcome
(also when it was killed before it ever ran): as long as its greenthread or
thread is alive, which refers to it anyway, and no longer, so that the
registry never keeps a loop alive. In a forked child, the loops the parent
was running are disowned: they do not run there, and their waiters get an
error rather than waiting for ever.

SPEED: a plain dict keyed by ``id()``, not a weak reference (a WeakSet
costs 146 bytes and 1 us a loop). A native lock around adding and removing
lets the table be dropped when the last loop ends: a dict never shrinks by
itself, and after a peak of 10,000 loops its table held 620 KiB until
enough new loops churned through it (the lock costs 0.4 us a loop).
"""

from __future__ import annotations

import os
import typing as ty

from oslo_loopingcall._backends import native

__all__ = ['add', 'discard', 'running']


_lock = native.allocate_lock()
_loops: dict[int, ty.Any] = {}


def add(loop: ty.Any) -> None:
    """List ``loop`` as running (from start())."""
    with _lock:
        _loops[id(loop)] = loop


def discard(loop: ty.Any) -> None:
    """Stop listing ``loop`` (its outcome was delivered)."""
    with _lock:
        _loops.pop(id(loop), None)
        if not _loops:
            _loops.clear()   # frees the table, however large it grew


def running() -> list[ty.Any]:
    """The looping calls started and not yet ended, in the order started.

    No lock: a Guru Meditation Report lists them from a signal handler,
    which may interrupt the very thread that holds it.
    """
    return [loop for loop in list(_loops.values())
            if loop._thread is not None]


def _forked() -> None:
    global _lock
    # Another thread of the parent may have held it at the fork.
    _lock = native.allocate_lock()
    parent = os.getppid()
    for loop in running():
        loop._backend.disown(loop, RuntimeError(
            f'{loop._KIND} {loop!r} was running in process {parent} and '
            f'does not run in its forked child {os.getpid()}: start it '
            f'again in the child if the child needs it'))
        discard(loop)


os.register_at_fork(after_in_child=_forked)
