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
import types
import typing as ty

from oslo_loopingcall import loopingcall

_yield = getattr(os, 'sched_yield', None) or (lambda: None)

# Serialises start() and the end of a loop, so that two threads cannot
# both start one loop, and a loop ending never races a restart.
_lock = threading.Lock()


class ThreadAbort(threading.Event):
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
        self._event = threading.Event()
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


class ThreadingBackend:
    """Loops in native threads, sleeping on a ``threading.Event``."""

    name = 'threading'
    abort_type = ThreadAbort
    #: The unpatched wait of the abort flag (a plain function, not bound
    #: to this object): while in place, loops may take the fast path.
    base_wait = staticmethod(threading.Event.wait)
    exit_exceptions = (KeyboardInterrupt, SystemExit)
    start_lock = _lock

    def new_abort(self) -> ThreadAbort:
        return ThreadAbort()

    def spawn(self, loop: loopingcall.LoopingCallBase,
              args: tuple[ty.Any, ...]) -> None:
        done = ThreadDone()
        thread = threading.Thread(
            target=self._main, args=(loop, done, args), daemon=True,
            name='loopingcall:' + loopingcall._callable_name(loop.f))
        # Published before the thread runs: a loop that ends at once must
        # find itself in ``_thread`` to clear it.
        loop._thread = thread
        loop.done = done
        virtual_time = loopingcall._virtual_time
        if virtual_time is not None:
            virtual_time._loop_spawning(loop)
        thread.start()

    @staticmethod
    def _main(loop: loopingcall.LoopingCallBase, done: ThreadDone,
              args: tuple[ty.Any, ...]) -> None:
        try:
            result = loop._run_loop(*args)
        except BaseException as exc:  # noqa: B902 - delivered to wait()
            _release(loop)
            done.send_exception(type(exc), exc, exc.__traceback__)
        else:
            _release(loop)
            done.send(result)

    @staticmethod
    def fast_waiter(abort: ThreadAbort) -> ThreadAbort:
        """What the fast path waits on: the abort flag itself."""
        return abort

    @staticmethod
    def current() -> threading.Thread:
        return threading.current_thread()

    def stop(self, loop: loopingcall.LoopingCallBase) -> None:
        loop._abort.set()
        # Let the woken loop thread take the GIL and end now: stopping
        # thousands of loops in a row otherwise leaves thousands of woken
        # threads fighting for the GIL at once (10k loops: 2-10 s instead
        # of under half a second). A stop from f's own thread just yields.
        _yield()

    def wait(self, loop: loopingcall.LoopingCallBase) -> ty.Any:
        return loop.done.wait()


def _release(loop: loopingcall.LoopingCallBase) -> None:
    # Cleared before ``done`` is set, so start() works as soon as wait()
    # returns.
    with _lock:
        if loop._thread is threading.current_thread():
            loop._thread = None


BACKEND = ThreadingBackend()

__all__ = ['BACKEND', 'ThreadAbort', 'ThreadDone', 'ThreadingBackend']
