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

"""Virtual time: as long as the test's own code runs, time stands still.

No loop runs until the test waits or yields, and the clock stops the
moment the outcome the test (or a loop) waits for is delivered: the same
events at the same instants in both modes.

With native threads a woken thread may take long to be scheduled again;
:meth:`TestStillness.slow_wake` makes that certain, instead of likely, by
delaying every waiter's return from the wait on the done object.
"""

import threading
import time

import eventlet
import fixtures

from oslo_loopingcall._backends.osthreads import backend as _threading
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base

#: Real seconds a loop thread is given to run when it should not: ample
#: for a thread that is free to run, and a test that passes takes them.
GRACE = 0.2


def _finish():
    raise loopingcall.LoopingCallDone('finished')


class TestStillness(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = None

    def use_clock(self):
        self.clock = self.useFixture(fixture.VirtualTimeFixture())

    def slow_wake(self, seconds=0.02):
        """Waiters on a loop's outcome get back to run only after a delay."""
        if self.green:
            # The hub resumes a waiter in order, after what was ready.
            return
        wait = _threading.ThreadDone.wait

        def slow(done, timeout=None):
            try:
                return wait(done, timeout)
            finally:
                time.sleep(seconds)

        self.useFixture(fixtures.MockPatchObject(
            _threading.ThreadDone, 'wait', slow))

    def ticking(self):
        """A loop noting the time every second; the list of its notes.

        The fixture stops it at cleanup.
        """
        ticks = []
        busy = loopingcall.FixedIntervalLoopingCall(
            lambda: ticks.append(self.clock.now()))
        busy.start(1)
        return ticks

    def test_wait_returns_the_moment_the_outcome_is_delivered(self):
        self.slow_wake()
        for _ in range(10):
            with fixture.VirtualTimeFixture() as self.clock:
                ticks = self.ticking()
                timer = loopingcall.FixedIntervalLoopingCall(_finish)
                done = timer.start(1, initial_delay=10.5)
                self.assertEqual('finished', self.run_until_done(done))
                self.assertEqual(10.5, self.clock.now())
                self.assertEqual(list(range(11)), ticks)

    def test_a_loop_waiting_for_another_goes_on_at_once(self):
        self.slow_wake()
        self.use_clock()
        ticks = self.ticking()
        seen = []

        def parent():
            child = loopingcall.FixedIntervalLoopingCall(_finish)
            seen.append(child.start(1, initial_delay=4.5).wait())
            seen.append(self.clock.now())
            raise loopingcall.LoopingCallDone()

        parent_loop = loopingcall.FixedIntervalLoopingCall(parent)
        self.run_until_done(parent_loop.start(1, initial_delay=0.25))
        self.assertEqual(['finished', 4.75], seen)
        self.assertEqual(4.75, self.clock.now())
        self.assertEqual([0, 1, 2, 3, 4], ticks)

    def test_no_loop_runs_before_the_test_waits(self):
        self.use_clock()
        ran = threading.Event()

        def f():
            ran.set()
            self.clock.spend(5)

        timer = loopingcall.FixedIntervalLoopingCall(f)
        done = timer.start(10)
        # A native thread free to run would have run by now; a
        # greenthread never runs while the test blocks without yielding.
        self.assertFalse(ran.wait(GRACE))
        self.assertEqual(0, self.clock.now())
        timer.stop()
        self.assertIs(True, self.run_until_done(done))
        self.assertFalse(ran.is_set())

    def test_after_the_outcome_only_the_loops_ready_before_run(self):
        self.slow_wake()
        self.use_clock()
        ticks = self.ticking()

        def slow():
            self.clock.spend(3)
            raise loopingcall.LoopingCallDone(self.clock.now())

        timer = loopingcall.FixedIntervalLoopingCall(slow)
        self.assertEqual(3, self.run_until_done(timer.start(1)))
        # The ticker, due at 1 during the spend, was ready before the
        # outcome: it ran, late; then nothing, while the test runs.
        self.assertEqual([0, 3], ticks)
        time.sleep(GRACE)
        self.assertEqual([0, 3], ticks)
        self.assertEqual(3, self.clock.now())

    def test_a_stopped_loop_ends_only_when_the_test_waits(self):
        self.use_clock()
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        done = timer.start(3600)
        ticks = self.ticking()
        self.yield_()
        self.assertEqual([3600, 1], self.clock.idle_times)
        timer.stop()
        time.sleep(GRACE)
        self.assertFalse(done.ready())
        # Ready since stop(): it ends before the ticker is due.
        self.assertIs(True, self.run_until_done(done))
        self.assertEqual(0, self.clock.now())
        self.assertEqual([0], ticks)


class TestYielding(base.TestCase):
    """With native threads the test yields by looking or moving the clock."""

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture(
            autojump=False))

    def yield_once(self):
        # Native threads need none: reading the records is the yield.
        if self.green:
            eventlet.sleep(0)

    def test_reading_the_records_lets_the_ready_loops_run_once(self):
        # Due again at once after each run: each yield runs it once.
        timer = loopingcall.DynamicLoopingCall(lambda: 0)
        self.addCleanup(self.run_until_done, timer.start())
        self.addCleanup(timer.stop)
        for runs in (1, 2, 3):
            self.yield_once()
            self.assertEqual([0] * runs, self.clock.idle_times)

    def test_loops_woken_by_advance_have_run_when_it_returns(self):
        ticks = []

        def f():
            ticks.append(self.clock.now())
            self.clock.spend(1)

        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.addCleanup(self.run_until_done, timer.start(10))
        self.addCleanup(timer.stop)
        self.yield_once()
        self.assertEqual([9], self.clock.idle_times)
        self.clock.advance(9)
        self.yield_once()
        self.assertEqual([0, 10], ticks)
        self.assertEqual(11, self.clock.now())
