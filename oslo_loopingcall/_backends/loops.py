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

"""The loops that run: each one's handle, and the table of those running.

A :class:`Handle` is what a backend sees of one run of a looping call:
its greenthread or thread, its done event, its abort flag and its
statistics. The looping call makes a new one at each ``start()`` and
keeps it after the run (its statistics stay readable); backends set its
``thread`` when they spawn the loop and call :meth:`Handle.release` when
it ends.

A handle is listed from ``start()`` until its backend releases it (also
when it was killed before it ever ran): as long as its greenthread or
thread is alive, which refers to it anyway, and no longer, so that the
table never keeps a loop alive. In a forked child, the loops the parent
was running are disowned (see :mod:`.forking`).

SPEED: a plain dict keyed by ``id()``, not a weak reference (a WeakSet
costs 146 bytes and 1 us a loop). A real lock around adding and removing
lets the table be dropped when the last loop ends: a dict never shrinks
by itself, and after a peak of 10,000 loops its table held 620 KiB until
enough new loops churned through it (the lock costs 0.4 us a loop).
"""

from __future__ import annotations

import logging
import os
import typing as ty

from oslo_loopingcall._backends import forking
from oslo_loopingcall._backends import native
from oslo_loopingcall import _naming

__all__ = ['Handle', 'running']

LOG = logging.getLogger(__name__)


class Handle:
    """One run of a looping call, as its backend sees it."""

    __slots__ = ('owner', 'kind', 'backend', 'abort', 'done', 'thread',
                 'stats', 'on_done', 'initial_delay', 'stop_on_exception')

    def __init__(self, owner: ty.Any, kind: str, backend: ty.Any,
                 abort: ty.Any, stats: ty.Any = None, done: ty.Any = None,
                 on_done: ty.Callable[[ty.Any], None] | None = None) -> None:
        #: The looping call while the run goes on; None before and after,
        #: so that the looping call and its handle never hold each other
        #: (a loop is freed as soon as nothing refers to it, without
        #: waiting for the garbage collector).
        self.owner = owner
        #: What kind of looping call it is, for messages.
        self.kind = kind
        self.backend = backend
        #: The flag stop() sets and an idle loop wakes on.
        self.abort = abort
        #: The done event (what start() returned).
        self.done = done
        #: The greenthread or thread running the loop, None when none is.
        self.thread: ty.Any = None
        #: The loop's statistics (a LoopStats).
        self.stats = stats
        #: What to call, with the greenthread or the done event, once the
        #: loop has ended and its outcome is delivered; None: nothing.
        self.on_done = on_done
        #: How the run was started: seconds before its first run of f,
        #: whether an exception from f ends it.
        self.initial_delay: float | None = None
        self.stop_on_exception = True

    @property
    def label(self) -> str:
        """The name of the loop's function, for thread names."""
        return _naming.callable_name(self.owner.f)

    def listed(self) -> None:
        """List the loop as running (start() does, before spawning)."""
        with _lock:
            _loops[id(self)] = self

    def release(self) -> None:
        """The loop ended, or never will run: it is not running any more.

        Called by the backend before it delivers the outcome, so that
        ``start()`` works again as soon as ``wait()`` returns.
        """
        self.thread = None
        self.owner = None
        with _lock:
            _loops.pop(id(self), None)
            if not _loops:
                _loops.clear()   # frees the table, however large it grew

    def lost(self) -> None:
        """The loop's OS thread is gone: the loop failed and is released."""
        self.stats.lost()
        self.release()

    def ended(self, what: ty.Any) -> None:
        """The outcome is delivered: call ``on_done(what)``, if there is one.

        An exception from it is logged, as eventlet's links and
        futures' callbacks have theirs: the loop has ended either way.
        """
        on_done = self.on_done
        if on_done is not None:
            # Bound to the looping call, which holds this handle.
            self.on_done = None
            try:
                on_done(what)
            except Exception:
                LOG.exception('_on_done of a %s failed', self.kind)


_lock = native.allocate_lock()
_loops: dict[int, Handle] = {}


def running() -> list[Handle]:
    """The handles of the loops started and not ended, in order started.

    No lock: a Guru Meditation Report lists them from a signal handler,
    which may interrupt the very thread that holds it.
    """
    return [handle for handle in list(_loops.values())
            if handle.thread is not None]


def _new_lock() -> None:
    global _lock
    _lock = native.allocate_lock()


def _disown_all() -> None:
    parent = os.getppid()
    for handle in running():
        handle.backend.disown(handle, RuntimeError(
            f'{handle.kind} {handle.owner!r} was running in process '
            f'{parent} and does not run in its forked child {os.getpid()}: '
            f'start it again in the child if the child needs it'))
        handle.release()


forking.at_fork(forking.LOCKS, _new_lock)
forking.at_fork(forking.LOOPS, _disown_all)
