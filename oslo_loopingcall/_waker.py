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
import typing as ty

from eventlet import patcher

_os = patcher.original('os')

# The process wakers were made in: a forked child makes its own (its pipe
# would be shared with the parent's hub).
_pid = _os.getpid()


def _forked() -> None:
    global _pid
    _pid = _os.getpid()


_os.register_at_fork(after_in_child=_forked)

# Where a hub keeps its waker (an attribute of the hub object: it lives and
# dies with the hub).
_ATTRIBUTE = '_oslo_loopingcall_waker'


class Waker:
    """Runs calls in one hub's OS thread on behalf of other OS threads."""

    def __init__(self, hub: ty.Any) -> None:
        self.pid = _pid
        self._calls: collections.deque[ty.Callable[[], None]] = (
            collections.deque())
        self._read, self._write = _os.pipe()
        _os.set_blocking(self._read, False)
        _os.set_blocking(self._write, False)
        hub.add(hub.READ, self._read, self._drain, _ignore, None)

    def call(self, fn: ty.Callable[[], None]) -> None:
        """Have the hub call ``fn()`` soon, in its own thread."""
        self._calls.append(fn)
        try:
            _os.write(self._write, b'x')
        except BlockingIOError:
            pass  # the pipe is full: the hub has a wake-up pending anyway

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


def of(hub: ty.Any) -> Waker:
    """The waker of ``hub``, made on first use (in the hub's thread)."""
    waker: Waker | None = getattr(hub, _ATTRIBUTE, None)
    if waker is None or waker.pid != _pid:
        waker = Waker(hub)
        setattr(hub, _ATTRIBUTE, waker)
    return waker
