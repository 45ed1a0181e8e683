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

"""Seeing the loops: running_loops(), repr(), thread and frame names."""

import functools
import gc
import sys
import threading
import traceback
from unittest import mock
import weakref

import fixtures
import testtools

import oslo_loopingcall
from oslo_loopingcall._backends import loops as _registry
from oslo_loopingcall import _loop
from oslo_loopingcall import _naming
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


def poll():
    pass


class Service:

    def report_state(self):
        pass


def ours(loops):
    """Only the loops of this test (others may run in the process)."""
    return [loop for loop in loops if getattr(loop, 'mine', False)]


def mine(timer):
    timer.mine = True
    return timer


class TestRunningLoops(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture())

    def test_listed_from_start_to_end_in_start_order(self):
        fixed = mine(loopingcall.FixedIntervalLoopingCall(poll))
        dynamic = mine(loopingcall.DynamicLoopingCall(lambda: 60))
        self.assertEqual([], ours(oslo_loopingcall.running_loops()))
        with self.clock.paused():
            dynamic.start()
            fixed.start(60)
        self.assertEqual([dynamic, fixed],
                         ours(oslo_loopingcall.running_loops()))
        dynamic.stop()
        self.run_until_done(dynamic.done)
        self.assertEqual([fixed], ours(oslo_loopingcall.running_loops()))
        fixed.stop()
        self.run_until_done(fixed.done)
        self.assertEqual([], ours(oslo_loopingcall.running_loops()))

    def test_a_restarted_loop_is_listed_again(self):
        timer = mine(loopingcall.FixedIntervalLoopingCall(_done_at_once))
        self.run_until_done(timer.start(60))
        self.assertEqual([], ours(oslo_loopingcall.running_loops()))
        timer.f = poll
        done = timer.start(60)
        self.assertEqual([timer], ours(oslo_loopingcall.running_loops()))
        timer.stop()
        self.run_until_done(done)

    def test_a_stopping_loop_is_still_running(self):
        seen = []

        def f():
            timer.stop()
            seen.append(ours(oslo_loopingcall.running_loops()))

        timer = mine(loopingcall.FixedIntervalLoopingCall(f))
        self.run_until_done(timer.start(60))
        self.assertEqual([[timer]], seen)

    def test_retry_decorator_calls_are_not_listed(self):
        seen = []

        @loopingcall.RetryDecorator(max_retry_count=1, inc_sleep_time=1,
                                    exceptions=(KeyError,))
        def flaky():
            seen.append(oslo_loopingcall.running_loops())
            if len(seen) == 1:
                raise KeyError()

        flaky()
        self.assertEqual([[], []], [ours(loops) for loops in seen])

    def test_the_same_function_at_the_package_root_and_in_reports(self):
        self.assertIs(oslo_loopingcall.reports.running_loops,
                      oslo_loopingcall.running_loops)


def _fail():
    raise ValueError('boom')


class TestNeverKeptAlive(base.TestCase):

    def assertFreed(self, ref):
        for _ in range(3):
            gc.collect()
            self.yield_()
        self.assertIsNone(ref(), 'the loop is still referred to')

    def test_a_loop_and_its_handle_do_not_hold_each_other(self):
        # Freed by reference counting alone, never started or ended: the
        # garbage collector is not needed (nor paid for) to free loops.
        self.addCleanup(gc.enable)
        gc.disable()
        refs = []
        for start in (False, True):
            timer = loopingcall.FixedIntervalLoopingCall(_done_at_once)
            if start:
                self.run_until_done(timer.start(0))
            refs.append(weakref.ref(timer))
            del timer
        for _ in range(3):
            self.yield_()
        self.assertEqual([None, None], [ref() for ref in refs])

    def test_an_ended_loop_is_freed(self):
        timer = loopingcall.FixedIntervalLoopingCall(_done_at_once)
        self.run_until_done(timer.start(0))
        ref = weakref.ref(timer)
        del timer
        self.assertFreed(ref)

    def test_a_loop_dropped_after_stop_is_freed(self):
        with fixture.VirtualTimeFixture():
            timer = loopingcall.DynamicLoopingCall(lambda: 60)
            done = timer.start()
            timer.stop()
            self.run_until_done(done)
        ref = weakref.ref(timer)
        del timer, done
        self.assertFreed(ref)

    def test_listed_only_while_its_greenthread_or_thread_runs(self):
        # The registry refers to a loop only as long as the loop's own
        # greenthread or thread does: from start() until the outcome is
        # delivered, however the run ends.
        for end in ('done', 'stop', 'failure'):
            # Told when to end: a native thread would otherwise end before
            # the test looks.
            told = threading.Event()
            f = {'done': _done_at_once, 'stop': poll, 'failure': _fail}[end]
            timer = loopingcall.FixedIntervalLoopingCall(
                lambda: told.wait(10) and f())
            done = timer.start(60)
            self.assertIn(timer, oslo_loopingcall.running_loops())
            told.set()
            if end == 'stop':
                timer.stop()
            try:
                self.run_until_done(done)
            except ValueError:
                pass
            self.assertNotIn(timer, [handle.owner for handle
                                     in _registry._loops.values()])
            ref = weakref.ref(timer)
            del timer, done
            self.assertFreed(ref)

    def test_the_registry_gives_back_its_table_after_a_peak(self):
        # A dict never shrinks by itself: the registry drops its table
        # when the last loop ends.
        with fixture.VirtualTimeFixture():
            timers = [loopingcall.DynamicLoopingCall(lambda: 60)
                      for _ in range(100)]
            events = [timer.start() for timer in timers]
            peak = sys.getsizeof(_registry._loops)
            for timer in timers:
                timer.stop()
            for done in events:
                self.run_until_done(done)
        self.assertEqual({}, _registry._loops)
        self.assertGreater(peak, 4 * sys.getsizeof({}))
        self.assertEqual(sys.getsizeof({}), sys.getsizeof(_registry._loops))

    def test_a_loop_killed_before_its_first_run_is_freed(self):
        self.eventlet_only('a native thread cannot be killed')
        timer = loopingcall.FixedIntervalLoopingCall(poll)
        done = timer.start(60)
        timer._thread.kill()
        self.assertTrue(done.ready())
        self.assertNotIn(timer, oslo_loopingcall.running_loops())
        ref = weakref.ref(timer)
        del timer, done
        self.assertFreed(ref)


class TestRepr(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture(
            autojump=False))

    def idled(self, timer, count=1):
        self.wait_for(lambda: len(self.clock.idle_times_of(timer)) >= count,
                      what='the loop idling')

    def test_before_start(self):
        self.assertEqual(
            "<FixedIntervalLoopingCall 'tests.test_observing.poll' new>",
            repr(loopingcall.FixedIntervalLoopingCall(poll)))
        self.assertEqual('<DynamicLoopingCall f=None new>',
                         repr(loopingcall.DynamicLoopingCall()))

    def test_fixed_interval_shows_the_interval(self):
        timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(
            Service().report_state)
        done = timer.start(2.5)
        self.idled(timer)
        self.assertEqual(
            "<FixedIntervalWithTimeoutLoopingCall "
            "'tests.test_observing.Service.report_state' sleeping "
            "interval=2.5>", repr(timer))
        timer.stop()
        self.run_until_done(done)
        self.assertIn(' done interval=2.5>', repr(timer))

    def test_others_show_when_they_run_next(self):
        timer = loopingcall.DynamicLoopingCall(lambda: 7.25)
        done = timer.start()
        self.idled(timer)
        self.clock.advance(2)
        self.assertRegex(repr(timer), r"^<DynamicLoopingCall "
                         r"'tests\.test_observing\..*<lambda>' sleeping "
                         r"next_run_in=5\.25>$")
        timer.stop()
        self.run_until_done(done)
        self.assertRegex(repr(timer), r"' done>$")

    def test_running_stopping_failed(self):
        seen = []

        def f():
            seen.append(repr(timer))
            timer.stop()
            seen.append(repr(timer))
            raise ValueError()

        timer = loopingcall.BackOffLoopingCall(f)
        self.assertRaises(ValueError, self.run_until_done, timer.start())
        name = "'tests.test_observing.TestRepr.test_running_stopping_failed." \
               "<locals>.f'"
        self.assertEqual([f'<BackOffLoopingCall {name} running>',
                          f'<BackOffLoopingCall {name} stopping>'], seen)
        self.assertEqual(f'<BackOffLoopingCall {name} failed>', repr(timer))


class TestNames(base.TestCase):

    def frame_names(self, timer):
        """The function names on the stack of the loop's thread."""
        thread = timer._thread
        if self.green:
            frame = thread.gr_frame
        else:
            frame = sys._current_frames()[thread.ident]
        return [entry.name for entry in traceback.extract_stack(frame)]

    def idle_loop(self, f):
        timer = loopingcall.FixedIntervalLoopingCall(f)
        done = timer.start(3600)
        self.wait_for(lambda: timer.statistics['runs'] == 1,
                      what='the first run')
        # Idle now: its stack stays as it is.
        self.addCleanup(self.run_until_done, done)
        self.addCleanup(timer.stop)
        return timer

    def test_the_stack_says_which_loop_it_is(self):
        timer = self.idle_loop(Service().report_state)
        self.assertIn(
            'loopingcall:tests.test_observing.Service.report_state',
            self.frame_names(timer))

    def test_native_threads_are_named_after_the_loop(self):
        if self.green:
            self.skipTest('native-thread mode only: greenthreads have no '
                          'name, only their stack')
        timer = self.idle_loop(poll)
        self.assertEqual('loopingcall:tests.test_observing.poll',
                         timer._thread.name)

    def test_callables_without_a_qualified_name(self):
        timer = self.idle_loop(functools.partial(poll))
        self.assertIn('loopingcall:functools.partial',
                      self.frame_names(timer))

    def test_one_labelled_copy_per_name_and_a_bound(self):
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_loopingcall._naming._labelled', {}))
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_loopingcall._naming._MAX_LABELLED', 2))

        def run(a, b=2, *, c=3):
            return a, b, c

        first = _naming.labelled(run, poll)
        self.assertIs(first, _naming.labelled(run, poll))
        self.assertEqual('loopingcall:tests.test_observing.poll',
                         first.__code__.co_name)
        self.assertEqual((1, 2, 3), first(1))
        self.assertIsNot(run, _naming.labelled(run, Service.report_state))
        # Full: further names run unlabelled.
        self.assertIs(run, _naming.labelled(run, mock.Mock()))


def _done_at_once():
    raise loopingcall.LoopingCallDone()


class TestReprNumbers(testtools.TestCase):

    def test_d25_seconds_over_the_whole_range(self):
        for seconds, text in ((-0.0004, '0'), (0.0004, '0'), (-3, '-3'),
                              (5.25, '5.25'), (float('inf'), 'inf')):
            self.assertEqual(text, _loop._seconds(seconds), seconds)
