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

"""loop.statistics: exact counts, due times and states, in virtual time.

Every test runs in both modes. Step-by-step tests move the clock by hand
(``autojump=False``) and wait (bounded) for the loop to idle before
looking, so that a loop in a native thread is never looked at mid-run;
what a loop looks like while it runs is seen from inside ``f``.
"""

import collections.abc
import operator
import threading
import time

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base

#: The keys the statistics promise (more may come).
KEYS = {'state', 'runs', 'failures', 'overruns', 'overrun_seconds',
        'last_run_seconds', 'mean_run_seconds', 'max_run_seconds',
        'total_run_seconds', 'last_idle_seconds', 'interval', 'started_at',
        'started_at_wall', 'next_run_at', 'next_run_at_wall', 'now'}


class StatsTestCase(base.TestCase):

    autojump = True

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture(
            start=1000, autojump=self.autojump))

    def assertStats(self, timer, **expected):
        stats = timer.statistics
        self.assertEqual(expected, {key: stats[key] for key in expected})

    def idled(self, timer, count):
        """Wait until ``timer`` has asked for ``count`` idle periods."""
        self.wait_for(
            lambda: len(self.clock.idle_times_of(timer)) >= count,
            what=f'{count} idle periods')
        self.assertEqual(count, len(self.clock.idle_times_of(timer)))


class TestSnapshot(StatsTestCase):

    def test_a_loop_never_started(self):
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        stats = timer.statistics
        self.assertEqual(KEYS, set(stats))
        self.assertEqual(
            dict(state='new', runs=0, failures=0, overruns=0,
                 overrun_seconds=0.0, last_run_seconds=0.0,
                 mean_run_seconds=0.0, max_run_seconds=0.0,
                 total_run_seconds=0.0, last_idle_seconds=0.0,
                 interval=None, started_at=None, started_at_wall=None,
                 next_run_at=None, next_run_at_wall=None),
            {key: stats[key] for key in KEYS - {'now'}})

    def test_a_read_only_mapping_and_a_copy(self):
        f, runs = base.done_after(2)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        before = timer.statistics
        self.assertIsInstance(before, collections.abc.Mapping)
        self.assertRaises(TypeError, operator.setitem, before, 'runs', 5)
        self.run_until_done(timer.start(10))
        self.assertEqual(('new', 0), (before['state'], before['runs']))
        self.assertStats(timer, state='done', runs=2)

    def test_wall_clock_equivalents(self):
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        with self.clock.paused():
            timer.start(60, initial_delay=5)
            wall_before = time.time()
            stats = timer.statistics
            wall_after = time.time()
        timer.stop()
        self.assertEqual((1000, 1005, 1000),
                         (stats['started_at'], stats['next_run_at'],
                          stats['now']))
        # The virtual clock stood still: the same offset for both.
        self.assertTrue(wall_before <= stats['started_at_wall'] <= wall_after)
        self.assertEqual(5, stats['next_run_at_wall'] -
                         stats['started_at_wall'])


class TestFixedInterval(StatsTestCase):

    autojump = False

    def test_counts_and_next_due_run_by_run(self):
        spend = iter([2, 3])
        timer = loopingcall.FixedIntervalLoopingCall(
            lambda: self.clock.spend(next(spend)))
        timer.start(10)
        self.idled(timer, 1)
        self.assertStats(
            timer, state='sleeping', runs=1, last_run_seconds=2,
            mean_run_seconds=2, max_run_seconds=2, total_run_seconds=2,
            last_idle_seconds=8, interval=10, started_at=1000,
            next_run_at=1010, now=1002)
        self.clock.advance(8)
        self.idled(timer, 2)
        self.assertStats(
            timer, state='sleeping', runs=2, last_run_seconds=3,
            mean_run_seconds=2.5, max_run_seconds=3, total_run_seconds=5,
            last_idle_seconds=7, started_at=1000, next_run_at=1020,
            now=1013)
        timer.stop()
        self.assertIs(True, self.run_until_done(timer.done))
        self.assertStats(timer, state='done', runs=2, next_run_at=None,
                         next_run_at_wall=None, started_at=1000)

    def test_initial_delay_sleeps_until_the_first_run(self):
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        timer.start(10, initial_delay=5)
        self.idled(timer, 1)
        self.assertStats(timer, state='sleeping', runs=0, started_at=1000,
                         next_run_at=1005)
        self.clock.advance(5)
        self.idled(timer, 2)
        self.assertStats(timer, state='sleeping', runs=1, next_run_at=1015)
        timer.stop()
        self.run_until_done(timer.done)

    def test_overruns_and_the_next_run_at_once(self):
        spend = iter([12, 3, 15, 0])
        timer = loopingcall.FixedIntervalLoopingCall(
            lambda: self.clock.spend(next(spend)))
        timer.start(10)
        # Run 1 ends at 1012, 2 s late: run 2 at once, ending at 1015.
        self.idled(timer, 2)
        self.assertStats(timer, runs=2, overruns=1, overrun_seconds=2,
                         last_idle_seconds=7, next_run_at=1022)
        # Run 3 ends at 1037, 5 s late: run 4 at once.
        self.clock.advance(7)
        self.idled(timer, 4)
        self.assertEqual([0, 7, 0, 10], self.clock.idle_times_of(timer))
        self.assertStats(timer, runs=4, overruns=2, overrun_seconds=7,
                         max_run_seconds=15, total_run_seconds=30,
                         last_run_seconds=0, last_idle_seconds=10,
                         next_run_at=1047)
        timer.stop()
        self.run_until_done(timer.done)


class TestEnds(StatsTestCase):

    def test_the_run_that_ends_the_loop_counts(self):
        f, runs = base.done_after(3, self.clock, spend=4)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.assertEqual('done', self.run_until_done(timer.start(10)))
        self.assertStats(timer, state='done', runs=3, last_run_seconds=4,
                         total_run_seconds=12, next_run_at=None)

    def test_an_exception_fails_the_loop_and_counts_its_run(self):
        def f():
            self.clock.spend(1)
            raise ValueError('boom')

        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.assertRaises(ValueError, self.run_until_done, timer.start(10))
        self.assertStats(timer, state='failed', runs=1, failures=0,
                         last_run_seconds=1, next_run_at=None)

    def test_swallowed_exceptions_are_failures(self):
        outcomes = iter([None, ValueError, None, KeyError,
                         loopingcall.LoopingCallDone])

        def f():
            outcome = next(outcomes)
            if outcome is not None:
                raise outcome()

        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.run_until_done(timer.start(10, stop_on_exception=False))
        self.assertStats(timer, state='done', runs=5, failures=2)
        self.assertEqual([10] * 4, self.clock.idle_times_of(timer))

    def test_a_timeout_fails_the_loop(self):
        timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(
            lambda: None)
        self.assertRaises(loopingcall.LoopingCallTimeOut,
                          self.run_until_done,
                          timer.start(60, timeout=300))
        # Runs at 0, 60, ..., 360: the last one timed out.
        self.assertStats(timer, state='failed', runs=7, interval=60,
                         started_at=1000, now=1360)

    def test_states_seen_from_inside_f(self):
        seen = []

        def f():
            seen.append(timer.statistics['state'])
            if len(seen) == 2:
                timer.stop()
                seen.append(timer.statistics['state'])
                self.clock.spend(3)

        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.assertIs(True, self.run_until_done(timer.start(10)))
        self.assertEqual(['running', 'running', 'stopping'], seen)
        # The run that stop() interrupted counts.
        self.assertStats(timer, state='done', runs=2, last_run_seconds=3)

    def test_stopping_while_asleep(self):
        self.eventlet_only('a native loop thread may end before we look')
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        with self.clock.paused():
            done = timer.start(60)
            self.yield_()
            self.assertStats(timer, state='sleeping', next_run_at=1060)
            timer.stop()
            self.assertStats(timer, state='stopping', next_run_at=1060)
            self.assertIs(True, self.run_until_done(done))
        self.assertStats(timer, state='done', runs=1, next_run_at=None)

    def test_killed_before_its_first_run(self):
        self.eventlet_only('a native thread cannot be killed')
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        done = timer.start(10)
        timer._thread.kill()
        self.assertTrue(done.ready())
        self.assertStats(timer, state='failed', runs=0, next_run_at=None)


class TestRestart(StatsTestCase):

    def test_kept_after_the_end_reset_at_the_next_start(self):
        f, runs = base.done_after(2, self.clock, spend=4)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.run_until_done(timer.start(10))
        self.assertStats(timer, state='done', runs=2, max_run_seconds=4,
                         started_at=1000, now=1014)
        self.clock.advance(100)
        self.assertStats(timer, state='done', runs=2, max_run_seconds=4,
                         started_at=1000, now=1114)
        runs.clear()
        done = timer.start(20, initial_delay=1)
        self.assertStats(timer, state='sleeping', runs=0,
                         max_run_seconds=0, started_at=1114,
                         next_run_at=1115, interval=20)
        self.run_until_done(done)
        self.assertStats(timer, state='done', runs=2, started_at=1114,
                         now=1139)


class TestOtherKinds(StatsTestCase):

    autojump = False

    def test_dynamic_next_run_is_what_f_suggests(self):
        timer = loopingcall.DynamicLoopingCall(lambda: 7)
        timer.start(periodic_interval_max=60)
        self.idled(timer, 1)
        self.assertStats(timer, state='sleeping', runs=1, interval=None,
                         last_idle_seconds=7, next_run_at=1007)
        timer.stop()
        self.run_until_done(timer.done)

    def test_back_off_next_run_follows_the_back_off(self):
        self.clock.jitter = 1.0
        timer = loopingcall.BackOffLoopingCall(lambda: False)
        timer.start(starting_interval=2, jitter=1)
        self.idled(timer, 1)
        self.assertStats(timer, state='sleeping', runs=1, interval=None,
                         last_idle_seconds=4, next_run_at=1004)
        self.clock.advance(4)
        self.idled(timer, 2)
        self.assertStats(timer, runs=2, last_idle_seconds=8,
                         next_run_at=1012)
        timer.stop()
        self.run_until_done(timer.done)


class TestIdleTaken(StatsTestCase):
    """D25: the idle the loop took, never below 0, whatever f asks."""

    def stats_of_the_next_run(self, suggestion):
        """Statistics seen from the run after ``f`` returned it."""
        seen = []

        def f():
            if seen:
                raise loopingcall.LoopingCallDone(dict(timer.statistics))
            seen.append(self.clock.now())
            self.clock.spend(2)
            return suggestion

        timer = loopingcall.DynamicLoopingCall(f)
        stats = self.run_until_done(timer.start())
        # Asked for as f said it (D09).
        self.assertEqual(repr([suggestion]),
                         repr(self.clock.idle_times_of(timer)))
        return stats

    def test_d25_a_negative_idle_is_none(self):
        stats = self.stats_of_the_next_run(-5)
        self.assertEqual((0, 1002, 1002), (stats['last_idle_seconds'],
                                           stats['next_run_at'],
                                           stats['now']))

    def test_d25_a_nan_idle_is_none(self):
        stats = self.stats_of_the_next_run(float('nan'))
        self.assertEqual((0, 1002, 1002), (stats['last_idle_seconds'],
                                           stats['next_run_at'],
                                           stats['now']))


class TestFromOtherThreads(StatsTestCase):

    def test_snapshots_from_another_thread_while_it_runs(self):
        f, runs = base.done_after(200)
        timer = loopingcall.FixedIntervalLoopingCall(f)
        errors, seen = [], []
        stop = threading.Event()

        def look():
            try:
                while not stop.is_set():
                    seen.append(timer.statistics['runs'])
                    repr(timer)
            except Exception as exc:  # only reported
                errors.append(exc)

        watcher = threading.Thread(target=look, daemon=True)
        watcher.start()
        self.addCleanup(watcher.join, 5)
        self.addCleanup(stop.set)
        self.run_until_done(timer.start(1))
        stop.set()
        watcher.join(5)
        self.assertEqual([], errors)
        self.assertTrue(seen)
        self.assertEqual(sorted(seen), seen)
        self.assertStats(timer, state='done', runs=200)


class TestRetryAttributesOfTheReference(base.TestCase):

    def test_assigned_as_code_for_oslo_service_may_do(self):
        decorator = loopingcall.RetryDecorator(
            max_retry_count=1, inc_sleep_time=0, exceptions=(KeyError,))
        decorator._retry_count = 0
        decorator._sleep_time = 0
        self.assertEqual((0, 0), (decorator._retry_count,
                                  decorator._sleep_time))
        # The shared records of calls never made are left alone.
        self.assertEqual(0, loopingcall.RetryDecorator().statistics[
            'attempts'])
