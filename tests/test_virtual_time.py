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

"""VirtualTimeFixture: exact schedules through public API only.

Every test runs in both modes. Loops run only while the test waits or
yields (with native threads: reads the records, or calls ``advance()``),
so the tests poll the records, bounded, before moving the clock or
stopping a loop, and need ``clock.paused()`` only to keep the clock from
jumping while they wait. See also ``test_virtual_stillness.py``.
"""

import time

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


class TestVirtualTime(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture())

    def test_sixty_second_interval_three_hundred_second_timeout(self):
        real_start = time.monotonic()
        runs = []
        timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(
            lambda: runs.append(self.clock.now()))
        exc = self.assertRaises(
            loopingcall.LoopingCallTimeOut,
            self.run_until_done, timer.start(interval=60, timeout=300))
        self.assertEqual('Looping call timed out after 360.00 seconds',
                         str(exc))
        self.assertEqual([0, 60, 120, 180, 240, 300, 360], runs)
        self.assertEqual([60] * 6, self.clock.idle_times)
        self.assertEqual(360, self.clock.now())
        # Real time would take 360 s; even an overbooked machine takes
        # far less than one 60 s interval.
        self.assertLess(time.monotonic() - real_start, 30)

    def test_slow_function_shortens_the_idle_time(self):
        f, runs = base.done_after(3, self.clock, spend=4)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.assertEqual('done', self.run_until_done(timer.start(10)))
        self.assertEqual([0, 10, 20], runs)
        self.assertEqual([6, 6], self.clock.idle_times_of(timer))

    def test_overrun_warns_and_runs_again_at_once(self):
        f, runs = base.done_after(2, self.clock, spend=12)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.assertEqual('done', self.run_until_done(timer.start(10)))
        self.assertEqual([0, 12], runs)
        self.assertEqual([0], self.clock.idle_times)
        self.assertIn('run outlasted interval by 2.00 sec', self.log.output)

    def test_initial_delay_is_an_idle_period(self):
        f, runs = base.done_after(2, self.clock)
        timer = loopingcall.DynamicLoopingCall(lambda: f() or 7)
        self.assertEqual('done',
                         self.run_until_done(timer.start(initial_delay=3)))
        self.assertEqual([3, 10], runs)
        self.assertEqual([3, 7], self.clock.idle_times)
        record = self.clock.records[0]
        self.assertEqual((timer, 0, 3), tuple(record))

    def test_back_off_schedule_with_pinned_jitter(self):
        self.clock.jitter = 0.8
        timer = loopingcall.BackOffLoopingCall(lambda: False)
        self.assertRaises(loopingcall.LoopingCallTimeOut,
                          self.run_until_done, timer.start())
        self.assertEqual([1.6, 2.4000000000000004, 3.6, 5.4, 8.1, 12.15,
                          18.225, 27.337500000000002, 41.00625,
                          61.509375000000006, 92.26406250000001],
                         self.clock.idle_times)

    def test_back_off_timeout_counts_virtual_run_time(self):
        self.clock.jitter = 1.0
        timer = loopingcall.BackOffLoopingCall(
            lambda: self.clock.spend(1) or False)
        exc = self.assertRaises(
            loopingcall.LoopingCallTimeOut, self.run_until_done,
            timer.start(starting_interval=1, jitter=1, timeout=10))
        # Fails at 0 (1 s run), idles 2; at 3 (run 1) idles 4; at 8 the
        # run ends at 9, and 9 + 8 > 10.
        self.assertEqual([2, 4], self.clock.idle_times)
        self.assertEqual('Looping call timed out after 17.00 seconds',
                         str(exc))

    def test_retry_decorator_schedule(self):
        attempts = []

        @loopingcall.RetryDecorator(max_retry_count=5, inc_sleep_time=10,
                                    max_sleep_time=25,
                                    exceptions=(KeyError,))
        def flaky():
            attempts.append(self.clock.now())
            if len(attempts) < 5:
                raise KeyError()
            return 'ok'

        self.assertEqual('ok', flaky())
        self.assertEqual([10, 20, 25, 25], self.clock.idle_times)
        self.assertEqual([0, 10, 30, 55, 80], attempts)

    def test_concurrent_loops_share_one_clock(self):
        fa, a = base.done_after(4, self.clock, value='a')
        fb, b = base.done_after(3, self.clock, value='b')
        ta = loopingcall.FixedIntervalLoopingCall(fa)
        tb = loopingcall.FixedIntervalLoopingCall(fb)
        # Native threads: otherwise ta could jump the clock before tb
        # has started.
        with self.clock.paused():
            ea = ta.start(10)
            eb = tb.start(15, initial_delay=5)
        self.assertEqual(('a', 'b'),
                         (self.run_until_done(ea), self.run_until_done(eb)))
        self.assertEqual([0, 10, 20, 30], a)
        self.assertEqual([5, 20, 35], b)
        self.assertEqual([10, 10, 10], self.clock.idle_times_of(ta))
        self.assertEqual([5, 15, 15], self.clock.idle_times_of(tb))

    def test_stop_wakes_a_virtual_sleep(self):
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        # Paused, the clock never ends the sleep: only stop() can.
        with self.clock.paused():
            done = timer.start(3600)
            self.wait_for(lambda: self.clock.idle_times == [3600],
                          what='the loop idling')
            timer.stop()
            self.assertIs(True, self.run_until_done(done))
        self.assertEqual([3600], self.clock.idle_times)
        self.assertEqual(0, self.clock.now())


class TestManualTime(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(
            fixture.VirtualTimeFixture(start=1000, autojump=False))

    def idling(self, count):
        """Wait until the loops have asked for ``count`` idle periods."""
        self.wait_for(lambda: len(self.clock.idle_times) == count,
                      what='%d idle periods' % count)
        self.assertEqual(count, len(self.clock.idle_times))

    def test_time_moves_only_by_hand(self):
        runs = []
        timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(
            lambda: runs.append(self.clock.now()))
        done = timer.start(interval=60, timeout=150)
        self.idling(1)
        self.assertEqual([1000], runs)
        self.clock.advance(59)
        self.yield_()
        self.assertEqual([1000], runs)
        self.assertEqual(1, len(self.clock.idle_times))
        self.clock.advance(1)
        self.idling(2)
        self.assertEqual([1000, 1060], runs)
        self.clock.advance(60)
        self.idling(3)
        self.assertEqual([1000, 1060, 1120], runs)
        self.assertFalse(done.ready())
        # The timeout fires at the first check after 150 s: the run due
        # at 1180.
        self.clock.advance(60)
        exc = self.assertRaises(loopingcall.LoopingCallTimeOut,
                                self.run_until_done, done)
        self.assertEqual('Looping call timed out after 180.00 seconds',
                         str(exc))
        self.assertEqual([1000, 1060, 1120, 1180], runs)

    def test_bad_advance(self):
        for bad in (-1, float('nan'), float('inf'), 'soon'):
            self.assertRaises(ValueError, self.clock.advance, bad)


class TestCleanup(base.TestCase):

    def test_running_loops_are_stopped_and_reported(self):
        clock = fixture.VirtualTimeFixture(autojump=False)
        clock.setUp()
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        done = timer.start(60)
        self.wait_for(lambda: clock.idle_times == [60], what='the loop idling')
        clock.cleanUp()
        self.assertTrue(done.ready())
        self.assertIsNone(timer._thread)
        self.assertEqual([timer], clock.leftover)
        self.assertIn('VirtualTimeFixture stopped 1 looping call(s)',
                      self.log.output)
        # Gone: another one can be set up.
        self.useFixture(fixture.VirtualTimeFixture())

    def test_only_one_active_at_a_time(self):
        self.useFixture(fixture.VirtualTimeFixture())
        self.assertRaisesRegex(RuntimeError, 'already active',
                               fixture.VirtualTimeFixture().setUp)

    def test_loops_use_real_time_again_after_cleanup(self):
        with fixture.VirtualTimeFixture():
            pass
        f, runs = base.done_after(2)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        start = time.monotonic()
        self.assertEqual('done', self.run_until_done(timer.start(0.02)))
        self.assertGreaterEqual(time.monotonic() - start, 0.015)
