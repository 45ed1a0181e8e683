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
import logging
import math
import random
import typing as ty

import fixtures

from oslo_loopingcall import _adopt
from oslo_loopingcall._backends import loops
from oslo_loopingcall._backends import mode
from oslo_loopingcall._backends import virtual
from oslo_loopingcall import _sleep_fixture
from oslo_loopingcall import loopingcall

__all__ = ['AdoptFixture', 'BackendFixture', 'IdleRecord', 'SleepFixture',
           'VirtualTimeFixture']

LOG = logging.getLogger(__name__)


SleepFixture = _sleep_fixture.SleepFixture
IdleRecord = virtual.IdleRecord


class _FixtureRandom:
    """BackOff's random source under virtual time: ``jitter`` pins it.

    Only ``gauss()``, all that BackOff asks of its source.
    """

    def __init__(self, fixture: VirtualTimeFixture, rng: random.Random
                 ) -> None:
        self.fixture = fixture
        self.rng = rng

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        jitter = self.fixture.jitter
        if jitter is None:
            return self.rng.gauss(mu, sigma)
        return jitter


class VirtualTimeFixture(fixtures.Fixture):
    """Run looping calls on a virtual clock, recording every idle period.

    While the fixture is active, every looping call started (all four
    kinds, :class:`~oslo_loopingcall.loopingcall.RetryDecorator` retries,
    initial delays) runs its ordinary schedule on a virtual monotonic
    clock: nothing really sleeps, an idle loop wakes when the virtual clock
    reaches its due time, run times and timeouts are measured on the
    virtual clock, and each idle period is recorded (:attr:`records`,
    :attr:`idle_times`, :meth:`idle_times_of`). It works the same in both
    modes: with native threads, the loops take turns (one runs at a time,
    as greenthreads do), so a test sees the same order of events.

    Loops run only while the test waits for one (``wait()``, or a
    ``RetryDecorator`` retry) or yields: to the hub in eventlet mode; with
    native threads, when it reads the records or calls :meth:`advance`,
    which let the ready loops run until each idles, waits or ends. As long
    as the test's own code runs, no loop runs and time stands still.

    With ``autojump=True`` (the default) the clock jumps to the next due
    time as soon as every looping call started under the fixture is idle
    or waiting and the test itself waits: a loop with a 60 s interval and
    a 300 s timeout finishes at once. It stops the moment the outcome the
    test waits for is delivered. With ``autojump=False`` the clock only
    moves when the test calls :meth:`advance`, or a loop :meth:`spend`. A
    loop whose function blocks on something other than the virtual clock
    holds the clock still until it returns.

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

    #: Looping calls found still running at cleanup (then stopped).
    leftover: list[loopingcall.LoopingCallBase]

    def __init__(self, start: float = 0.0, autojump: bool = True,
                 jitter: float | None = None) -> None:
        super().__init__()
        if not isinstance(start, (int, float)) or not math.isfinite(start):
            raise ValueError(f'start must be a finite number, got {start!r}')
        self._start_time = float(start)
        self._autojump = autojump
        self.jitter = jitter

    def setUp(self) -> None:
        """Activate the virtual clock (only one may be active at a time)."""
        # Checked before fixtures' own setUp, which would wrap the error.
        if isinstance(mode.in_front(), virtual.VirtualBackend):
            raise RuntimeError('a VirtualTimeFixture is already active')
        super().setUp()

    def _setUp(self) -> None:
        self._clock = mode.virtual_in_front_of(
            mode.get(), self._start_time, self._autojump)
        self.leftover = []
        previous = mode.put_in_front(self._clock)
        self.addCleanup(mode.put_in_front, previous)
        self.addCleanup(self._stop_leftovers)
        cls = loopingcall.BackOffLoopingCall
        self.useFixture(fixtures.MockPatchObject(
            cls, '_RNG', _FixtureRandom(self, cls._RNG)))

    # -- public API ---------------------------------------------------------

    @property
    def autojump(self) -> bool:
        """Whether the clock jumps to the next due time by itself."""
        return self._autojump if not self._setup_done() else (
            self._clock.autojump)

    @autojump.setter
    def autojump(self, value: bool) -> None:
        self._autojump = value
        if self._setup_done():
            self._clock.autojump = value

    @property
    def records(self) -> list[IdleRecord]:
        """Idle periods asked for while active, in order.

        With native threads, read by the test, the loops that are ready
        run first (as they would in eventlet mode when the test yields).
        """
        self._clock.run_ready()
        return self._clock.records

    def now(self) -> float:
        """The virtual monotonic time, in seconds."""
        return self._clock.now()

    def advance(self, seconds: float) -> None:
        """Move the clock forward, waking every loop that becomes due.

        The clock moves in one step: a loop due several times within
        ``seconds`` runs once, late. In eventlet mode the woken loops run as
        soon as the caller yields (for example in ``wait()``); with native
        threads, called by the test, they run before it returns, taking
        turns, each until it idles, waits or ends (``advance(0)`` lets
        the loops that are ready run).
        """
        self._clock.advance(_seconds(seconds))
        self._clock.run_ready()

    def spend(self, seconds: float) -> None:
        """Simulate ``seconds`` of run time; call it from inside ``f``.

        Unlike :meth:`advance`, it lets no other loop run: those that
        become due run when ``f`` returns, late.
        """
        self._clock.advance(_seconds(seconds))

    @contextlib.contextmanager
    def paused(self) -> ty.Iterator[None]:
        """Keep the clock from jumping while the block runs."""
        self._clock.pause(1)
        try:
            yield
        finally:
            self._clock.pause(-1)

    @property
    def idle_times(self) -> list[float]:
        """Every idle time asked for while active, in order."""
        return [record.seconds for record in self.records]

    def idle_times_of(self, loop: loopingcall.LoopingCallBase
                      ) -> list[float]:
        """The idle times one looping call asked for, in order."""
        return [record.seconds for record in self.records
                if record.loop is loop]

    def _setup_done(self) -> bool:
        return getattr(self, '_clock', None) is not None

    def _stop_leftovers(self) -> None:
        # The loops started under this fixture's clock and still running.
        self.leftover = [handle.owner for handle in loops.running()
                         if handle.backend is self._clock]
        for loop in self.leftover:
            loop.stop()
        for loop in self.leftover:
            _wait_quietly(loop)
        if self.leftover:
            LOG.warning(
                'VirtualTimeFixture stopped %d looping call(s) still '
                'running at cleanup: %s', len(self.leftover),
                ', '.join(repr(loop) for loop in self.leftover))


def _seconds(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(
            seconds, (int, float)) or not (
            seconds >= 0 and math.isfinite(seconds)):
        raise ValueError(
            f'seconds must be a finite number >= 0, got {seconds!r}')
    return seconds


def _wait_quietly(loop: loopingcall.LoopingCallBase,
                  timeout: float = 5) -> None:
    """Wait for a stopped loop to end, whatever its outcome."""
    try:
        loop.done.wait(timeout)
    except BaseException:  # noqa: B902 - only reporting, never raising
        pass


class BackendFixture(fixtures.Fixture):
    """Run looping calls in the given mode for the duration of a test.

    Unlike :func:`oslo_loopingcall.backend.set_backend`, it may switch
    modes after looping calls have run (it is for tests). At cleanup the
    process is back exactly as the fixture found it: the same mode, and
    :func:`~oslo_loopingcall.backend.set_backend` refuses the other mode
    again if looping calls had run before. Start no looping call before it
    is set up that should still run after. A
    :class:`VirtualTimeFixture` active when it is set up is out of the way
    until cleanup (set this fixture up first).

    :param name: ``'eventlet'`` or ``'threading'``.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        mode.check_name(name, 'backend')
        self.name = name

    def _setUp(self) -> None:
        previous = mode.switch(self.name)
        self.addCleanup(mode.restore, previous)


class AdoptFixture(fixtures.Fixture):
    """Adopt ``oslo_service.loopingcall`` for a test; undo it at cleanup.

    At cleanup every change :func:`oslo_loopingcall.adopt` made is put
    back, unless something changed it again since (a ``mock.patch`` still
    active, for one). If the process was adopted before the fixture was
    set up, it stays adopted and the fixture undoes nothing.

    ``adopted`` tells whether the process is adopted (False when
    oslo.service is not installed).
    """

    adopted: bool

    def _setUp(self) -> None:
        self.adopted, adoption = _adopt.adopt_undoably()
        if adoption is not None:
            self.addCleanup(_adopt.restore, adoption)
