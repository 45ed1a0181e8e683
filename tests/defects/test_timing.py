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

"""Defects fixed: exact intervals, the monotonic timeout, Dynamic and
BackOff idles (D01, D06, D09, D10, D16).
"""

import itertools
import time
from unittest import mock

import fixtures
from oslo_utils import reflection

from oslo_loopingcall import fixture
from tests.defects.base import DefectTestCase
from tests.defects.base import done_after
from tests.defects.base import LC


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
