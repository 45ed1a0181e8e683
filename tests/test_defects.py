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

"""The DEFECT rows of BEHAVIOR.md: our better behaviour, row by row.

Each test names its row (``test_dNN_...``). Where the reference's faulty
behaviour ends by itself, a ``test_dNN_reference_...`` test shows it side
by side (skipped when oslo.service is not installed, and in native-thread
mode: the reference is compared in eventlet mode only); rows where the
reference hangs or busy-loops are never run against it.

Every test runs in both modes; where a row is about eventlet itself (a
killed greenthread, an ``eventlet.Timeout``), it says so and is skipped
with native threads.
"""

import collections
import itertools
import re
import threading
import time
from unittest import mock

import eventlet
from eventlet import corolocal
import fixtures
import greenlet
from oslo_utils import reflection

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base

LC = loopingcall

#: Start arguments under which each looping call idles 10 s or more after
#: a run of an ``f`` returning None, so a test can catch the loop asleep.
LONG_IDLE = [
    (LC.FixedIntervalLoopingCall, {'interval': 10}),
    (LC.FixedIntervalWithTimeoutLoopingCall, {'interval': 10,
                                              'timeout': 100}),
    (LC.DynamicLoopingCall, {'periodic_interval_max': 10}),
    (LC.BackOffLoopingCall, {'starting_interval': 10, 'jitter': None}),
]

#: Start arguments that are valid for each looping call.
VALID_START = [
    (LC.FixedIntervalLoopingCall, {'interval': 0.01}),
    (LC.FixedIntervalWithTimeoutLoopingCall, {'interval': 0.01}),
    (LC.DynamicLoopingCall, {'periodic_interval_max': 0.01}),
    (LC.BackOffLoopingCall, {'starting_interval': 0.01}),
]


class Boom(BaseException):
    """A BaseException that is neither an Exception nor a system exit."""


def done_after(lc, results, retvalue='done', clock=None, run_times=()):
    """A mock f returning ``results`` in turn, then ending the loop.

    With ``clock`` (a VirtualTimeFixture), run ``i`` spends
    ``run_times[i]`` seconds of virtual time (0 once ``run_times`` is
    exhausted; pass ``itertools.repeat(t)`` for a steady run time).
    """
    outcomes = list(results) + [lc.LoopingCallDone(retvalue)]
    if clock is None:
        return mock.Mock(side_effect=outcomes)
    outcomes = iter(outcomes)
    run_times = iter(run_times)

    def run(*args, **kwargs):
        clock.spend(next(run_times, 0))
        outcome = next(outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return mock.Mock(side_effect=run)


class DefectTestCase(base.TestCase):

    def reference(self):
        if base.REFERENCE is None:
            self.skipTest('oslo.service is not installed')
        self.eventlet_only('the reference is compared in eventlet mode')
        return base.REFERENCE

    def current(self):
        """The greenthread, or OS thread, running now."""
        return greenlet.getcurrent() if self.green else (
            threading.current_thread())

    def pause(self, seconds):
        """Let loops run for ``seconds`` of real time."""
        if self.green:
            eventlet.sleep(seconds)
        else:
            time.sleep(seconds)

    # The reference has no virtual clock: the ``*_reference`` tests patch
    # its seams instead. Our loops run under VirtualTimeFixture (the
    # helpers refuse to patch this library).

    def patch_reference_sleep(self, ref):
        """Patch the reference's ``_sleep``; return the mock."""
        self.assertIs(base.REFERENCE, ref)
        return self.useFixture(fixtures.MockPatchObject(
            ref.LoopingCallBase, '_sleep')).mock  # reference only

    def patch_reference_elapsed(self, ref, value):
        """Make every run of the reference's loops take ``value`` s."""
        self.assertIs(base.REFERENCE, ref)
        return self.useFixture(fixtures.MockPatchObject(
            ref.LoopingCallBase, '_elapsed',  # reference only
            return_value=value)).mock

    def patch_reference_gauss(self, ref, value):
        """Pin the reference's back-off jitter factor to ``value``."""
        self.assertIs(base.REFERENCE, ref)
        # The reference's BackOffLoopingCall draws from SystemRandom.
        self.useFixture(fixtures.MockPatch(
            'random.SystemRandom.gauss', return_value=value))  # ref only

    def debug_messages(self, logger):
        prefix = 'DEBUG %s ' % logger
        return [line[len(prefix):] for line in self.log.output.splitlines()
                if line.startswith(prefix)]


class TestD01UnroundedFixedInterval(DefectTestCase):

    def test_d01_sleeps_interval_minus_run_time_unrounded(self):
        clock = self.useFixture(fixture.VirtualTimeFixture())
        f = done_after(LC, [None, None], clock=clock,
                       run_times=itertools.repeat(0.003))
        timer = LC.FixedIntervalLoopingCall(f)
        self.assertEqual('done', self.run_until_done(
            timer.start(interval=0.015)))
        sleeps = clock.idle_times_of(timer)
        self.assertEqual(2, len(sleeps))
        for idle in sleeps:
            self.assertAlmostEqual(0.012, idle, places=12)

    def test_d01_overrun_warning_threshold_is_kept(self):
        clock = self.useFixture(fixture.VirtualTimeFixture())
        # Overruns of 4 ms (below the reference's threshold) and 6 ms.
        f = done_after(LC, [None, None], clock=clock,
                       run_times=[0.019, 0.021])
        timer = LC.FixedIntervalLoopingCall(f)
        self.assertEqual('done', self.run_until_done(
            timer.start(interval=0.015)))
        self.assertEqual([0, 0], clock.idle_times_of(timer))
        self.assertEqual(
            ["WARNING oslo.loopingcall.loopingcall Function %r run "
             "outlasted interval by 0.01 sec"
             % reflection.get_callable_name(f)], self.records())

    def test_d01_reference_rounds_to_10_ms(self):
        ref = self.reference()
        sleep = self.patch_reference_sleep(ref)
        self.patch_reference_elapsed(ref, 0.003)
        timer = ref.FixedIntervalLoopingCall(done_after(ref, [None, None]))
        self.assertEqual('done', self.run_until_done(
            timer.start(interval=0.015)))
        self.assertEqual([0.01, 0.01],
                         [c.args[0] for c in sleep.call_args_list])

    def test_d01_real_period_is_not_quantised_to_10_ms(self):
        # Timers never fire early, so the mean period can only fall below
        # the interval if the idle time itself is cut short (the
        # reference's ~10 ms at 15 ms); lateness only lengthens it.
        starts = []

        def f():
            starts.append(time.monotonic())
            if len(starts) == 21:
                raise LC.LoopingCallDone()

        timer = LC.FixedIntervalLoopingCall(f)
        self.run_until_done(timer.start(interval=0.015))
        self.assertEqual(21, len(starts))
        mean = (starts[-1] - starts[0]) / 20
        self.assertGreaterEqual(mean, 0.014)


class TestD02KilledLoop(DefectTestCase):
    """D02 is about killing a greenthread: eventlet mode only."""

    def setUp(self):
        super().setUp()
        self.eventlet_only('a native thread cannot be killed')

    def _check_ended_by_kill(self, timer, f, event, kwargs):
        # The kill resolves ``done`` before it returns: no waiter can hang.
        self.assertTrue(event.ready())
        self.assertIsNone(timer._thread)
        self.assertRaises(greenlet.GreenletExit, self.run_until_done, event)
        self.assertRaises(greenlet.GreenletExit, self.run_until_done,
                          timer.done)
        # The object can be started again.
        f.side_effect = LC.LoopingCallDone('again')
        event2 = timer.start(**kwargs)
        self.assertIsNot(event, event2)
        self.assertEqual('again', self.run_until_done(event2))
        self.assertIsNone(timer._thread)

    def test_d02_kill_while_sleeping_resolves_done(self):
        for cls, kwargs in LONG_IDLE:
            f = mock.Mock(return_value=None)
            timer = cls(f)
            event = timer.start(**kwargs)
            eventlet.sleep(0)
            self.assertEqual(1, f.call_count, cls.__name__)
            timer._thread.kill()
            self._check_ended_by_kill(timer, f, event, kwargs)

    def test_d02_kill_during_initial_delay_resolves_done(self):
        for cls, kwargs in LONG_IDLE:
            f = mock.Mock(return_value=None)
            timer = cls(f)
            event = timer.start(initial_delay=10, **kwargs)
            eventlet.sleep(0)
            timer._thread.kill()
            self.assertEqual(0, f.call_count, cls.__name__)
            self._check_ended_by_kill(timer, f, event, kwargs)

    def test_d02_kill_before_first_run_resolves_done(self):
        for cls, kwargs in LONG_IDLE:
            f = mock.Mock(return_value=None)
            timer = cls(f)
            event = timer.start(**kwargs)
            timer._thread.kill()
            self._check_ended_by_kill(timer, f, event, kwargs)
            # Only the restarted loop ran f.
            self.assertEqual(1, f.call_count, cls.__name__)

    def test_d02_reference_never_resolves_done(self):
        ref = self.reference()
        timer = ref.FixedIntervalLoopingCall(mock.Mock(return_value=None))
        event = timer.start(interval=10)
        eventlet.sleep(0)
        timer._thread.kill()
        eventlet.sleep(0)
        # Its link callback forgot the thread, but nothing will ever send
        # the event: a wait() would block forever (not attempted here).
        self.assertIsNone(timer._thread)
        self.assertFalse(event.ready())


class TestD03PerCallRetryBudget(DefectTestCase):

    def setUp(self):
        super().setUp()
        self.attempts = collections.Counter()
        self.order = []

    def flaky(self, lc, **kwargs):
        """A decorated function failing ``failures`` times per call id."""
        retry = lc.RetryDecorator(exceptions=(ValueError,), **kwargs)

        @retry
        def call(call_id, failures):
            self.attempts[call_id] += 1
            self.order.append(call_id)
            if self.attempts[call_id] <= failures:
                raise ValueError(call_id)
            return call_id

        return retry, call

    def test_d03_sequential_calls_each_get_the_full_budget(self):
        sleepfx = self.useFixture(fixture.SleepFixture())
        retry, call = self.flaky(LC, max_retry_count=2, inc_sleep_time=1,
                                 max_sleep_time=5)
        for i in range(5):
            self.assertEqual(i, call(i, 1))
            # The compatibility attributes describe this call only.
            self.assertEqual(1, retry._retry_count)
            self.assertEqual(1, retry._sleep_time)
        # Each call restarts the sleep progression at inc_sleep_time.
        self.assertEqual([mock.call(1)] * 5, sleepfx.mock_wait.call_args_list)

        sleepfx.mock_wait.reset_mock()
        self.assertEqual('two', call('two', 2))
        self.assertEqual(2, retry._retry_count)
        self.assertEqual(2, retry._sleep_time)
        self.assertEqual([mock.call(1), mock.call(2)],
                         sleepfx.mock_wait.call_args_list)

        self.assertEqual('none', call('none', 0))
        self.assertEqual(0, retry._retry_count)
        self.assertEqual(0, retry._sleep_time)

        # A call that exhausts its own budget does not spend the next one's.
        self.assertRaises(ValueError, call, 'three', 3)
        self.assertEqual(3, self.attempts['three'])
        self.assertEqual('after', call('after', 2))
        self.assertEqual(3, self.attempts['after'])

    def test_d03_reference_sequential_calls_share_the_budget(self):
        ref = self.reference()
        self.useFixture(fixture.SleepFixture())
        retry, call = self.flaky(ref, max_retry_count=2, inc_sleep_time=1,
                                 max_sleep_time=5)
        self.assertEqual(0, call(0, 1))
        self.assertEqual(1, call(1, 1))
        self.assertRaises(ValueError, call, 2, 1)
        self.assertEqual(1, self.attempts[2])

    def _concurrent(self, lc):
        """Four concurrent calls each failing twice; their outcomes."""
        retry, call = self.flaky(lc, max_retry_count=2, inc_sleep_time=1,
                                 max_sleep_time=5)
        if not self.green:
            return self._concurrent_threads(call)
        # Each sleep yields, so the four calls interleave.
        self.useFixture(fixtures.MockPatch(
            'oslo_utils.eventletutils.EventletEvent.wait',
            side_effect=lambda *a, **kw: eventlet.sleep(0)))
        threads = [eventlet.spawn(call, i, 2) for i in range(4)]
        outcomes = []
        with eventlet.Timeout(5):
            for thread in threads:
                try:
                    outcomes.append(thread.wait())
                except ValueError as exc:
                    outcomes.append(exc)
        return outcomes

    def _concurrent_threads(self, call):
        # Each sleep waits for the other three calls to sleep too, so the
        # four calls interleave (whatever the OS scheduler does).
        barrier = threading.Barrier(4, timeout=5)
        self.useFixture(fixtures.MockPatch(
            'oslo_loopingcall._threading.ThreadAbort.wait',
            side_effect=lambda *a, **kw: barrier.wait()))
        outcomes = [None] * 4

        def run(i):
            try:
                outcomes[i] = call(i, 2)
            except Exception as exc:
                outcomes[i] = exc

        threads = [threading.Thread(target=run, args=(i,), daemon=True)
                   for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
            self.assertFalse(thread.is_alive(), 'a call hangs')
        return outcomes

    def test_d03_concurrent_calls_each_get_the_full_budget(self):
        self.assertEqual([0, 1, 2, 3], self._concurrent(LC))
        self.assertEqual({0: 3, 1: 3, 2: 3, 3: 3}, dict(self.attempts))
        # The calls really overlapped.
        self.assertNotEqual(sorted(self.order), self.order)

    def test_d03_reference_concurrent_calls_all_fail(self):
        outcomes = self._concurrent(self.reference())
        self.assertEqual(4, len(outcomes))
        for outcome in outcomes:
            self.assertIsInstance(outcome, ValueError)

    def test_d03_two_functions_sharing_one_decorator(self):
        self.useFixture(fixture.SleepFixture())
        retry = LC.RetryDecorator(max_retry_count=1, inc_sleep_time=1,
                                  exceptions=(ValueError,))
        attempts = collections.Counter()

        def flaky(name):
            attempts[name] += 1
            if attempts[name] == 1:
                raise ValueError(name)
            return name

        first = retry(lambda: flaky('first'))
        second = retry(lambda: flaky('second'))
        self.assertEqual('first', first())
        self.assertEqual('second', second())
        self.assertEqual({'first': 2, 'second': 2}, dict(attempts))
        self.assertEqual(1, retry._retry_count)
        self.assertEqual(1, retry._sleep_time)

    def test_d03_recursive_calls_each_get_the_full_budget(self):
        self.useFixture(fixture.SleepFixture())
        attempts = collections.Counter()

        @LC.RetryDecorator(max_retry_count=1, inc_sleep_time=1,
                           exceptions=(ValueError,))
        def descend(depth):
            attempts[depth] += 1
            if attempts[depth] == 1:
                raise ValueError(depth)
            return 0 if depth == 0 else descend(depth - 1) + 1

        self.assertEqual(3, descend(3))
        self.assertEqual({3: 2, 2: 2, 1: 2, 0: 2}, dict(attempts))


class TestD04RetryRunsInTheCallersGreenthread(DefectTestCase):
    """Greenthread-local state in eventlet mode; thread-local natively."""

    def _seen(self, lc):
        self.useFixture(fixture.SleepFixture())
        local = corolocal.local() if self.green else threading.local()
        local.request_id = 'req-1'
        seen = []

        @lc.RetryDecorator(max_retry_count=2, inc_sleep_time=1,
                           exceptions=(ValueError,))
        def f():
            seen.append((getattr(local, 'request_id', None),
                         self.current()))
            if len(seen) < 3:
                raise ValueError()
            return 'ok'

        self.assertEqual('ok', f())
        self.assertEqual(3, len(seen))
        return seen

    def test_d04_local_state_and_identity_visible_on_every_attempt(self):
        me = self.current()
        for request_id, current in self._seen(LC):
            self.assertEqual('req-1', request_id)
            self.assertIs(me, current)

    def test_d04_reference_runs_attempts_in_another_greenthread(self):
        ref = self.reference()
        me = greenlet.getcurrent()
        for request_id, current in self._seen(ref):
            self.assertIsNone(request_id)
            self.assertIsNot(me, current)


class TestD06MonotonicTimeout(DefectTestCase):

    def _run_with_wall_clock_jumping(self, lc):
        clock = itertools.count(1_000_000_000, 1000)
        self.useFixture(fixtures.MockPatch(
            'time.time', side_effect=lambda: float(next(clock))))
        # Not VirtualTimeFixture: its clock would stand in for the real
        # one, and the real clock is what this row is about. SleepFixture
        # skips the idle periods and leaves the loops on their own clock.
        self.useFixture(fixture.SleepFixture())
        f = done_after(lc, [None] * 4)
        timer = lc.FixedIntervalWithTimeoutLoopingCall(f)
        event = timer.start(interval=1, timeout=10)
        return f, event

    def test_d06_wall_clock_jump_forward_does_not_time_out(self):
        f, event = self._run_with_wall_clock_jumping(LC)
        self.assertEqual('done', self.run_until_done(event))
        self.assertEqual(5, f.call_count)

    def test_d06_reference_times_out_on_a_wall_clock_jump(self):
        ref = self.reference()
        f, event = self._run_with_wall_clock_jumping(ref)
        exc = self.assertRaises(ref.LoopingCallTimeOut,
                                self.run_until_done, event)
        self.assertIn('Looping call timed out after', str(exc))
        self.assertEqual(1, f.call_count)

    def test_d06_wall_clock_jump_backward_does_not_delay_timeout(self):
        clock = itertools.count(1_000_000_000, -1000)
        self.useFixture(fixtures.MockPatch(
            'time.time', side_effect=lambda: float(next(clock))))
        f = mock.Mock(return_value=None)
        timer = LC.FixedIntervalWithTimeoutLoopingCall(f)
        # Real (tiny) time: the monotonic clock must still reach 50 ms.
        event = timer.start(interval=0.005, timeout=0.05)
        exc = self.assertRaises(LC.LoopingCallTimeOut, self.run_until_done,
                                event)
        self.assertRegex(str(exc),
                         r'^Looping call timed out after \d+\.\d\d seconds$')
        self.assertGreaterEqual(f.call_count, 1)

    def test_d06_default_clock_is_the_monotonic_one(self):
        # A wall clock bound at import time would escape the time.time
        # patches above, so check what the loops read when no fixture
        # replaces the clock.
        timer = LC.FixedIntervalLoopingCall(lambda: None)
        self.assertIs(time.monotonic, timer._backend.now)


class TestD07BaseExceptionFromF(DefectTestCase):

    def test_d07_uncaught_eventlet_timeout_in_f(self):
        # The other D07 tests cover any BaseException in both modes.
        self.eventlet_only('an eventlet.Timeout fires in a greenthread')
        timeouts = []

        def f():
            # I/O under ``with eventlet.Timeout(n)`` that nobody caught.
            with eventlet.Timeout(0.001) as timeout:
                timeouts.append(timeout)
                eventlet.sleep(1)

        timer = LC.FixedIntervalLoopingCall(f)
        event = timer.start(interval=0.01, stop_on_exception=False)
        raised = self.assertRaises(eventlet.Timeout, self.run_until_done,
                                   event)
        self.assertEqual(1, len(timeouts))
        self.assertIs(timeouts[0], raised)
        raised = self.assertRaises(eventlet.Timeout, timer.wait)
        self.assertIs(timeouts[0], raised)
        self.assertIsNone(timer._thread)

    def _kinds(self):
        return [eventlet.Timeout(None), greenlet.GreenletExit('bye'),
                Boom('boom')]

    def test_d07_wait_raises_the_same_instance(self):
        for stop_on_exception in (True, False):
            for exc in self._kinds():
                f = mock.Mock(side_effect=exc)
                timer = LC.FixedIntervalLoopingCall(f)
                event = timer.start(interval=0.01,
                                    stop_on_exception=stop_on_exception)
                raised = self.assertRaises(type(exc), self.run_until_done,
                                           event)
                self.assertIs(exc, raised)
                # A second wait() raises it again instead of hanging.
                raised = self.assertRaises(type(exc), timer.wait)
                self.assertIs(exc, raised)
                self.assertIsNone(timer._thread)
                self.assertEqual(1, f.call_count)
                # And the loop can be started again.
                f.side_effect = LC.LoopingCallDone('again')
                self.assertEqual('again', self.run_until_done(
                    timer.start(interval=0.01)))

    def test_d07_every_looping_call_delivers_base_exceptions(self):
        for cls, kwargs in VALID_START:
            exc = Boom(cls.__name__)
            timer = cls(mock.Mock(side_effect=exc))
            raised = self.assertRaises(Boom, self.run_until_done,
                                       timer.start(**kwargs))
            self.assertIs(exc, raised)

    def test_d07_system_exits_reach_done_too(self):
        for kind in (KeyboardInterrupt, SystemExit):
            exc = kind('stop')
            f = mock.Mock(side_effect=exc)
            timer = LC.FixedIntervalLoopingCall(f)
            event = timer.start(interval=0.01)
            # As for any greenthread, the hub may hand the exception on
            # to the main greenlet (here, into the wait).
            try:
                self.run_until_done(event)
            except kind as raised:
                self.assertIs(exc, raised)
            # What is documented: ``done`` holds the very same instance.
            self.assertTrue(event.ready())
            raised = self.assertRaises(kind, timer.wait)
            self.assertIs(exc, raised)
            raised = self.assertRaises(kind, event.wait)
            self.assertIs(exc, raised)
            self.assertIsNone(timer._thread)
            f.side_effect = LC.LoopingCallDone('again')
            self.assertEqual('again', self.run_until_done(
                timer.start(interval=0.01)))


class TestD08D17D18StartRejectsBadArguments(DefectTestCase):

    def _assert_rejected(self, timer, exc_type, param, value, **kwargs):
        exc = self.assertRaises(exc_type, timer.start, **kwargs)
        self.assertRegex(str(exc), r'\b%s\b' % re.escape(param))
        self.assertIn(repr(value), str(exc))
        # Nothing was spawned or scheduled.
        self.assertIsNone(timer._thread)
        self.assertIsNone(timer.done)
        self.yield_()
        self.assertIsNone(timer._thread)

    def _assert_usable(self, timer, **kwargs):
        timer.f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
        self.assertEqual('ok', self.run_until_done(timer.start(**kwargs)))
        self.assertIsNone(timer._thread)

    def test_d08_negative_initial_delay_rejected(self):
        for cls, kwargs in VALID_START:
            for value in (-1, -0.001):
                f = mock.Mock()
                timer = cls(f)
                self._assert_rejected(timer, ValueError, 'initial_delay',
                                      value, initial_delay=value, **kwargs)
                f.assert_not_called()
                self._assert_usable(timer, **kwargs)

    def test_d17_f_none_or_not_callable_rejected(self):
        for cls, kwargs in VALID_START:
            for value in (None, 42, 'not callable'):
                timer = cls(value)
                self._assert_rejected(timer, TypeError, 'f', value, **kwargs)
                self._assert_usable(timer, **kwargs)

    def test_d17_rejected_without_stop_on_exception(self):
        # The reference logged an ERROR every interval, forever, here.
        timer = LC.FixedIntervalLoopingCall()
        self._assert_rejected(timer, TypeError, 'f', None, interval=0.01,
                              stop_on_exception=False)
        self.assertEqual([], self.records())
        self._assert_usable(timer, interval=0.01, stop_on_exception=False)

    def test_d17_reference_fails_asynchronously(self):
        ref = self.reference()
        timer = ref.FixedIntervalLoopingCall()
        event = timer.start(interval=0.01)
        self.assertIsNotNone(timer._thread)
        self.assertRaises(TypeError, self.run_until_done, event)

    def test_d18_interval_none_or_not_a_number_rejected(self):
        for cls in (LC.FixedIntervalLoopingCall,
                    LC.FixedIntervalWithTimeoutLoopingCall):
            for value in (None, '0.01', object()):
                f = mock.Mock()
                timer = cls(f)
                self._assert_rejected(timer, TypeError, 'interval', value,
                                      interval=value)
                f.assert_not_called()
                self._assert_usable(timer, interval=0.01)

    def test_d18_reference_runs_f_once_then_fails(self):
        ref = self.reference()
        f = mock.Mock(return_value=None)
        timer = ref.FixedIntervalLoopingCall(f)
        self.assertRaises(TypeError, self.run_until_done,
                          timer.start(interval=None))
        self.assertEqual(1, f.call_count)


class TestD09NegativeDynamicSuggestion(DefectTestCase):

    def test_d09_patched_sleep_sees_the_raw_value(self):
        # A seam test, so it patches _sleep itself: tests written for
        # oslo.service patch LoopingCallBase._sleep, and a patched _sleep
        # still gets the raw negative suggestion, as the reference's did.
        sleep = self.useFixture(fixtures.MockPatchObject(
            LC.LoopingCallBase, '_sleep')).mock  # the seam under test
        f = done_after(LC, [-1, -0.5])
        timer = LC.DynamicLoopingCall(f)
        self.assertEqual('done', self.run_until_done(
            timer.start(periodic_interval_max=5)))
        self.assertEqual([mock.call(-1), mock.call(-0.5)],
                         sleep.call_args_list)

    def test_d09_virtual_clock_records_the_raw_value_and_stays(self):
        clock = self.useFixture(fixture.VirtualTimeFixture())
        timer = LC.DynamicLoopingCall(done_after(LC, [-1, -0.5]))
        self.assertEqual('done', self.run_until_done(
            timer.start(periodic_interval_max=5)))
        self.assertEqual([-1, -0.5], clock.idle_times_of(timer))
        # A negative idle time is no wait at all.
        self.assertEqual(0, clock.now())

    def test_d09_negative_suggestion_means_no_wait(self):
        f = done_after(LC, [-1, -1, -1])
        timer = LC.DynamicLoopingCall(f)
        self.assertEqual('done', self.run_until_done(timer.start()))
        self.assertEqual(4, f.call_count)
        self.assertEqual([], self.records())

    def test_d09_fixture_sees_no_negative_wait(self):
        sleepfx = self.useFixture(fixture.SleepFixture())
        timer = LC.DynamicLoopingCall(done_after(LC, [-1]))
        self.assertEqual('done', self.run_until_done(timer.start()))
        # The real sleep behind _sleep() never sees the negative value.
        self.assertEqual([mock.call(0)], sleepfx.mock_wait.call_args_list)

    def test_d09_reference_ends_with_value_error(self):
        ref = self.reference()
        f = done_after(ref, [-1, -1, -1])
        timer = ref.DynamicLoopingCall(f)
        self.assertRaises(ValueError, self.run_until_done, timer.start())
        self.assertEqual(1, f.call_count)


class TestD10DynamicIdlesAfterSwallowedException(DefectTestCase):

    def _sleeps(self, lc, results, **kwargs):
        """The idle times of a DynamicLoopingCall whose f returns results.

        Ours runs under a VirtualTimeFixture of its own (a test may call
        this more than once); the reference with its ``_sleep`` patched.
        """
        if lc is LC:
            with fixture.VirtualTimeFixture() as clock:
                timer = LC.DynamicLoopingCall(done_after(LC, results))
                self.assertEqual('done', self.run_until_done(
                    timer.start(stop_on_exception=False, **kwargs)))
            return clock.idle_times_of(timer)
        sleep = self.patch_reference_sleep(lc)
        timer = lc.DynamicLoopingCall(done_after(lc, results))
        self.assertEqual('done', self.run_until_done(
            timer.start(stop_on_exception=False, **kwargs)))
        return [c.args[0] for c in sleep.call_args_list]

    def test_d10_idles_periodic_interval_max(self):
        errors = [RuntimeError('down')] * 3
        self.assertEqual([0.2, 0.2, 0.2],
                         self._sleeps(LC, errors, periodic_interval_max=0.2))

    def test_d10_idles_the_default_without_a_positive_max(self):
        self.assertEqual(1.0, LC.DYNAMIC_FAILURE_IDLE)
        errors = [RuntimeError('down')] * 2
        self.assertEqual([LC.DYNAMIC_FAILURE_IDLE] * 2,
                         self._sleeps(LC, errors))
        self.assertEqual([LC.DYNAMIC_FAILURE_IDLE] * 2,
                         self._sleeps(LC, errors, periodic_interval_max=0))

    def test_d10_successful_runs_keep_their_suggestion(self):
        results = [RuntimeError('down'), 0.05, RuntimeError('down')]
        self.assertEqual([1.0, 0.05, 1.0], self._sleeps(LC, results))
        self.assertEqual([0.2, 0.05, 0.2],
                         self._sleeps(LC, results, periodic_interval_max=0.2))

    def test_d10_reference_idles_zero(self):
        ref = self.reference()
        errors = [RuntimeError('down')] * 3
        self.assertEqual([0, 0, 0],
                         self._sleeps(ref, errors, periodic_interval_max=0.2))

    def test_d10_failing_f_is_not_busy_looped_in_real_time(self):
        f = mock.Mock(side_effect=RuntimeError('down'))
        timer = LC.DynamicLoopingCall(f)
        started = time.monotonic()
        event = timer.start(periodic_interval_max=0.02,
                            stop_on_exception=False)
        self.pause(0.1)
        timer.stop()
        self.assertTrue(self.run_until_done(event))
        elapsed = time.monotonic() - started
        # At most one run per 20 ms idle, plus the first (the reference
        # ran thousands).
        self.assertGreaterEqual(f.call_count, 1)
        self.assertLessEqual(f.call_count, elapsed / 0.02 + 1)


class TestD11RetryLogsNothingAboveDebug(DefectTestCase):

    @staticmethod
    def expected_debug(name, max_retry_count):
        lines = ['Waiting for function %s to return.' % name]
        exception = ('Exception which is in the suggested list of exceptions'
                     ' occurred while invoking function: %s.' % name)
        lines.append(exception)
        for count in range(1, max_retry_count + 1):
            lines.append('Invoking %s; retry count is %d.' % (name, count))
            lines.append(exception)
        lines.append('Cannot retry %s upon suggested exception since retry '
                     'count (%d) reached max retry count (%d).'
                     % (name, max_retry_count, max_retry_count))
        return lines

    def _exhaust(self, lc):
        self.useFixture(fixture.SleepFixture())
        last = []

        def f():
            last.append(ValueError(len(last)))
            raise last[-1]

        decorated = lc.RetryDecorator(max_retry_count=2, inc_sleep_time=1,
                                      exceptions=(ValueError,))(f)
        raised = self.assertRaises(ValueError, decorated)
        self.assertIs(last[-1], raised)
        self.assertEqual(3, len(last))
        return reflection.get_callable_name(f)

    def test_d11_exhausted_retries_log_only_the_reference_debug(self):
        name = self._exhaust(LC)
        self.assertEqual([], self.records())
        self.assertEqual(self.expected_debug(name, 2),
                         self.debug_messages('oslo.loopingcall.loopingcall'))

    def test_d11_reference_logs_error_but_same_debug(self):
        name = self._exhaust(self.reference())
        logger = 'oslo.service.backend._common.loopingcall'
        self.assertEqual(self.expected_debug(name, 2),
                         self.debug_messages(logger))
        errors = self.records()
        self.assertEqual(1, len(errors))
        self.assertTrue(errors[0].startswith('ERROR %s Dynamic interval '
                                             'looping call' % logger))

    def test_d11_unexpected_exception_logs_nothing_above_debug(self):
        self.useFixture(fixture.SleepFixture())
        errors = [ValueError('retried'), TypeError('not retried')]

        @LC.RetryDecorator(max_retry_count=5, inc_sleep_time=1,
                           exceptions=(ValueError,))
        def f():
            raise errors.pop(0)

        # Raised by the first attempt, and by a retry.
        self.assertRaises(TypeError, f)
        self.assertRaises(TypeError, LC.RetryDecorator()(
            mock.Mock(side_effect=TypeError('first'))))
        self.assertEqual([], self.records())

    def test_d11_no_retry_allowed_logs_nothing_above_debug(self):
        decorated = LC.RetryDecorator(max_retry_count=0,
                                      exceptions=(ValueError,))(
            mock.Mock(side_effect=ValueError('once')))
        self.assertRaises(ValueError, decorated)
        self.assertEqual([], self.records())


class TestD12RetryDeliversBaseExceptions(DefectTestCase):

    def test_d12_base_exception_reaches_the_caller(self):
        self.useFixture(fixture.SleepFixture())
        kinds = [Boom('boom'), KeyboardInterrupt('ki'), SystemExit(3),
                 greenlet.GreenletExit('bye'), eventlet.Timeout(None)]
        for exc in kinds:
            for failures_first in (0, 1, 2):
                side_effect = [ValueError('retry')] * failures_first + [exc]
                f = mock.Mock(side_effect=side_effect)
                decorated = LC.RetryDecorator(
                    max_retry_count=5, inc_sleep_time=1,
                    exceptions=(ValueError,))(f)
                raised = self.assertRaises(type(exc), self.call_bounded,
                                           decorated)
                self.assertIs(exc, raised)
                self.assertEqual(failures_first + 1, f.call_count)
        self.assertEqual([], self.records())


class TestD15WaitFromInsideF(DefectTestCase):

    def test_d15_wait_inside_f_raises_and_loop_goes_on(self):
        self.useFixture(fixture.VirtualTimeFixture())
        for cls, kwargs in VALID_START:
            errors = []
            calls = []

            def f():
                calls.append(None)
                if len(calls) == 1:
                    try:
                        timer.wait()
                    except RuntimeError as exc:
                        errors.append(exc)
                    return None
                raise LC.LoopingCallDone('fine')

            timer = cls(f)
            self.assertEqual('fine', self.run_until_done(
                timer.start(**kwargs)), cls.__name__)
            self.assertEqual(1, len(errors), cls.__name__)
            self.assertIn('wait()', str(errors[0]))
            self.assertEqual(2, len(calls))


class TestD16BackOffCountsRunTime(DefectTestCase):

    def _start_slow(self, lc, f):
        timer = lc.BackOffLoopingCall(f)
        event = timer.start(starting_interval=0.01, timeout=0.3,
                            jitter=0.5)
        exc = self.assertRaises(lc.LoopingCallTimeOut, self.run_until_done,
                                event)
        return timer, str(exc)

    def test_d16_slow_f_times_out_on_run_time_plus_idle(self):
        clock = self.useFixture(fixture.VirtualTimeFixture(jitter=0.5))

        def slow():
            clock.spend(0.1)
            return False

        f = mock.Mock(side_effect=slow)
        timer, message = self._start_slow(LC, f)
        # 0.1 run + 0.01 idle, twice; the third failure would make 0.33.
        self.assertEqual(3, f.call_count)
        sleeps = clock.idle_times_of(timer)
        self.assertEqual(2, len(sleeps))
        for idle in sleeps:
            self.assertAlmostEqual(0.01, idle, places=12)
        self.assertEqual('Looping call timed out after 0.33 seconds',
                         message)
        # It gave up at the end of the third run.
        self.assertAlmostEqual(0.32, clock.now(), places=12)

    def test_d16_reference_counts_idle_time_only(self):
        ref = self.reference()
        sleep = self.patch_reference_sleep(ref)
        self.patch_reference_elapsed(ref, 0.1)
        self.patch_reference_gauss(ref, 0.5)
        f = mock.Mock(return_value=False)
        _, message = self._start_slow(ref, f)
        sleeps = sleep.call_args_list
        # 30 runs of 0.1 s each: 3 s spent, "0.30 seconds" reported.
        self.assertEqual(30, f.call_count)
        self.assertEqual(29, len(sleeps))
        self.assertEqual('Looping call timed out after 0.30 seconds',
                         message)

    def test_d16_instant_f_keeps_the_reference_sequence(self):
        # A run takes no virtual time.
        clock = self.useFixture(fixture.VirtualTimeFixture(jitter=0.8))
        timer = LC.BackOffLoopingCall(mock.Mock(return_value=False))
        exc = self.assertRaises(LC.LoopingCallTimeOut, self.run_until_done,
                                timer.start())
        expected = [1.6, 2.4, 3.6, 5.4, 8.1, 12.15, 18.225, 27.3375,
                    41.00625, 61.509375, 92.2640625]
        actual = clock.idle_times_of(timer)
        self.assertEqual(len(expected), len(actual))
        for want, got in zip(expected, actual):
            self.assertAlmostEqual(want, got, places=9)
        self.assertEqual('Looping call timed out after 411.99 seconds',
                         str(exc))
        # It gave up at once, without the 12th idle period.
        self.assertAlmostEqual(sum(expected), clock.now(), places=9)


class TestD19NoneJitter(DefectTestCase):

    def test_d19_none_jitter_means_factor_one(self):
        # Any draw would be 5.0, and would multiply an idle time by 5.
        clock = self.useFixture(fixture.VirtualTimeFixture(jitter=5.0))
        f = done_after(LC, [True, False, False, True])
        timer = LC.BackOffLoopingCall(f)
        self.assertEqual('done', self.run_until_done(
            timer.start(starting_interval=1, jitter=None)))
        self.assertEqual([1, 2, 4, 1], clock.idle_times_of(timer))
        self.assertEqual(8, clock.now())

    def test_d19_reference_fails_after_the_first_run(self):
        ref = self.reference()
        f = done_after(ref, [True, False])
        timer = ref.BackOffLoopingCall(f)
        self.assertRaises(TypeError, self.run_until_done,
                          timer.start(jitter=None))
        self.assertEqual(1, f.call_count)


class TestD20PositionalArguments(DefectTestCase):

    def test_d20_backoff_passes_positional_args_to_f(self):
        f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
        timer = LC.BackOffLoopingCall(f, 1, 2, key='v')
        self.assertIs(f, timer.f)
        self.assertEqual((1, 2), timer.args)
        self.assertEqual({'key': 'v'}, timer.kw)
        self.assertEqual('ok', self.run_until_done(timer.start()))
        f.assert_called_once_with(1, 2, key='v')

    def test_d20_every_looping_call_passes_positional_args(self):
        for cls, kwargs in VALID_START:
            f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
            timer = cls(f, 1, 2)
            self.assertEqual('ok', self.run_until_done(timer.start(**kwargs)))
            f.assert_called_once_with(1, 2)

    def test_d20_reference_rejects_positional_args(self):
        ref = self.reference()
        exc = self.assertRaises(TypeError, ref.BackOffLoopingCall,
                                mock.Mock(), 1, 2)
        self.assertIn("multiple values for argument 'f'", str(exc))
