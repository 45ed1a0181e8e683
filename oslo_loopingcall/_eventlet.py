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

"""The eventlet mode: each loop runs in a greenthread of its OS thread's hub.

Imported only when the eventlet mode is used.
"""

from __future__ import annotations

import collections
import os
import types
import typing as ty

from eventlet import greenthread
from eventlet import hubs
from eventlet import patcher
import greenlet
from oslo_utils import eventletutils

if ty.TYPE_CHECKING:
    from oslo_loopingcall import loopingcall

# Native primitives even under monkey patching: they coordinate OS threads
# that each run their own hub.
_NativeEvent = patcher.original('threading').Event
_NativeLock = patcher.original('threading').Lock

# Protects the hand-over between a loop finishing and waiters in other OS
# threads registering (see EventletBackend.wait()).
_foreign_lock = _NativeLock()


_NO_KWARGS: dict[str, ty.Any] = {}


class _LoopThread(greenthread.GreenThread):  # type: ignore[misc]
    """The greenthread that runs one loop.

    Its exit event *is* the loop's ``done`` event: whatever ends the
    greenthread (a result, an exception, a ``kill()`` before or during the
    run) resolves ``done``, so no waiter can hang, and a start costs no
    extra event or link callback.
    """

    def __init__(self, hub: ty.Any, loop: loopingcall.LoopingCallBase
                 ) -> None:
        super().__init__(hub.greenlet)
        self._loop: loopingcall.LoopingCallBase | None = loop
        self._hub = hub

    def main(self, function: ty.Callable[..., ty.Any], args: ty.Any,
             kwargs: ty.Any) -> None:
        try:
            result = (function(*args, **kwargs) if kwargs
                      else function(*args))
        except BaseException as exc:
            loop = self._release()
            self._exit_event.send_exception(type(exc), exc, exc.__traceback__)
            self._resolve_links()
            _wake_foreign_waiters(loop)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                # As for any greenthread: the hub hands these on to the
                # main greenlet.
                raise
        else:
            loop = self._release()
            self._exit_event.send(result)
            self._resolve_links()
            _wake_foreign_waiters(loop)

    def _release(self) -> loopingcall.LoopingCallBase | None:
        # Cleared before ``done`` fires, so start() works as soon as
        # wait() returns.
        loop, self._loop = self._loop, None
        if loop is not None and loop._thread is self:
            loop._thread = None
        return loop


def _wake_foreign_waiters(loop: loopingcall.LoopingCallBase | None) -> None:
    if loop is None:
        return
    with _foreign_lock:
        waiters = loop.__dict__.pop('_foreign_waiters', ())
    for event in waiters:
        event.set()


# The process a waker belongs to: a forked child must make its own (its
# pipe would be shared with the parent's hub).
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


class _Waker:
    """Runs calls in a hub's own OS thread on behalf of other OS threads.

    A hub sleeping in epoll only notices a timer or an fd: calls from
    another OS thread are queued here and a byte written to a pipe the hub
    listens to wakes it at once.
    """

    def __init__(self, hub: ty.Any) -> None:
        self.pid = _pid
        self._calls: collections.deque[ty.Callable[[], None]] = (
            collections.deque())
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        hub.add(hub.READ, self._read, self._drain, _ignore, None)

    def call(self, fn: ty.Callable[[], None]) -> None:
        self._calls.append(fn)
        try:
            os.write(self._write, b'x')
        except BlockingIOError:
            pass  # the pipe is full: the hub has a wake-up pending anyway

    def _drain(self, fileno: int) -> None:
        try:
            while os.read(self._read, 4096):
                pass
        except BlockingIOError:
            pass
        while self._calls:
            self._calls.popleft()()


def _ignore(*args: ty.Any) -> None:
    pass


def _waker(hub: ty.Any) -> _Waker:
    waker: _Waker | None = getattr(hub, '_oslo_loopingcall_waker', None)
    if waker is None or waker.pid != _pid:
        waker = _Waker(hub)
        hub._oslo_loopingcall_waker = waker
    return waker


def _own_hub() -> ty.Any:
    # Without creating a hub for a thread that has none.
    return getattr(hubs._threadlocal, 'hub', None)


class EventletBackend:
    """Loops in greenthreads, sleeping on an ``EventletEvent``."""

    name = 'eventlet'
    abort_type = eventletutils.EventletEvent
    _base_wait: ty.Any = None
    #: What ends a loop without being a failure of its function.
    exit_exceptions = (greenlet.GreenletExit, KeyboardInterrupt, SystemExit)
    #: Held by start() while it checks and spawns (nothing in there
    #: yields). A native lock: the cheapest context manager there is, and
    #: right for loops started from several OS threads.
    start_lock = _NativeLock()

    @property
    def base_wait(self) -> ty.Any:
        """The genuine ``EventletEvent.wait``, once seen unpatched.

        While it is in place (and no other seam is patched) loops may take
        the fast path. Captured on first use rather than at import, and
        only from a function that is really oslo.utils' own: this module
        may first be imported while a test has the method patched.
        """
        wait = self._base_wait
        if wait is None:
            wait = eventletutils.EventletEvent.wait
            if (isinstance(wait, types.FunctionType) and
                    not hasattr(wait, 'mock') and
                    wait.__module__ == eventletutils.__name__ and
                    wait.__qualname__ == 'EventletEvent.wait'):
                self._base_wait = wait
        return self._base_wait

    def new_abort(self) -> eventletutils.EventletEvent:
        return eventletutils.EventletEvent()

    def spawn(self, loop: loopingcall.LoopingCallBase,
              args: tuple[ty.Any, ...]) -> None:
        hub = hubs.get_hub()
        _waker(hub)
        thread = _LoopThread(hub, loop)
        hub.schedule_call_global(0, thread.switch, type(loop)._run_loop,
                                 (loop,) + args, _NO_KWARGS)
        loop._thread = thread
        loop.done = thread._exit_event

    @staticmethod
    def fast_waiter(abort: eventletutils.EventletEvent) -> ty.Any:
        """What the fast path waits on: the abort flag's eventlet Event.

        Woken by stop() like ``EventletEvent.wait()``, but without throwing
        a Timeout into the greenthread on every period.
        """
        return abort._event

    @staticmethod
    def current() -> ty.Any:
        return greenlet.getcurrent()

    def stop(self, loop: loopingcall.LoopingCallBase) -> None:
        abort = loop._abort
        if abort.is_set():
            return
        thread = loop._thread
        if thread is None or thread._hub is _own_hub():
            abort.set()
            return
        # Another OS thread: the eventlet send must happen in the loop's
        # own hub (a send here would be scheduled on this thread's hub,
        # and the loop would only notice at its next wake-up).
        abort._set = True
        event = abort._event

        def send() -> None:
            if not event.ready():
                event.send(True)

        _waker(thread._hub).call(send)

    def wait(self, loop: loopingcall.LoopingCallBase) -> ty.Any:
        done = loop.done
        thread = loop._thread
        if (thread is None or done.ready() or
                thread._hub is _own_hub()):
            return done.wait()
        # Another OS thread cannot wait on the loop's eventlet event (the
        # hub would try to switch into this thread): wait on a native
        # event that the loop sets when it ends.
        native = _NativeEvent()
        with _foreign_lock:
            if not done.ready():
                loop.__dict__.setdefault('_foreign_waiters', []).append(
                    native)
                registered = True
            else:
                registered = False
        if registered:
            native.wait()
        return done.wait()


BACKEND = EventletBackend()

__all__ = ['BACKEND', 'EventletBackend']
