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

"""Virtual time for loops in native threads: the loops take turns.

Threads of loops started under virtual time run one at a time, in the
order they became ready (started, woken by the clock, stopped), exactly as
greenthreads do: a thread holds the turn from when it gets it until it
idles, waits for a loop or ends. The clock jumps to the next due time when
no loop holds or awaits the turn and a thread that is not a loop's (the
test, or a thread of the test) waits for a loop or idles in virtual time
itself: as long as the test runs, time stands still, as it does in
eventlet mode until the test yields.

Every lock and condition here is a real OS thread's, also in a
monkey-patched process: the loops' threads are real OS threads.
"""

from __future__ import annotations

import collections
import threading
import typing as ty

from oslo_loopingcall import _contract
from oslo_loopingcall import _native
from oslo_loopingcall import _threading
from oslo_loopingcall import _virtual

_threads = _native.original('threading')


class _Turn:
    """A thread's place in the queue of loops taking turns."""

    __slots__ = ()


class ThreadVirtualBackend(_virtual.VirtualBackend):
    """Virtual time in front of the native-thread backend."""

    def __init__(self, real: _contract.Backend, start: float = 0.0,
                 autojump: bool = True) -> None:
        super().__init__(real, start, autojump)
        self._cond: threading.Condition = _threads.Condition(self._lock)
        #: Threads that are not loops' waiting for a loop (or idling).
        self._waiting = 0
        #: The turn of the loop thread running now, if any.
        self._holder: _Turn | None = None
        self._ready: collections.deque[_Turn] = collections.deque()
        #: The turns of the threads of loops started under virtual time.
        self._turns: dict[threading.Thread, _Turn] = {}

    def new_done(self) -> ty.Any:
        return ThreadDone(self)

    def spawn(self, loop: _contract.Loop, run: ty.Callable[[], ty.Any],
              done: ty.Any) -> None:
        turn = _Turn()

        def run_in_turn() -> ty.Any:
            me = _threads.current_thread()
            with self._cond:
                self._turns[me] = turn
                self._await_turn(turn)
            try:
                return run()
            finally:
                with self._cond:
                    del self._turns[me]
                    self._give_up(turn)

        with self._cond:
            # Queued now: loops get their first turn in the order they
            # were started.
            self._ready.append(turn)
        self.real.spawn(loop, run_in_turn, done)

    def idle_until(self, loop: _contract.Loop, deadline: float,
                   seconds: float) -> None:
        me = _threads.current_thread()
        with self._cond:
            turn = self._turns.get(me)
            own = turn if turn is not None else _Turn()
            sleeper = self._push(loop, deadline, seconds, me, own)
            if sleeper is None:
                return
            if turn is not None:
                self._give_up(turn)
            try:
                self._others_wait(turn, 1)
                while not sleeper.woken:
                    self._cond.wait()
                # Woken in order with the loops: a thread that is not a
                # loop's only queues for that, and goes on by itself.
                self._await_turn(own)
            finally:
                self._others_wait(turn, -1)
                if turn is None:
                    self._give_up(own)

    def stop(self, loop: _contract.Loop) -> None:
        with self._cond:
            self.real.stop(loop)
            sleeper = self._parked.get(loop)
            if sleeper is not None:
                self._wake(sleeper)

    def blocked(self, waiting: bool) -> None:
        """The calling thread starts or stops waiting for a loop."""
        me = _threads.current_thread()
        with self._cond:
            turn = self._turns.get(me)
            if turn is not None and waiting:
                self._give_up(turn)
            elif turn is not None:
                self._ready.append(turn)
                self._await_turn(turn)
            self._others_wait(turn, 1 if waiting else -1)

    # -- turns (the condition's lock is held) --------------------------------

    def _others_wait(self, turn: _Turn | None, delta: int) -> None:
        if turn is None:
            self._waiting += delta
            self._may_jump()

    def _await_turn(self, turn: _Turn) -> None:
        self._dispatch()
        while self._holder is not turn:
            self._cond.wait()

    def _give_up(self, turn: _Turn) -> None:
        if self._holder is turn:
            self._holder = None
        elif turn in self._ready:
            self._ready.remove(turn)
        self._dispatch()

    def _dispatch(self) -> None:
        if self._holder is None:
            if self._ready:
                self._holder = self._ready.popleft()
                self._cond.notify_all()
            else:
                self._may_jump()

    def _wake(self, sleeper: _virtual._Sleeper) -> None:
        self._unpark(sleeper)
        self._ready.append(sleeper.turn)
        self._cond.notify_all()
        self._dispatch()

    def _may_jump(self) -> None:
        if (self.autojump and not self._paused and self._holder is None and
                not self._ready and self._waiting > 0):
            self._jump()


class ThreadDone(_threading.ThreadDone):
    """A done object whose waiters let virtual time move."""

    __slots__ = ('_virtual',)

    def __init__(self, backend: ThreadVirtualBackend) -> None:
        super().__init__()
        self._virtual = backend

    def wait(self, timeout: float | None = None) -> ty.Any:
        return _virtual.wait_letting_time_move(
            self._virtual, self.ready(), super().wait, timeout)
