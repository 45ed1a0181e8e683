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

"""The native-thread mode: each loop runs in an OS thread of its own.

Nothing of eventlet is imported here.
"""

from __future__ import annotations

import os
import threading
import time
import types
import typing as ty

from oslo_loopingcall._backends import contract
from oslo_loopingcall._backends import forking
from oslo_loopingcall._backends import native


# The threading of real OS threads: in a monkey-patched process, loops
# must still be OS threads that any real OS thread can stop or wait for.
_threads = native.original('threading')
if ty.TYPE_CHECKING:
    _Event = threading.Event
else:
    _Event = _threads.Event

_yield = getattr(os, 'sched_yield', None) or (lambda: None)

# Held by start(), so that two threads cannot both start one loop.
_lock = native.allocate_lock()


class ThreadAbort(_Event):
    """The abort flag of a loop in native-thread mode.

    A class of its own so that ``SleepFixture`` can make its ``wait`` (the
    idle time of every loop) return at once without touching
    ``threading.Event``.
    """


class ThreadDone:
    """The outcome of a loop in native-thread mode.

    :meth:`wait` returns the loop's result or raises the very exception
    instance that ended it, in any number of threads, any number of times.
    """

    __slots__ = ('_event', '_result', '_exc')

    def __init__(self) -> None:
        self._event: threading.Event = _threads.Event()
        self._result: ty.Any = None
        self._exc: BaseException | None = None

    def ready(self) -> bool:
        """Whether the loop has ended."""
        return self._event.is_set()

    def send(self, result: ty.Any = None) -> None:
        self._result = result
        self._event.set()

    def send_exception(self, exc_type: type[BaseException] | None = None,
                       exc: BaseException | None = None,
                       tb: types.TracebackType | None = None) -> None:
        if exc is None:
            exc = exc_type() if exc_type is not None else RuntimeError()
        self._exc = exc
        self._event.set()

    def wait(self, timeout: float | None = None) -> ty.Any:
        """Wait for the loop to end; return its result or raise its error.

        :param timeout: seconds to wait at most; None waits for ever.
        :raises RuntimeError: when ``timeout`` passes first.
        """
        if not self._event.wait(timeout):
            raise RuntimeError('Timed out waiting for event')
        if self._exc is not None:
            raise self._exc
        return self._result

    #: As a ``concurrent.futures.Future`` has it: what ``_on_done`` of a
    #: looping call is given in this mode, as in oslo.service's.
    result = wait


class ThreadingBackend:
    """Loops in native threads, idling on a ``threading.Event``."""

    name = 'threading'
    exit_exceptions: tuple[type[BaseException], ...] = (
        KeyboardInterrupt, SystemExit)
    seam_class: type = ThreadAbort
    #: The genuine wait of the abort flag (a plain function, not bound to
    #: this object): while in place, no test has patched the seam.
    seam_wait = staticmethod(_Event.wait)
    now = staticmethod(time.monotonic)

    @property
    def start_lock(self) -> ty.Any:
        return _lock

    def new_abort(self) -> ThreadAbort:
        return ThreadAbort()

    new_done = ThreadDone

    def spawn(self, loop: contract.Loop, run: ty.Callable[[ty.Any], ty.Any],
              args: ty.Any) -> None:
        thread = _threads.Thread(
            target=_main, args=(loop, run, args), daemon=True,
            name='loopingcall:' + loop.label)
        # Published before the thread runs: a loop that ends at once
        # releases it.
        loop.thread = thread
        thread.start()

    current = staticmethod(_threads.current_thread)

    def idle_until(self, loop: contract.Loop, deadline: float,
                   seconds: float) -> None:
        abort = loop.abort
        delay = deadline - time.monotonic()
        # Idles longer than the platform allows one wait are waited in
        # pieces, each ended at once by stop().
        while delay > _MAX_WAIT:
            if abort.wait(_MAX_WAIT):
                return
            delay = deadline - time.monotonic()
        if delay > 0:
            abort.wait(delay)

    def stop(self, loop: contract.Loop) -> None:
        loop.abort.set()
        # Let the woken loop thread take the GIL and end now: stopping
        # thousands of loops in a row otherwise leaves thousands of woken
        # threads fighting for the GIL at once (10k loops: 2-10 s instead
        # of under half a second). A stop from f's own thread just yields.
        _yield()

    def wait(self, loop: contract.Loop) -> ty.Any:
        return loop.done.wait()

    def disown(self, loop: contract.Loop, error: BaseException) -> None:
        # Fresh primitives: the parent's threads may have held the locks
        # of the old ones at the fork, and none of them is left to release
        # them.
        loop.abort = ThreadAbort()
        loop.abort.set()
        loop.thread = None
        done = loop.done
        if done is not None and not done.ready():
            done._event = _threads.Event()
            done.send_exception(exc=error)


#: The longest single wait (threading.TIMEOUT_MAX is the platform's).
_MAX_WAIT = _threads.TIMEOUT_MAX


def _main(loop: contract.Loop, run: ty.Callable[[ty.Any], ty.Any],
          args: ty.Any) -> None:
    done = loop.done
    try:
        result = run(args)
    except BaseException as exc:  # noqa: B902 - delivered to wait()
        loop.release()
        done.send_exception(type(exc), exc, exc.__traceback__)
    else:
        loop.release()
        done.send(result)
    loop.ended(done)


def _new_lock() -> None:
    # A child forked while another thread held the lock inherits it held,
    # with no thread left to release it.
    global _lock
    _lock = native.allocate_lock()


forking.at_fork(forking.LOCKS, _new_lock)

BACKEND: contract.Backend = ThreadingBackend()

__all__ = ['BACKEND', 'ThreadAbort', 'ThreadDone', 'ThreadingBackend']
