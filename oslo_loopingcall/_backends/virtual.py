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

"""Virtual time: a backend that runs loops on a virtual clock.

:class:`~oslo_loopingcall.fixture.VirtualTimeFixture` puts a
:class:`VirtualBackend` in front of the real backend of the mode. Loops
then run exactly the code they run in production (the same schedule, the
same ``idle_until`` calls): only the clock is virtual, and idling parks the
loop until the virtual clock reaches its due time.

The clock jumps to the next due time when nothing can happen before it:

* eventlet mode: every greenthread of a loop started under virtual time
  is idle or waiting, which the hub tells by running a callback after
  everything that was ready;
* native threads: loops take turns, like greenthreads (one runs at a time,
  in the order they became ready), and only while the test waits for a
  loop, idles in virtual time itself or yields; the clock jumps when all
  of them are idle or waiting and the test waits. So the test sees the
  same order of events in both modes.

In both modes a waiter stops waiting the moment the outcome it waits for
is delivered, not when its greenthread or thread gets to run again: the
clock never moves between the two.
"""

from __future__ import annotations

import heapq
import itertools
import typing as ty

from oslo_loopingcall._backends import contract
from oslo_loopingcall._backends import native


class IdleRecord(ty.NamedTuple):
    """One idle period a looping call asked for under virtual time."""

    #: The looping call (for a
    #: :class:`~oslo_loopingcall.loopingcall.RetryDecorator`,
    #: the internal DynamicLoopingCall of that call).
    loop: ty.Any
    #: Virtual time at which the idle period began.
    at: float
    #: Seconds asked for, exactly as the idle policy returned them.
    seconds: float


class Sleeper:
    """A loop (or a RetryDecorator call) idling in virtual time."""

    __slots__ = ('deadline', 'context', 'loop', 'woken', 'turn')

    def __init__(self, deadline: float, context: ty.Any, loop: ty.Any,
                 turn: ty.Any) -> None:
        self.deadline = deadline
        #: The greenthread or thread that idles.
        self.context = context
        self.loop = loop
        self.woken = False
        #: Native threads: its place in the queue of turns once woken.
        self.turn = turn


class VirtualBackend:
    """The backend of a mode, with virtual time in front of it.

    Everything but time (spawning, stopping, waiting) is the real
    backend's; the accounting of who is busy is the subclass's.
    """

    def __init__(self, real: contract.Backend, start: float = 0.0,
                 autojump: bool = True) -> None:
        self.real = real
        self.name = real.name
        self.exit_exceptions = real.exit_exceptions
        self.seam_class = real.seam_class
        self.start_lock = real.start_lock
        self.autojump = autojump
        self.records: list[IdleRecord] = []
        self._now = start
        self._sleepers: list[tuple[float, int, Sleeper]] = []
        self._parked: dict[ty.Any, Sleeper] = {}
        self._seq = itertools.count()
        self._paused = 0
        # Real, also in a monkey-patched process: loop threads are real OS
        # threads in native-thread mode, and stop() may come from any OS
        # thread in both modes. Held only for bookkeeping, never across a
        # switch to the hub.
        self._lock: ty.Any = native.original('_thread').RLock()

    @property
    def seam_wait(self) -> ty.Any:
        return self.real.seam_wait

    def now(self) -> float:
        return self._now

    def new_abort(self) -> contract.Abort:
        return self.real.new_abort()

    def current(self) -> object:
        return self.real.current()

    def wait(self, loop: contract.Loop) -> ty.Any:
        # The done event itself tells virtual time that its waiter waits.
        return self.real.wait(loop)

    def disown(self, loop: contract.Loop, error: BaseException) -> None:
        self.real.disown(loop, error)

    # -- the clock -----------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the clock forward, waking every loop that becomes due."""
        with self._lock:
            self._now += seconds
            self._wake_due()

    def run_ready(self) -> None:
        """Where the mode needs it, let the loops that are ready run now.

        Called when the test looks at the records or moves the clock by
        hand. Nothing to do with greenthreads: they run when the test
        yields to the hub.
        """

    def pause(self, delta: int) -> None:
        with self._lock:
            self._paused += delta
            if not self._paused:
                self._may_jump()

    def _jump(self) -> None:
        """Move the clock to the next due time (the lock is held)."""
        while self._sleepers and self._sleepers[0][2].woken:
            heapq.heappop(self._sleepers)
        if self._sleepers:
            self._now = max(self._now, self._sleepers[0][0])
            self._wake_due()

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._now:
            sleeper = heapq.heappop(self._sleepers)[2]
            if not sleeper.woken:
                self._wake(sleeper)

    def _push(self, loop: ty.Any, deadline: float, seconds: float,
              context: ty.Any, turn: ty.Any = None) -> Sleeper | None:
        """Record an idle period; the sleeper to park, unless stopped."""
        self.records.append(IdleRecord(loop.owner, self._now, seconds))
        if loop.abort.is_set():
            return None
        sleeper = Sleeper(deadline, context, loop, turn)
        self._parked[loop] = sleeper
        if deadline <= self._now:
            # Due already (an overrun, a negative suggestion): no wait, as
            # in real time, but others that are ready go first.
            self._wake(sleeper)
        else:
            heapq.heappush(self._sleepers,
                           (deadline, next(self._seq), sleeper))
        return sleeper

    def _unpark(self, sleeper: Sleeper) -> None:
        sleeper.woken = True
        if self._parked.get(sleeper.loop) is sleeper:
            del self._parked[sleeper.loop]

    # What differs between greenthreads and native threads: how a parked
    # loop is woken, and when the clock may jump.

    def _wake(self, sleeper: Sleeper) -> None:
        raise NotImplementedError

    def _may_jump(self) -> None:
        raise NotImplementedError


class Waiter:
    """A greenthread or thread waiting for a loop's outcome.

    Done objects of virtual time keep theirs, so that delivering the
    outcome ends the waiting of each at once, under the backend's lock:
    from then on the waiter counts as ready to run, and the clock waits
    for it.
    """

    __slots__ = ('turn', 'loop', 'delivered')

    def __init__(self, loop: bool, turn: ty.Any = None) -> None:
        #: Whether the waiter is a loop's greenthread or thread.
        self.loop = loop
        #: Native threads: a loop's place in the queue of turns.
        self.turn = turn
        #: Set when the outcome was delivered while it waited.
        self.delivered = False
