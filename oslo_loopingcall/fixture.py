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

"""Test fixtures for code that uses looping calls."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import math
import random
import threading
import typing as ty
from unittest import mock

import fixtures

from oslo_loopingcall._adopt_fixture import AdoptFixture
from oslo_loopingcall import backend
from oslo_loopingcall import loopingcall

__all__ = ['AdoptFixture', 'BackendFixture', 'IdleRecord', 'SleepFixture',
           'VirtualTimeFixture']

LOG = logging.getLogger(__name__)


class SleepFixture(fixtures.Fixture):
    """A fixture for mocking the ``wait()`` within looping call events.

    This exists so test cases can exercise code that uses looping calls
    without actually incurring wall clock time for sleeping: every idle
    period of every looping call and
    :class:`~oslo_loopingcall.loopingcall.RetryDecorator` returns at
    once.

    In native-thread mode the same mock replaces the ``wait()`` of the
    loops' abort flags instead (``threading.Event`` itself is untouched).

    The mock for the ``wait()`` is accessible via the fixture's
    ``mock_wait`` attribute; each idle period (initial delays included) is
    one call, with the idle time as its argument.

    Example usage::

        from oslo_loopingcall import fixture

        class MyTest(...):
            def setUp(self):
                ...
                self.sleepfx = self.useFixture(fixture.SleepFixture())

            def test_this(self):
                thing_that_hits_a_loopingcall()
                self.assertEqual(5, self.sleepfx.mock_wait.call_count)
    """

    mock_wait: mock.MagicMock

    def _setUp(self) -> None:
        if backend.get_backend() == 'threading':
            target = 'oslo_loopingcall._threading.ThreadAbort.wait'
        else:
            # The same patch as oslo_service.fixture.SleepFixture, so tests
            # written against either behave the same.
            target = 'oslo_utils.eventletutils.EventletEvent.wait'
        self.mock_wait = self.useFixture(fixtures.MockPatch(target)).mock


class IdleRecord(ty.NamedTuple):
    """One idle period a looping call asked for under virtual time."""

    #: The looping call (for a
    #: :class:`~oslo_loopingcall.loopingcall.RetryDecorator`,
    #: the internal DynamicLoopingCall of that call).
    loop: loopingcall.LoopingCallBase
    #: Virtual time at which the idle period began.
    at: float
    #: Seconds asked for, exactly as the idle policy returned them.
    seconds: float


class _PinnedRandom(random.Random):
    """A random source whose ``gauss()`` is a constant."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        return self.value


class _Sleeper:
    __slots__ = ('deadline', 'greenlet', 'loop', 'due', 'waiting',
                 'counted')

    def __init__(self, deadline: float, greenlet: ty.Any,
                 loop: loopingcall.LoopingCallBase) -> None:
        self.deadline = deadline
        self.greenlet = greenlet
        self.loop = loop
        self.due = False
        self.waiting = False
        # Whether the fixture already counts it busy again (native threads:
        # from the moment it is woken, before it gets to run).
        self.counted = False


_WAKE = object()

#: How often (real seconds) a loop parked in virtual time in native-thread
#: mode checks whether it was stopped: stop() sets the loop's own abort
#: flag, which the fixture cannot wait on together with its condition.
_THREAD_POLL = 0.002


class VirtualTimeFixture(fixtures.Fixture):
    """Run looping calls on a virtual clock, recording every idle period.

    While the fixture is active, every looping call started (all four
    kinds, :class:`~oslo_loopingcall.loopingcall.RetryDecorator` retries,
    initial delays) idles in virtual time: nothing really sleeps, the
    virtual monotonic clock moves by exactly the idle time asked for, run
    times and timeouts are measured on it, and each idle period is recorded
    (:attr:`records`, :attr:`idle_times`, :meth:`idle_times_of`). It works
    in both modes (eventlet and native threads).

    With ``autojump=True`` (the default) the clock jumps to the next due
    time as soon as every looping call under the fixture is idle, so a loop
    with a 60 s interval and a 300 s timeout finishes at once. With
    ``autojump=False`` the clock only moves when the test calls
    :meth:`advance`, which makes it possible to look at the state of things
    at a given virtual instant. A loop whose function blocks on something
    other than the virtual clock holds the clock still until it returns.

    In native-thread mode loops really run in parallel: start loops that
    must share a schedule inside ``with clock.paused():`` so that none of
    them jumps the clock before the others have started.

    A function can simulate a slow run with :meth:`spend`. BackOff jitter is
    random unless pinned with ``jitter`` (the value ``gauss()`` returns).

    Looping calls still running at cleanup are stopped, waited for, and
    reported in :attr:`leftover` and in a WARNING log record.

    Example::

        def test_schedule(self):
            clock = self.useFixture(fixture.VirtualTimeFixture())
            timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(poll)
            self.assertRaises(loopingcall.LoopingCallTimeOut,
                              timer.start(60, timeout=300).wait)
            self.assertEqual([60] * 6, clock.idle_times)
            self.assertEqual(360, clock.now())

    :param start: the virtual time when the fixture starts, in seconds.
    :param autojump: whether the clock jumps to the next due time when
        every looping call is idle.
    :param jitter: if not None, the factor ``gauss()`` returns for
        :class:`~oslo_loopingcall.loopingcall.BackOffLoopingCall`.
    """

    #: Idle periods asked for while active, in order.
    records: list[IdleRecord]
    #: Looping calls found still running at cleanup (then stopped).
    leftover: list[loopingcall.LoopingCallBase]

    def __init__(self, start: float = 0.0, autojump: bool = True,
                 jitter: float | None = None) -> None:
        super().__init__()
        if not isinstance(start, (int, float)) or not math.isfinite(start):
            raise ValueError(f'start must be a finite number, got {start!r}')
        self._start_time = float(start)
        self.autojump = autojump
        self.jitter = jitter

    def setUp(self) -> None:
        """Activate the virtual clock (only one may be active at a time)."""
        # Checked before fixtures' own setUp, which would wrap the error.
        if loopingcall._virtual_time is not None:
            raise RuntimeError('a VirtualTimeFixture is already active')
        super().setUp()

    def _setUp(self) -> None:
        self._green = backend.get_backend() == 'eventlet'
        self._now = self._start_time
        self.records = []
        self.leftover = []
        self._sleepers: list[tuple[float, int, _Sleeper]] = []
        self._seq = itertools.count()
        self._running: dict[loopingcall.LoopingCallBase, int] = {}
        self._active = 0
        self._pending = 0
        self._paused = 0
        self._jump_scheduled = False
        self._cond = threading.Condition(threading.RLock())
        loopingcall._virtual_time = self
        self.addCleanup(self._cleanup)

    # -- public API ---------------------------------------------------------

    def now(self) -> float:
        """The virtual monotonic time, in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward, waking every loop that becomes due.

        The clock moves in one step: a loop due several times within
        ``seconds`` runs once, late. In eventlet mode the woken loops run as
        soon as the caller yields (for example in ``wait()``).
        """
        if not isinstance(seconds, (int, float)) or not (
                seconds >= 0 and math.isfinite(seconds)):
            raise ValueError(
                f'seconds must be a finite number >= 0, got {seconds!r}')
        with self._cond:
            self._now += seconds
            self._wake_due()

    def spend(self, seconds: float) -> None:
        """Simulate ``seconds`` of run time; call it from inside ``f``."""
        self.advance(seconds)

    @contextlib.contextmanager
    def paused(self) -> ty.Iterator[None]:
        """Keep the clock from jumping while the block runs."""
        with self._cond:
            self._paused += 1
        try:
            yield
        finally:
            with self._cond:
                self._paused -= 1
                self._schedule_jump()

    @property
    def idle_times(self) -> list[float]:
        """Every idle time asked for while active, in order."""
        return [record.seconds for record in self.records]

    def idle_times_of(self, loop: loopingcall.LoopingCallBase
                      ) -> list[float]:
        """The idle times one looping call asked for, in order."""
        return [record.seconds for record in self.records
                if record.loop is loop]

    # -- hooks called by the looping calls ----------------------------------

    def _rng(self, rng: random.Random) -> random.Random:
        return rng if self.jitter is None else _PinnedRandom(self.jitter)

    def _loop_spawning(self, loop: loopingcall.LoopingCallBase) -> None:
        # Native threads: a loop counts as busy from start() on, so no
        # jump happens before its thread has begun.
        with self._cond:
            self._pending += 1

    def _loop_started(self, loop: loopingcall.LoopingCallBase) -> None:
        with self._cond:
            if not self._green and loop._thread is not None:
                self._pending -= 1
            self._running[loop] = self._running.get(loop, 0) + 1
            self._active += 1

    def _loop_finished(self, loop: loopingcall.LoopingCallBase) -> None:
        with self._cond:
            count = self._running.pop(loop, 1) - 1
            if count:
                self._running[loop] = count
            self._active -= 1
            self._schedule_jump()

    def _sleep(self, loop: loopingcall.LoopingCallBase,
               timeout: float) -> None:
        abort = loop._abort
        with self._cond:
            self.records.append(IdleRecord(loop, self._now, timeout))
            if abort.is_set():
                return
            sleeper = _Sleeper(self._now + max(timeout, 0),
                               _current(self._green), loop)
            heapq.heappush(self._sleepers,
                           (sleeper.deadline, next(self._seq), sleeper))
            self._active -= 1
            self._schedule_jump()
        try:
            if self._green:
                self._park_green(sleeper, abort)
            else:
                self._park_thread(sleeper, abort)
        finally:
            with self._cond:
                sleeper.due = True
                if not sleeper.counted:
                    self._active += 1

    def _park_green(self, sleeper: _Sleeper, abort: ty.Any) -> None:
        while not sleeper.due and not abort.is_set():
            sleeper.waiting = True
            try:
                # Woken by stop() (the abort event) or by _resume().
                abort._event.wait()
            finally:
                sleeper.waiting = False

    def _park_thread(self, sleeper: _Sleeper, abort: ty.Any) -> None:
        with self._cond:
            while not sleeper.due and not abort.is_set():
                self._cond.wait(_THREAD_POLL)

    # -- scheduling ---------------------------------------------------------

    def _schedule_jump(self) -> None:
        if not self.autojump or self._paused:
            return
        if not self._green:
            self._jump()
        elif not self._jump_scheduled:
            self._jump_scheduled = True
            # Jump from the hub, after every greenthread that is ready now
            # has run: only then is it known whether all loops are idle.
            _hub().schedule_call_global(0, self._jump)

    def _jump(self) -> None:
        with self._cond:
            self._jump_scheduled = False
            if self._active > 0 or self._pending > 0 or self._paused:
                return
            while self._sleepers and self._sleepers[0][2].due:
                heapq.heappop(self._sleepers)
            if self._sleepers:
                self._now = max(self._now, self._sleepers[0][0])
                self._wake_due()

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._now:
            sleeper = heapq.heappop(self._sleepers)[2]
            if not sleeper.due:
                sleeper.due = True
                if self._green:
                    _hub().schedule_call_global(0, self._resume, sleeper)
                else:
                    # Busy from now on: another loop going idle before this
                    # thread runs must not jump the clock past its run.
                    self._active += 1
                    sleeper.counted = True
        if not self._green:
            self._cond.notify_all()

    @staticmethod
    def _resume(sleeper: _Sleeper) -> None:
        # Only switch into a greenthread still parked in its sleep: one
        # that stop() already woke has moved on.
        if sleeper.waiting:
            sleeper.greenlet.switch(_WAKE)

    def _cleanup(self) -> None:
        try:
            with self._cond:
                self.leftover = [loop for loop in self._running
                                 if loop._thread is not None]
            for loop in self.leftover:
                loop.stop()
            for loop in self.leftover:
                _wait_quietly(loop, self._green)
            if self.leftover:
                LOG.warning(
                    'VirtualTimeFixture stopped %d looping call(s) still '
                    'running at cleanup: %s', len(self.leftover),
                    ', '.join(repr(loop) for loop in self.leftover))
        finally:
            loopingcall._virtual_time = None


def _current(green: bool) -> ty.Any:
    if not green:
        return threading.current_thread()
    import greenlet
    return greenlet.getcurrent()


def _hub() -> ty.Any:
    from eventlet import hubs
    return hubs.get_hub()


def _wait_quietly(loop: loopingcall.LoopingCallBase, green: bool,
                  timeout: float = 5) -> None:
    """Wait for a stopped loop to end, whatever its outcome."""
    done = loop.done
    try:
        if green:
            import eventlet
            with eventlet.Timeout(timeout):
                done.wait()
        else:
            done.wait(timeout)
    except BaseException:  # noqa: B902 - only reporting, never raising
        pass


class BackendFixture(fixtures.Fixture):
    """Run looping calls in the given mode for the duration of a test.

    Unlike :func:`oslo_loopingcall.backend.set_backend`, it may switch
    modes after looping calls have run (it is for tests); the previous mode
    comes back at cleanup. Start no looping call before it is set up that
    should still run after.

    :param name: ``'eventlet'`` or ``'threading'``.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        backend._check_name(name, 'backend')
        self.name = name

    def _setUp(self) -> None:
        previous = backend._switch(self.name)
        self.addCleanup(backend._switch, previous)
