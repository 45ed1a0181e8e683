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

Imported only when the eventlet mode is used. Every loop belongs to the hub
of the OS thread that started it; ``stop()`` and ``wait()`` from other OS
threads are handed over to that hub (:mod:`._waker`), with native
primitives that monkey patching leaves alone.
"""

from __future__ import annotations

import functools
import time
import typing as ty

from eventlet import event
from eventlet import greenthread
from eventlet import hubs
from eventlet import patcher
import greenlet
from oslo_utils import eventletutils

from oslo_loopingcall._backends import contract
from oslo_loopingcall._backends import forking
from oslo_loopingcall._backends.greenthreads import waker as wakers
from oslo_loopingcall._backends import loops

# Native primitives even under monkey patching: they coordinate OS threads
# that each run their own hub. From _thread, not threading: importing the
# original threading module from a thread that is not the main one would
# break that thread's shutdown.
_thread = patcher.original('_thread')
_NativeLock = _thread.allocate_lock

# Protects the hand-over between a loop finishing and waiters in other OS
# threads registering (see EventletBackend.wait()).
_foreign_lock = _NativeLock()

_getcurrent = greenlet.getcurrent
_get_hub = hubs.get_hub
_NO_KWARGS: dict[str, ty.Any] = {}


class Abort:
    """The abort flag of a loop in eventlet mode.

    A loop idles by parking its greenthread on a hub timer (what
    ``eventlet.sleep`` does): stop() cancels the timer and resumes the
    greenthread at once. SPEED: no event wait and no ``Timeout`` per
    period: 10.5 us a period against 30.0 us through the seam's
    ``EventletEvent`` wait (and a StopWatch), noise +-2 us, A/B 5 rounds.

    Through the sleep seam (``abort.wait()``, what ``SleepFixture``
    patches) it waits on an ``EventletEvent`` instead, made only then,
    which stop() sets too.
    """

    __slots__ = ('_set', '_sleeper', '_timer', '_seam', 'hub', 'owner')

    def __init__(self) -> None:
        self._set = False
        self._sleeper: ty.Any = None
        self._timer: ty.Any = None
        self._seam: eventletutils.EventletEvent | None = None
        #: The hub (of the OS thread that started it) and greenthread of
        #: the loop while it runs in a greenthread of its own (None for
        #: RetryDecorator's loops, which run in the caller's).
        self.hub: ty.Any = None
        self.owner: ty.Any = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        """Set the flag and wake the loop (from the loop's own OS thread)."""
        if not self._set:
            self._set = True
            self.wake()

    def clear(self) -> None:
        self._set = False
        # In a forked child, the parent's loop may have been parked here.
        self._seam = self._sleeper = self._timer = None
        self.hub = self.owner = None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait through ``EventletEvent.wait`` (the reference's seam)."""
        seam = self._seam
        if seam is None:
            seam = self._seam = eventletutils.EventletEvent()
            if self._set:
                seam.set()
        return seam.wait(timeout)

    def wake(self) -> None:
        """End the idle period and the seam's wait (in the loop's thread)."""
        if self._seam is not None:
            self._seam.set()
        self.resume()

    def resume(self) -> None:
        """End the idle period of the loop now (in the loop's OS thread)."""
        sleeper = self._sleeper
        if sleeper is not None:
            self._sleeper = None
            self._timer.cancel()
            _get_hub().schedule_call_global(0, sleeper.switch)

    # For virtual time, which parks loops on its clock instead of a timer.

    @property
    def sleeper(self) -> ty.Any:
        """The greenthread parked idle, None while the loop is not idle."""
        return self._sleeper

    def park(self, timer: ty.Any, sleeper: ty.Any) -> None:
        """``sleeper`` idles until ``timer`` fires or resume() is called."""
        self._timer = timer
        self._sleeper = sleeper

    def unpark(self) -> None:
        """The idle period is over (the sleeper was resumed)."""
        self._sleeper = None


class EventletBackend:
    """Loops in greenthreads of the hub of the OS thread that starts them."""

    name = 'eventlet'
    exit_exceptions: tuple[type[BaseException], ...] = (
        greenlet.GreenletExit, KeyboardInterrupt, SystemExit)
    seam_class: type = eventletutils.EventletEvent
    #: Held by start() while it checks and spawns (nothing in there
    #: yields). A native lock: right for loops started from several OS
    #: threads, monkey patched or not.
    start_lock = _NativeLock()
    #: The hub's own clock (P48).
    now = staticmethod(time.monotonic)
    _seam_wait: ty.Any = None

    @property
    def seam_wait(self) -> ty.Any:
        """The genuine ``EventletEvent.wait``, once seen unpatched.

        Captured on first use rather than at import, and only from a
        function that is really oslo.utils' own: this module may first be
        imported while a test has the method patched.
        """
        wait = self._seam_wait
        if wait is None:
            wait = eventletutils.EventletEvent.wait
            # Compiled from oslo.utils' own source file, under its own
            # name: a replacement, even one copying the name, is not.
            code = getattr(wait, '__code__', None)
            if (getattr(code, 'co_filename', None) == eventletutils.__file__
                    and getattr(wait, '__qualname__', None) ==
                    'EventletEvent.wait'):
                self._seam_wait = wait
        return self._seam_wait

    def new_abort(self) -> Abort:
        return Abort()

    new_done = staticmethod(event.Event)

    def spawn(self, loop: contract.Loop, run: ty.Callable[[ty.Any], ty.Any],
              args: ty.Any) -> None:
        hub = _get_hub()
        abort = loop.abort
        abort.hub = hub
        # Made now, in the hub's own thread: a stop() from another OS
        # thread can only write to it.
        _own_waker(hub)
        thread = _LoopThread(hub, loop)
        # What eventlet.spawn() does, with our GreenThread.
        hub.schedule_call_global(0, thread.switch, run, args, _NO_KWARGS)
        abort.owner = thread
        loop.thread = thread

    current = staticmethod(_getcurrent)

    def idle_until(self, loop: contract.Loop, deadline: float,
                   seconds: float) -> None:
        abort = loop.abort
        if abort._set:
            return
        delay = deadline - time.monotonic()
        # Known for a loop in a greenthread of its own: looking them up
        # costs 0.1 us a period.
        hub = abort.hub or _get_hub()
        current = abort.owner or _getcurrent()
        # What eventlet.sleep() does, with the timer and the greenthread
        # left where stop() finds them.
        timer = hub.schedule_call_global(delay if delay > 0 else 0,
                                         current.switch)
        abort._timer = timer
        abort._sleeper = current
        try:
            hub.switch()
        finally:
            abort._sleeper = None
            timer.cancel()

    def stop(self, loop: contract.Loop) -> None:
        abort = loop.abort
        if abort._set:
            return
        abort._set = True
        if abort.hub is None or abort.hub is _own_hub():
            abort.wake()
        else:
            # The wake-up must happen in the loop's own hub, through the
            # waker spawn() made there (none: the loop's process or thread
            # is gone, and nothing is left to wake).
            waker = wakers.existing(abort.hub)
            if waker is not None:
                waker.call(abort.wake)

    def wait(self, loop: contract.Loop) -> ty.Any:
        done = loop.done
        abort = loop.abort
        # The hub tells the loop's OS thread: a thread identifier may be
        # reused once its thread has ended.
        if done is None or done.ready() or abort.hub is None or (
                abort.hub is _own_hub()):
            return done.wait()
        # Another OS thread cannot wait on the loop's eventlet event (the
        # hub would try to switch into this thread). A thread with a hub
        # of its own waits green, on an event of its hub that the loop's
        # end sets through that hub's waker, so that its greenthreads go
        # on meanwhile; any other waits on a native event.
        own = _own_hub()
        waiter = _GreenWaiter(own) if own is not None else _NativeEvent()
        owner = wakers.existing(abort.hub)
        with _foreign_lock:
            if done.ready():
                return done.wait()
            registered = owner is None or not owner.closed
            if registered:
                _foreign_waiters(done).append(waiter)
        if registered:
            waiter.wait()
        if not done.ready():
            raise RuntimeError(
                f'the OS thread that started {loop!r} has ended: the '
                f'loop can never run again (a loop runs in the eventlet '
                f'hub of the OS thread that starts it)')
        return done.wait()

    def disown(self, loop: contract.Loop, error: BaseException) -> None:
        loop.abort._set = True
        loop.thread = None
        done = loop.done
        if done is not None and not done.ready():
            # Greenthreads of this (the forking) thread waiting for it get
            # the error; if the hub goes on running the loop's greenthread
            # in the child, the loop ends at its next wake-up.
            done.send_exception(type(error), error, None)


class _LoopThread(greenthread.GreenThread):  # type: ignore[misc]
    """The greenthread of one loop; its exit event is the loop's ``done``.

    Whatever ends the greenthread (a result, an exception, a ``kill()``
    before or during the run) resolves ``done``, and nothing else is kept
    per loop: no second event, no link. This is the one place that relies
    on eventlet's internals (``GreenThread._exit_event`` and
    ``_resolve_links()``; tests/test_dependencies.py checks they are still
    there): ``eventlet.spawn()`` plus ``link()`` cost 0.8 KB and 4 us more
    a loop, and a GreenThread's own main() hands every exception of the
    loop to the hub, which prints it.
    """

    def __init__(self, hub: ty.Any, loop: contract.Loop) -> None:
        super().__init__(hub.greenlet)
        self._exit_event = loop.done
        self._loop = loop

    def main(self, function: ty.Callable[[ty.Any], ty.Any], args: ty.Any,
             kwargs: ty.Any) -> None:
        # Also what kill() calls before the greenthread ever ran, with a
        # function that raises GreenletExit. The run's arguments are one
        # object, passed as it is: function(*args) would be called
        # through C, a frame that an idle greenthread would keep.
        loop = self._loop
        try:
            result = function(args)
        except BaseException as exc:
            _deliver(loop, exc=exc)
            self._resolve_links()
            loop.ended(self)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                # As for any greenthread: the hub hands these on to the
                # main greenlet. Anything else was delivered (and logged)
                # already, and must not be printed again by the hub.
                raise
        else:
            _deliver(loop, result)
            self._resolve_links()
            loop.ended(self)


def _deliver(loop: contract.Loop, result: ty.Any = None,
             exc: BaseException | None = None) -> None:
    # Released before ``done`` fires, so that start() works as soon as
    # wait() returns.
    loop.release()
    done = loop.done
    if done.ready():
        # Disowned in a forked child, where the hub still ran the loop.
        return
    if exc is None:
        done.send(result)
    else:
        done.send_exception(type(exc), exc, exc.__traceback__)
    with _foreign_lock:
        waiters = _take_foreign_waiters(done)
    for native in waiters:
        native.set()


class _NativeEvent:
    """A one-shot event of real OS threads: a lock held until set."""

    __slots__ = ('_lock',)

    def __init__(self) -> None:
        self._lock = _NativeLock()
        self._lock.acquire()

    def set(self) -> None:
        self._lock.release()

    def wait(self) -> None:
        with self._lock:
            pass


class _GreenWaiter:
    """An event in the hub of the waiting OS thread, set from another."""

    __slots__ = ('_event', '_waker')

    def __init__(self, hub: ty.Any) -> None:
        self._event = event.Event()
        self._waker = _own_waker(hub)

    def set(self) -> None:
        green = self._event

        def send() -> None:
            if not green.ready():
                green.send(True)

        self._waker.call(send)

    def wait(self) -> None:
        self._event.wait()


def _own_hub() -> ty.Any:
    """This OS thread's hub, None if it has none (without making one).

    The one use of ``eventlet.hubs._threadlocal``: ``hubs.get_hub()``
    would make a hub for a thread that has none.
    """
    return getattr(hubs._threadlocal, 'hub', None)


def _own_waker(hub: ty.Any) -> wakers.Waker:
    """The waker of ``hub``, this OS thread's (made on first use)."""
    return wakers.existing(hub) or wakers.of(
        hub, functools.partial(_thread_ended, hub))


def _thread_ended(hub: ty.Any) -> None:
    """An OS thread whose hub ran loops has ended.

    Its loops can never run again: their waiters in other threads are
    woken (and raise), and later ones raise at once (see
    EventletBackend.wait()).
    """
    with _foreign_lock:
        waker = wakers.existing(hub)
        if waker is not None:
            waker.close()
        for loop in loops.running():
            abort = loop.abort
            if abort.hub is hub:
                # Not running any more: not listed, stopped, and free to
                # start again (in a thread that lives).
                abort._set = True
                loop.lost()
                for waiter in _take_foreign_waiters(loop.done):
                    waiter.set()


def _foreign_waiters(done: event.Event) -> list[ty.Any]:
    """Waiters in other OS threads for ``done`` (under _foreign_lock)."""
    waiters: list[ty.Any] = done.__dict__.setdefault('_foreign_waiters', [])
    return waiters


def _take_foreign_waiters(done: event.Event) -> list[ty.Any]:
    """Remove and return them, to wake them (under _foreign_lock)."""
    waiters: list[ty.Any] = done.__dict__.pop('_foreign_waiters', [])
    return waiters


def _new_locks() -> None:
    # Another thread of the parent may have held them at the fork.
    global _foreign_lock
    _foreign_lock = _NativeLock()
    EventletBackend.start_lock = _NativeLock()


forking.at_fork(forking.LOCKS, _new_locks)

BACKEND: contract.Backend = EventletBackend()

__all__ = ['BACKEND', 'Abort', 'EventletBackend']
