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
idles, waits for a loop or ends.

And they run only while the test lets them, as greenthreads run only when
the test yields to the hub. The test is every thread that is not a loop's:
the one that set up the fixture, and any other of the test. A turn is
handed out only while one of them waits for a loop, idles in virtual time
itself (a retry), or lets the ready loops run (:meth:`run_ready`: it reads
the records, or moves the clock by hand). The clock jumps to the next due
time when no loop holds or awaits the turn and one of them waits. As long
as the test's own code runs, no loop runs and time stands still.

A waiter stops waiting the moment the outcome it waits for is delivered,
before the loop that delivers it gives up its turn: it joins the queue of
turns then, behind the loops ready already, as the hub resumes a
greenthread after those. A thread of the test holds its turn from then
until it runs again: the loops ahead of it run, then nothing, and the
clock stands still however long the thread takes to be scheduled.

Every lock and condition here is a real OS thread's, also in a
monkey-patched process: the loops' threads are real OS threads.
"""

from __future__ import annotations

import collections
import threading
import typing as ty

from oslo_loopingcall._backends import contract
from oslo_loopingcall._backends import native
from oslo_loopingcall._backends.osthreads import backend as osthreads
from oslo_loopingcall._backends import virtual

_threads = native.original('threading')


class _Turn:
    """A thread's place in the queue of loops taking turns."""

    __slots__ = ()


class ThreadVirtualBackend(virtual.VirtualBackend):
    """Virtual time in front of the native-thread backend."""

    def __init__(self, real: contract.Backend, start: float = 0.0,
                 autojump: bool = True) -> None:
        super().__init__(real, start, autojump)
        self._cond: threading.Condition = _threads.Condition(self._lock)
        #: Threads of the test waiting for a loop (or idling).
        self._waiting = 0
        #: Threads of the test letting the ready loops run (run_ready).
        self._yielding = 0
        #: The turn of the loop thread running now, if any.
        self._holder: _Turn | None = None
        self._ready: collections.deque[_Turn] = collections.deque()
        #: The turns of the threads of loops started under virtual time.
        self._turns: dict[threading.Thread, _Turn] = {}

    def new_done(self) -> ty.Any:
        return ThreadDone(self)

    def spawn(self, loop: contract.Loop, run: ty.Callable[[ty.Any], ty.Any],
              args: ty.Any) -> None:
        turn = _Turn()
        done = loop.done

        def run_in_turn(args: ty.Any) -> ty.Any:
            me = _threads.current_thread()
            with self._cond:
                self._turns[me] = turn
                self._await_turn(turn)
            try:
                return run(args)
            finally:
                with self._cond:
                    del self._turns[me]
                    # Its waiters stop waiting before anyone else runs:
                    # the outcome follows at once, without the turn.
                    if isinstance(done, ThreadDone):
                        self._deliver_to(done._virtual_waiters)
                        done._settled = True
                    self._give_up(turn)

        with self._cond:
            # Queued now: loops get their first turn in the order they
            # were started.
            self._ready.append(turn)
        self.real.spawn(loop, run_in_turn, args)

    def idle_until(self, loop: contract.Loop, deadline: float,
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
                self._test_waits(turn, 1)
                while not sleeper.woken:
                    self._cond.wait()
                # Woken in order with the loops: a thread that is not a
                # loop's only queues for that, and goes on by itself.
                self._await_turn(own)
            finally:
                self._test_waits(turn, -1)
                if turn is None:
                    self._give_up(own)

    def stop(self, loop: contract.Loop) -> None:
        with self._cond:
            self.real.stop(loop)
            sleeper = self._parked.get(loop)
            if sleeper is not None:
                self._wake(sleeper)

    def run_ready(self) -> None:
        """From the test: let the loops that are ready now run, in turn.

        Each runs until it idles, waits or ends; loops that become ready
        meanwhile (a loop idling 0 s) run the next time, as greenthreads
        would when the test yields once. The clock does not jump
        meanwhile. From a loop: nothing (it holds the turn).
        """
        if _threads.current_thread() in self._turns:
            return
        with self._cond:
            # The test queues behind them, and goes on with its turn.
            own = _Turn()
            self._ready.append(own)
            self._yielding += 1
            try:
                self._await_turn(own)
            finally:
                self._yielding -= 1
                self._give_up(own)

    # -- waiting for a loop's outcome -----------------------------------------

    def begin_wait(self, done: ThreadDone) -> virtual.Waiter | None:
        """The calling thread starts waiting for ``done``.

        None if it need not: the outcome is delivered already.
        """
        with self._cond:
            if done._settled or done.ready():
                return None
            turn = self._turns.get(_threads.current_thread())
            if turn is not None:
                waiter = virtual.Waiter(True, turn)
                self._give_up(turn)
            else:
                # The test's place in the queue once the outcome is
                # delivered.
                waiter = virtual.Waiter(False, _Turn())
                self._test_waits(None, 1)
            done._virtual_waiters.append(waiter)
            return waiter

    def end_wait(self, done: ThreadDone, waiter: virtual.Waiter) -> None:
        """The waiter goes on, with the outcome or without (a timeout)."""
        with self._cond:
            if not waiter.delivered:
                done._virtual_waiters.remove(waiter)
                if waiter.loop:
                    self._ready.append(waiter.turn)
                else:
                    self._test_waits(None, -1)
                    return
            self._await_turn(waiter.turn)
            if not waiter.loop:
                # Its turn held the others still until this thread ran.
                self._test_waits(None, -1)
                self._give_up(waiter.turn)

    # -- turns (the condition's lock is held) --------------------------------

    def _deliver_to(self, waiters: list[virtual.Waiter]) -> None:
        # Each waiter is ready from now on, behind the loops that are
        # ready already, as the hub would resume it: the loops ahead of
        # it run, and then nothing until it runs itself.
        for waiter in waiters:
            waiter.delivered = True
            self._ready.append(waiter.turn)
        del waiters[:]

    def _test_waits(self, turn: _Turn | None, delta: int) -> None:
        if turn is None:
            self._waiting += delta
            self._dispatch()

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
        if self._holder is not None:
            return
        if not self._ready:
            self._may_jump()
        elif self._waiting > 0 or self._yielding > 0:
            self._holder = self._ready.popleft()
            self._cond.notify_all()

    def _wake(self, sleeper: virtual.Sleeper) -> None:
        self._unpark(sleeper)
        self._ready.append(sleeper.turn)
        self._cond.notify_all()
        self._dispatch()

    def _may_jump(self) -> None:
        if (self.autojump and not self._paused and self._holder is None and
                not self._ready and self._waiting > 0 and
                not self._yielding):
            self._jump()


class ThreadDone(osthreads.ThreadDone):
    """A done object that tells virtual time who waits for it."""

    __slots__ = ('_virtual', '_virtual_waiters', '_settled')

    def __init__(self, backend: ThreadVirtualBackend) -> None:
        super().__init__()
        self._virtual = backend
        self._virtual_waiters: list[virtual.Waiter] = []
        #: Whether the loop has given up its turn for good: the outcome
        #: is on its way, and a new waiter does not wait in virtual time.
        self._settled = False

    def wait(self, timeout: float | None = None) -> ty.Any:
        waiter = self._virtual.begin_wait(self)
        try:
            return super().wait(timeout)
        finally:
            if waiter is not None:
                self._virtual.end_wait(self, waiter)


#: What the mode state puts in front of this mode's backend.
IN_FRONT = ThreadVirtualBackend

if ty.TYPE_CHECKING:
    # mypy checks that it satisfies the contract.
    _CHECKED: contract.Backend = ThreadVirtualBackend(
        ty.cast(contract.Backend, None))
