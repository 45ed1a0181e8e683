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

"""What a loop asks of the mode it runs in: the backend contract.

:class:`~oslo_loopingcall.loopingcall.LoopingCallBase` talks to its
backend through this contract only. Each mode's backend satisfies it
(``greenthreads.backend.EventletBackend``,
``osthreads.backend.ThreadingBackend``), and so do the virtual-time
backends that :class:`~oslo_loopingcall.fixture.VirtualTimeFixture` puts
in front of them (``greenthreads.virtual``, ``osthreads.virtual``); mypy
checks all four against it.

A backend works on a loop's :class:`Loop` handle (:class:`.loops.Handle`
implements it), never on the looping call itself.

Time is part of the contract: a loop reads the clock with :meth:`now` and
idles with :meth:`Backend.idle_until`, so virtual time runs the very same
schedule as real time.
"""

from __future__ import annotations

import contextlib
import typing as ty

__all__ = ['Abort', 'Backend', 'Loop']


class Abort(ty.Protocol):
    """The flag that :meth:`stop` sets and that an idle loop wakes on."""

    def is_set(self) -> bool:
        """Whether the loop was asked to stop."""

    def set(self) -> None:
        """Mark the loop as stopped (waking it is the backend's job)."""

    def clear(self) -> None:
        """Make the flag usable for a new run of the loop."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until set or ``timeout`` seconds passed.

        The sleep seam: what ``SleepFixture`` patches to make idle periods
        instant.
        """


class Loop(ty.Protocol):
    """What a backend sees of one run of a looping call: its handle."""

    #: The looping call (for messages and the virtual clock's records).
    owner: ty.Any
    #: The running greenthread or thread, None when not running.
    thread: ty.Any
    #: The done event of the run.
    done: ty.Any
    #: The abort flag of the run (made by the backend's new_abort()).
    abort: ty.Any

    @property
    def label(self) -> str:
        """The name of the loop's function, for thread names."""

    def release(self) -> None:
        """The loop ended: not running any more (before the outcome)."""

    def lost(self) -> None:
        """The loop's OS thread is gone: it failed, and is released."""

    def ended(self, what: ty.Any) -> None:
        """The outcome is delivered: the owner's _on_done, if any, runs."""


class Backend(ty.Protocol):
    """How loops of one mode are run, timed, idled, stopped and waited."""

    #: ``'eventlet'`` or ``'threading'``.
    name: str
    #: What ends a loop without being a failure of its function (a kill,
    #: an interpreter exit): delivered to waiters, not logged as an error.
    exit_exceptions: tuple[type[BaseException], ...]
    #: The class whose ``wait`` is the sleep seam of this mode (see
    #: :attr:`seam_wait`).
    seam_class: type

    @property
    def seam_wait(self) -> ty.Any:
        """``seam_class.wait`` as this library found it.

        While ``seam_class.wait`` is something else, a test has patched the
        seam, and loops idle through ``abort.wait()`` instead.
        """

    @property
    def start_lock(self) -> contextlib.AbstractContextManager[ty.Any]:
        """Held while ``start()`` checks and spawns a loop."""

    def now(self) -> float:
        """The monotonic time, in seconds, that schedules are kept on."""

    def new_abort(self) -> Abort:
        """A fresh abort flag for a looping call."""

    def new_done(self) -> ty.Any:
        """A fresh done event (what ``start()`` returns)."""

    def spawn(self, loop: Loop, run: ty.Callable[[ty.Any], ty.Any],
              args: ty.Any) -> None:
        """Run ``run(args)`` in a new greenthread or thread.

        Sets ``loop.thread`` before returning; when ``run`` returns or
        raises, calls ``loop.release()``, then resolves ``loop.done`` with
        its result or exception, then calls ``loop.ended()``, whatever
        ends the greenthread or thread.
        """

    def current(self) -> object:
        """The running greenthread or thread (compared with _thread)."""

    def idle_until(self, loop: Loop, deadline: float,
                   seconds: float) -> None:
        """Idle until :meth:`now` reaches ``deadline``, or ``loop`` stops.

        ``seconds`` is the idle time as the loop's policy asked for it
        (``deadline`` also makes up for a late start); only virtual time
        uses it, to record it exactly.
        """

    def stop(self, loop: Loop) -> None:
        """Set ``loop.abort`` and wake the loop, from any OS thread."""

    def wait(self, loop: Loop) -> ty.Any:
        """Block until ``loop.done`` resolves, from any OS thread."""

    def disown(self, loop: Loop, error: BaseException) -> None:
        """In a forked child: the loop does not run here any more.

        Called right after the fork, in the child's only thread, for each
        loop the parent was running: resolve ``loop.done`` with ``error``
        (unless resolved already), mark the loop stopped and not running,
        without touching anything another thread of the parent may have
        held.
        """
