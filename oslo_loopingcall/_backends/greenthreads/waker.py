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

"""Running calls in an eventlet hub's own OS thread, from any other thread.

A hub sleeping in epoll only notices a timer or a file descriptor: calls
from another OS thread are queued here, and a byte written to a pipe the
hub listens to wakes it at once. The pipe is read and written with the
``os`` functions monkey patching leaves alone: a green ``os.read`` inside
the hub's own callback would try to block the hub, raise there, and make
eventlet drop the descriptor for good.
"""

from __future__ import annotations

import collections
import sys
import typing as ty

from eventlet import patcher

from oslo_loopingcall._backends import forking

_os = patcher.original('os')
_thread = patcher.original('_thread')

# The process wakers were made in: a forked child makes its own (its pipe
# would be shared with the parent's hub).
_pid = _os.getpid()


def _forked() -> None:
    global _pid
    _pid = _os.getpid()


forking.at_fork(forking.LOCKS, _forked)

# Where a hub keeps its waker (an attribute of the hub object: it lives and
# dies with the hub).
_ATTRIBUTE = '_oslo_loopingcall_waker'


class Waker:
    """Runs calls in one hub's OS thread on behalf of other OS threads."""

    def __init__(self, hub: ty.Any) -> None:
        self.pid = _pid
        #: Whether the hub's OS thread has ended (the pipe is closed then).
        self.closed = False
        # A closed descriptor's number may be reused by anything, which a
        # late write would corrupt: the pipe is closed only once no write
        # is under way. The lock guards that count, never a system call:
        # held across one it would make every other OS thread's stop()
        # wait for the GIL too (a convoy: stop() calls from three threads
        # fell seconds behind under load).
        self._lock = _thread.allocate_lock()
        self._writing = 0
        self._calls: collections.deque[ty.Callable[[], None]] = (
            collections.deque())
        self._read, self._write = _os.pipe()
        _os.set_blocking(self._read, False)
        _os.set_blocking(self._write, False)
        hub.add(hub.READ, self._read, self._drain, _ignore, None)

    def call(self, fn: ty.Callable[[], None]) -> None:
        """Have the hub call ``fn()`` soon, in its own thread."""
        self._calls.append(fn)
        with self._lock:
            if self.closed:
                return  # the hub's thread has ended: nothing runs there
            self._writing += 1
        try:
            _os.write(self._write, b'x')
        except BlockingIOError:
            pass  # the pipe is full: a wake-up is pending anyway
        finally:
            with self._lock:
                self._writing -= 1
                if self.closed and not self._writing:
                    self._close_pipe()

    def close(self) -> None:
        """Close the pipe (now, or after the writes under way)."""
        with self._lock:
            self.closed = True
            if not self._writing:
                self._close_pipe()

    def _close(self) -> None:
        # In a forked child, with no other thread: no lock, no count.
        self.closed = True
        self._close_pipe()

    def _close_pipe(self) -> None:
        if self._read >= 0:
            _os.close(self._read)
            _os.close(self._write)
            self._read = self._write = -1

    def _drain(self, fileno: int) -> None:
        try:
            while _os.read(self._read, 4096):
                pass
        except BlockingIOError:
            pass
        while self._calls:
            self._calls.popleft()()


def _ignore(*args: ty.Any) -> None:
    pass


class _ThreadEnd:
    """What happens when the OS thread of a hub with a waker ends.

    Kept in a native thread-local, which CPython drops when its thread
    ends: the pipe is closed (two descriptors per thread that ever ran
    loops would leak otherwise) and ``on_end()`` runs.
    """

    __slots__ = ('waker', 'on_end')

    def __init__(self, waker: Waker, on_end: ty.Callable[[], None]) -> None:
        self.waker = waker
        self.on_end = on_end

    def __del__(self, _finalizing: ty.Callable[[], bool] = sys.is_finalizing
                ) -> None:
        # (Bound as a default: at interpreter exit the module's globals may
        # be gone already.)
        if _finalizing():
            # Interpreter exit: the process's descriptors go with it.
            return
        waker = self.waker
        if waker.pid != _os.getpid():
            # The copy of another thread's, dropped in a forked child
            # before anything else runs there: its locks may have been
            # copied held, and its loops are the parent's.
            waker._close()
            return
        self.on_end()   # which may close the waker itself
        waker.close()


# The C thread-local, not threading.local: importing the original
# threading module from a thread that is not the main one breaks that
# thread's shutdown (see eventlet.patcher.original).
_threads_end = _thread._local()


def of(hub: ty.Any, on_thread_end: ty.Callable[[], None]) -> Waker:
    """The waker of ``hub``, made on first use (in the hub's thread).

    ``on_thread_end`` is called when the hub's OS thread ends, if this call
    makes the waker.
    """
    waker: Waker | None = getattr(hub, _ATTRIBUTE, None)
    if waker is None or waker.pid != _pid:
        waker = Waker(hub)
        setattr(hub, _ATTRIBUTE, waker)
        _threads_end.end = _ThreadEnd(waker, on_thread_end)
    return waker


def existing(hub: ty.Any) -> Waker | None:
    """The waker of ``hub`` if it has one (in this process)."""
    waker: Waker | None = getattr(hub, _ATTRIBUTE, None)
    return waker if waker is not None and waker.pid == _pid else None
