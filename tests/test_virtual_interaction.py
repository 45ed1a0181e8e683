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

"""Virtual time when loops meet: nesting, starting, stopping, sharing.

Each test asserts the exact sequence of events, and the same sequence in
both modes: with native threads the loops take turns, as greenthreads do,
so no test needs ``clock.paused()`` to be deterministic.
"""

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


class TestInteraction(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture())
        self.events = []

    def note(self, what):
        self.events.append((self.clock.now(), what))

    def test_retry_decorator_inside_a_loop(self):
        failures = iter([True, True, False, False])

        @loopingcall.RetryDecorator(max_retry_count=5, inc_sleep_time=10,
                                    max_sleep_time=60,
                                    exceptions=(KeyError,))
        def fetch():
            self.note('fetch')
            if next(failures):
                raise KeyError()
            return 'data'

        def f():
            self.note(fetch())
            if len(self.events) > 4:
                raise loopingcall.LoopingCallDone()

        timer = loopingcall.FixedIntervalLoopingCall(f)
        self.run_until_done(timer.start(60))
        # The first run retried at 10 and 30 (sleeps 10, 20), so it took 30
        # of its 60 seconds; the second run is still due at 60.
        self.assertEqual([(0, 'fetch'), (10, 'fetch'), (30, 'fetch'),
                          (30, 'data'), (60, 'fetch'), (60, 'data')],
                         self.events)

    def test_loops_started_from_a_loop(self):
        inner_runs = []

        def inner():
            self.note('inner')
            inner_runs.append(1)
            if len(inner_runs) == 3:
                raise loopingcall.LoopingCallDone()

        def outer():
            self.note('outer')
            if len(self.events) == 1:
                loopingcall.FixedIntervalLoopingCall(inner).start(5)
                return 100
            raise loopingcall.LoopingCallDone()

        timer = loopingcall.DynamicLoopingCall(outer)
        self.run_until_done(timer.start())
        self.assertEqual([(0, 'outer'), (0, 'inner'), (5, 'inner'),
                          (10, 'inner'), (100, 'outer')], self.events)

    def test_one_loop_stopping_another(self):
        a = loopingcall.FixedIntervalLoopingCall(lambda: self.note('a'))

        def stop_a():
            self.note('stop a')
            a.stop()
            raise loopingcall.LoopingCallDone()

        done_a = a.start(10)
        done_b = loopingcall.FixedIntervalLoopingCall(stop_a).start(
            60, initial_delay=25)
        self.assertIs(True, self.run_until_done(done_a))
        self.assertIs(True, self.run_until_done(done_b))
        self.assertEqual([(0, 'a'), (10, 'a'), (20, 'a'), (25, 'stop a')],
                         self.events)
        # The stopped loop was due at 30: the clock never went there.
        self.assertEqual(25, self.clock.now())

    def test_a_loop_waiting_for_another(self):
        def child():
            self.note('child')
            raise loopingcall.LoopingCallDone('grown')

        def parent():
            timer = loopingcall.FixedIntervalLoopingCall(child)
            timer.start(1, initial_delay=40)
            self.note(timer.wait())
            raise loopingcall.LoopingCallDone()

        done = loopingcall.FixedIntervalLoopingCall(parent).start(10)
        self.run_until_done(done)
        self.assertEqual([(40, 'child'), (40, 'grown')], self.events)

    def test_several_loops_share_one_clock_in_a_fixed_order(self):
        def runner(name, n):
            runs = []

            def f():
                runs.append(1)
                self.note(name)
                if len(runs) == n:
                    raise loopingcall.LoopingCallDone(name)
            return f

        timers = [loopingcall.FixedIntervalLoopingCall(runner(name, n))
                  for name, n in (('a', 4), ('b', 3), ('c', 2))]
        dones = [timers[0].start(10), timers[1].start(15, initial_delay=5),
                 timers[2].start(20)]
        self.assertEqual(['a', 'b', 'c'],
                         [self.run_until_done(done) for done in dones])
        # Loops due at the same time run in the order they began idling
        # (c at 0, b at 5, a at 10), as eventlet's timers fire.
        self.assertEqual([(0, 'a'), (0, 'c'), (5, 'b'), (10, 'a'),
                          (20, 'c'), (20, 'b'), (20, 'a'), (30, 'a'),
                          (35, 'b')], self.events)
        self.assertEqual(
            [(timers[0], 0, 10), (timers[1], 0, 5), (timers[2], 0, 20)],
            [tuple(record) for record in self.clock.records[:3]])
