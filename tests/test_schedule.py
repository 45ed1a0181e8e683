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

"""The schedule (D01, D21): due times, made-up lateness, stalls, overruns.

Every test runs the production schedule on the virtual clock, in both
modes. A late wake-up is made the way it happens in a service: another
loop's function runs (``clock.spend()``, a call that does not yield) while
the loop under test is due, so it can only run once that function
returns.
"""

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


class ScheduleTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture())

    def recorder(self, runs, run_time=0.0, until=None):
        """f: records the virtual start of each run; done after ``until``."""
        def f():
            runs.append(self.clock.now())
            if run_time:
                self.clock.spend(run_time)
            if until is not None and len(runs) >= until:
                raise loopingcall.LoopingCallDone(runs)
        return f

    def staller(self, at, seconds):
        """A loop that blocks the others for ``seconds`` at time ``at``.

        Its function returns after that (a call that does not yield), and
        the loop ends. Start it first: its initial delay counts from when
        its loop begins.
        """
        def stall():
            self.clock.spend(seconds)
            raise loopingcall.LoopingCallDone()
        timer = loopingcall.FixedIntervalLoopingCall(stall)
        return timer.start(1, initial_delay=at)


class TestDueTimes(ScheduleTestCase):

    def test_runs_keep_their_due_times_whatever_the_run_time(self):
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(
            self.recorder(runs, run_time=3, until=4))
        self.run_until_done(timer.start(10))
        self.assertEqual([0, 10, 20, 30], runs)
        self.assertEqual([7, 7, 7], self.clock.idle_times)

    def test_d21_lateness_shorter_than_the_interval_is_made_up(self):
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(
            self.recorder(runs, run_time=1, until=5))
        self.staller(at=15, seconds=7)
        done = timer.start(10)
        # Due at 20, the loop can run only at 22, when the staller's
        # function returns; the next run is still due at 30.
        self.run_until_done(done)
        self.assertEqual([0, 10, 22, 30, 40], runs)
        # The policy still asks for interval - run time (what a patched
        # _sleep sees); the loop idles that less the lateness.
        self.assertEqual([9, 9, 9, 9], self.clock.idle_times_of(timer))

    def test_d21_after_a_stall_longer_than_the_interval_it_restarts(self):
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(
            self.recorder(runs, run_time=1, until=5))
        self.staller(at=15, seconds=25)
        done = timer.start(10)
        # Due at 20, it can only run at 40: it runs then, and next at 50,
        # never twice in a row to catch up.
        self.run_until_done(done)
        self.assertEqual([0, 10, 40, 50, 60], runs)

    def test_d21_a_stall_of_exactly_one_interval_restarts_too(self):
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(
            self.recorder(runs, until=4))
        self.staller(at=15, seconds=15)
        done = timer.start(10)
        self.run_until_done(done)
        self.assertEqual([0, 10, 30, 40], runs)

    def test_short_intervals_make_up_the_timer_granularity(self):
        # A hub's timers can be late by a millisecond and more: a 1 ms loop
        # makes up lateness up to 2 ms rather than restarting (drifting).
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(
            self.recorder(runs, until=5))
        self.staller(at=0.0005, seconds=0.0015)
        self.run_until_done(timer.start(0.001))
        # Due at 0.001, run at 0.002 (1 ms late): the run due at 0.002
        # follows at once, then the schedule goes on from there.
        for expected, actual in zip([0, 0.002, 0.002, 0.003, 0.004], runs):
            self.assertAlmostEqual(expected, actual, places=9)

    def test_an_overrun_runs_again_at_once_and_restarts_the_schedule(self):
        runs = []
        times = iter([1, 14, 1, 1])

        def f():
            runs.append(self.clock.now())
            self.clock.spend(next(times))
            if len(runs) == 4:
                raise loopingcall.LoopingCallDone()

        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.run_until_done(timer.start(10))
        self.assertEqual([0, 10, 24, 34], runs)
        self.assertIn('run outlasted interval by 4.00 sec', self.log.output)

    def test_dynamic_idles_are_measured_from_the_end_of_the_run(self):
        runs = []
        f = self.recorder(runs, run_time=1, until=4)
        timer = loopingcall.DynamicLoopingCall(lambda: f() or 10)
        self.staller(at=20, seconds=3)
        done = timer.start()
        self.run_until_done(done)
        # Due at 22, run at 23 (late): no make-up, 10 s after its end.
        self.assertEqual([0, 11, 23, 34], runs)

    def test_back_off_idles_are_measured_from_the_end_of_the_run(self):
        self.clock.jitter = 1.0
        runs = []

        def probe():
            runs.append(self.clock.now())
            self.clock.spend(0.5)
            if len(runs) == 4:
                raise loopingcall.LoopingCallDone()
            return False

        timer = loopingcall.BackOffLoopingCall(probe)
        self.run_until_done(timer.start(starting_interval=1, jitter=1))
        self.assertEqual([0, 2.5, 7, 15.5], runs)

    def test_initial_delay_lateness_is_made_up_by_the_first_idle(self):
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(
            self.recorder(runs, until=3))
        self.staller(at=1, seconds=6)
        done = timer.start(10, initial_delay=5)
        self.run_until_done(done)
        self.assertEqual([7, 15, 25], runs)


class TestNumbersOnTheSchedule(ScheduleTestCase):
    """Numbers that start() accepts work the same in both modes (D22)."""

    def test_idle_beyond_the_longest_wait_ends_on_stop(self):
        timer = loopingcall.DynamicLoopingCall(lambda: None)
        done = timer.start(periodic_interval_max=float('inf'))
        with self.clock.paused():
            self.wait_for(lambda: self.clock.idle_times == [float('inf')],
                          what='the loop idling for ever')
            timer.stop()
            self.assertIs(True, self.run_until_done(done))
