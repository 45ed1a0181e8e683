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

"""Parity: start, stop, wait and restart (P03-P17).
"""

import threading
import time
from unittest import mock

import eventlet

from tests.parity.base import FIXED
from tests.parity.base import LOOPS
from tests.parity.base import MOCK_NAME
from tests.parity.base import ParityTestCase
from tests.parity.base import RUN_ONLY_ONE
from tests.parity.base import sleeping_task


class TestLifecycle(ParityTestCase):
    """start(), stop(), wait() and the done event (P03-P17)."""

    def test_p03_start_returns_new_done_event_and_defers_f(self):
        """P03: start() returns timer.done, a new Event; f runs later.

        With native threads the done event is a ThreadDone, and f runs in
        the loop's own thread, never inside start().
        """
        me = self.current()
        for name, _kind, kwargs, _keep in LOOPS:
            ran_in = []
            outcomes = iter([self.done('one'), self.done('two')])

            def run(ran_in=ran_in, outcomes=outcomes):
                ran_in.append(self.current())
                raise next(outcomes)

            f = mock.Mock(side_effect=run)
            timer = self.loop_class(name)(f)
            first = timer.start(**kwargs)
            self.assertIs(timer.done, first, name)
            self.assertIsInstance(first, self.done_class, name)
            if self.green:
                self.assertEqual(0, f.call_count, name)
            self.let_run(lambda f=f: f.call_count == 1, name)
            self.assertEqual('one', self.run_until_done(first), name)
            self.assertEqual(1, f.call_count, name)
            self.assertEqual(1, len(ran_in), name)
            self.assertIsNot(me, ran_in[0], name)
            second = timer.start(**kwargs)
            self.assertIsNot(first, second, name)
            self.assertIs(timer.done, second, name)
            self.assertEqual('two', self.run_until_done(second), name)

    def test_p04_first_run_without_initial_delay_is_immediate(self):
        """P04: f runs at once, not after one interval."""
        sleep = self.patch_sleep()
        for name, _kind, kwargs, _keep in LOOPS:
            f = mock.Mock(side_effect=self.done('ran'))
            timer = self.loop_class(name)(f)
            self.assertEqual('ran', self.run_until_done(timer.start(**kwargs)),
                             name)
            sleep.assert_not_called()

    def test_p04_first_run_precedes_a_long_real_interval(self):
        """P04: with a real 30 s interval, f has run once after one yield."""
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            event = self.start_and_yield(timer, **kwargs)
            self.assertEqual(1, f.call_count, name)
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)
            self.assertEqual(1, f.call_count, name)

    def test_p05_args_kw_and_attributes(self):
        """P05: f(*args, **kw); attributes set before start() are used."""
        self.patch_sleep()
        for name, _kind, kwargs, keep in LOOPS:
            cls = self.loop_class(name)
            f = mock.Mock(side_effect=[keep, self.done('end')])
            if self.reference and name == 'BackOffLoopingCall':
                # D20: positional args break the reference's constructor.
                timer = self.make(name, f, 1, 2, a=3)
            else:
                timer = cls(f, 1, 2, a=3)
            self.assertIs(f, timer.f, name)
            self.assertEqual((1, 2), timer.args, name)
            self.assertEqual({'a': 3}, timer.kw, name)
            self.assertEqual('end', self.run_until_done(timer.start(**kwargs)),
                             name)
            self.assertEqual([mock.call(1, 2, a=3)] * 2, f.call_args_list,
                             name)

            f = mock.Mock(side_effect=[keep, self.done('end')])
            timer = cls()
            timer.f, timer.args, timer.kw = f, ('x',), {'y': 1}
            self.assertEqual('end', self.run_until_done(timer.start(**kwargs)),
                             name)
            self.assertEqual([mock.call('x', y=1)] * 2, f.call_args_list,
                             name)

    def test_p05_args_reread_each_run_but_f_fixed_at_start(self):
        """P05: new args/kw apply at the next run; a new f does not."""
        sleep = self.patch_sleep()
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(side_effect=[keep, self.done('end')])
            other = mock.Mock(side_effect=self.done('other'))
            timer = self.make(name, f, 1, a=2)

            def swap(idle):
                timer.args, timer.kw, timer.f = (9,), {'b': 8}, other

            sleep.side_effect = swap
            self.assertEqual('end', self.run_until_done(timer.start(**kwargs)),
                             name)
            self.assertEqual([mock.call(1, a=2), mock.call(9, b=8)],
                             f.call_args_list, name)
            other.assert_not_called()

    def test_p06_mock_as_f_named_in_logs(self):
        """P06: a Mock works as f and is logged as 'unittest.mock.Mock'."""
        self.patch_sleep()
        self.patch_elapsed(return_value=0)
        error = ValueError('boom')
        f = mock.Mock(side_effect=[None, error])
        timer = self.lc.FixedIntervalLoopingCall(f)
        raised = self.assertRaises(ValueError, self.run_until_done,
                                   timer.start(interval=30))
        self.assertIs(error, raised)
        self.assertEqual(
            [self.line('TRACE', "%s '%s' sleeping for 30.00 seconds"
                       % (FIXED, MOCK_NAME)),
             self.line('ERROR', "%s '%s' failed" % (FIXED, MOCK_NAME))],
            self.lines(5))

    def test_p07_looping_call_done_values(self):
        """P07: wait() returns LoopingCallDone's retvalue, True by default."""
        for name, _kind, kwargs, _keep in LOOPS:
            for done, expected in ((self.lc.LoopingCallDone(), True),
                                   (self.done(None), None),
                                   (self.done(False), False)):
                timer = self.loop_class(name)(mock.Mock(side_effect=done))
                self.assertIs(expected,
                              self.run_until_done(timer.start(**kwargs)),
                              name)

    def test_p08_wait_before_start_raises_attribute_error(self):
        """P08: wait() before start() raises AttributeError at once."""
        for name, _kind, _kwargs, _keep in LOOPS:
            timer = self.loop_class(name)(mock.Mock())
            raised = self.assertRaises(AttributeError, timer.wait)
            self.assertEqual("'NoneType' object has no attribute 'wait'",
                             str(raised), name)

    def test_p09_stop_before_start_has_no_effect(self):
        """P09: start() clears an earlier stop(); the loop runs."""
        sleep = self.patch_sleep()
        for name, _kind, kwargs, keep in LOOPS:
            sleep.reset_mock()
            f = mock.Mock(side_effect=[keep] * 4 + [self.done('ran')])
            timer = self.loop_class(name)(f)
            timer.stop()
            self.assertEqual('ran', self.run_until_done(timer.start(**kwargs)),
                             name)
            self.assertEqual(5, f.call_count, name)
            self.assertEqual(4, sleep.call_count, name)

    def test_p10_stop_after_completion_is_harmless(self):
        """P10: stop() twice after the loop ended; wait() keeps its result."""
        for name, _kind, kwargs, _keep in LOOPS:
            timer = self.loop_class(name)(
                mock.Mock(side_effect=self.done('result')))
            self.assertEqual('result',
                             self.run_until_done(timer.start(**kwargs)), name)
            timer.stop()
            timer.stop()
            self.assertEqual('result', timer.wait(), name)
            self.assertEqual('result', timer.wait(), name)

    def test_p10_stop_twice_while_running(self):
        """P10: a second stop() raises nothing; wait() stays True."""
        for name, _kind, kwargs, keep in LOOPS:
            timer = self.loop_class(name)(mock.Mock(return_value=keep))
            event = self.start_and_yield(timer, **kwargs)
            timer.stop()
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)
            timer.stop()
            self.assertIs(True, timer.wait(), name)

    def test_p11_stop_wakes_a_sleeping_loop(self):
        """P11: stop() during a 30 s idle ends the loop at once."""
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            event = self.start_and_yield(timer, **kwargs)
            began = time.monotonic()
            timer.stop()
            # Bounded at 10 s: a loop that slept its interval would take
            # 30, and an overbooked machine takes well under 10.
            self.assertIs(True, self.run_until_done(event, timeout=10), name)
            self.assertLess(time.monotonic() - began, 10, name)
            self.assertEqual(1, f.call_count, name)

    def test_p12_stop_during_initial_delay(self):
        """P12: stop() during initial_delay: f never runs, wait() True."""
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            event = self.start_and_yield(timer, initial_delay=30, **kwargs)
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)
            f.assert_not_called()

    def test_p13_stop_inside_f_skips_the_idle_policy(self):
        """P13: stop() in f: no sleep, no overrun warning, no policy error."""
        sleep = self.patch_sleep()
        # An overrun that would warn for the fixed intervals.
        self.patch_elapsed(return_value=100)
        for name, _kind, kwargs, _keep in LOOPS:
            timer = self.loop_class(name)()
            # f returns None: Dynamic's policy would raise RuntimeError and
            # BackOff's would back off, if they were consulted.
            timer.f = mock.Mock(side_effect=lambda: timer.stop())
            self.assertIs(True, self.run_until_done(timer.start(**kwargs)),
                          name)
            self.assertEqual(1, timer.f.call_count, name)
        sleep.assert_not_called()
        self.assertEqual([], self.lines())

    def test_p13_stop_inside_f_beats_an_elapsed_timeout(self):
        """P13: FixedWithTimeout stopped in f returns True, not a timeout."""
        timer = self.lc.FixedIntervalWithTimeoutLoopingCall()

        def f():
            sleeping_task(0.02)
            timer.stop()

        timer.f = f
        self.assertIs(True, self.run_until_done(
            timer.start(interval=30, timeout=0.01)))
        self.assertEqual([], self.lines())

    def test_p13_stop_inside_f_then_done_or_raise(self):
        """P13: after stop() in f, f's LoopingCallDone or error still wins."""
        error = ValueError('boom')
        for name, _kind, kwargs, _keep in LOOPS:
            for outcome in (self.done('val'), error):
                timer = self.loop_class(name)()

                def f(outcome=outcome, timer=timer):
                    timer.stop()
                    raise outcome

                timer.f = f
                event = timer.start(**kwargs)
                if outcome is error:
                    raised = self.assertRaises(ValueError,
                                               self.run_until_done, event)
                    self.assertIs(error, raised, name)
                else:
                    self.assertEqual('val', self.run_until_done(event), name)

    def test_p14_start_while_running_raises_runtime_error(self):
        """P14: a second start() raises RuntimeError with the class text."""
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            settle = self.idling(timer)
            event = timer.start(**kwargs)
            # Before the loop first ran (native threads: whenever), and
            # while it sleeps.
            raised = self.assertRaises(RuntimeError, timer.start, **kwargs)
            self.assertEqual(RUN_ONLY_ONE[name], str(raised))
            settle()
            raised = self.assertRaises(RuntimeError, timer.start, **kwargs)
            self.assertEqual(RUN_ONLY_ONE[name], str(raised))
            self.assertIs(event, timer.done, name)
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)
            self.assertEqual(1, f.call_count, name)

    def test_p15_start_after_stop_while_f_still_runs(self):
        """P15: start() after stop() but before f returned: RuntimeError."""
        for name, _kind, kwargs, keep in LOOPS:
            release = self.gate()
            f = mock.Mock(side_effect=release.wait)
            timer = self.loop_class(name)(f)
            event = timer.start(**kwargs)
            self.let_run(lambda f=f: f.call_count == 1, 'f runs')
            timer.stop()
            raised = self.assertRaises(RuntimeError, timer.start, **kwargs)
            self.assertEqual(RUN_ONLY_ONE[name], str(raised))
            release.open(keep)
            self.assertIs(True, self.run_until_done(event), name)
            # Once the old loop is over, a restart works (P16).
            f.side_effect = self.done('again')
            self.assertEqual('again',
                             self.run_until_done(timer.start(**kwargs)), name)

    def test_p16_restart_right_after_wait(self):
        """P16: _thread is cleared before wait() returns; restart works."""
        for name, _kind, kwargs, _keep in LOOPS:
            # Held until _thread is checked: a native thread could end
            # the loop first.
            started = self.gate()
            outcomes = iter([self.done('one'), self.done('two')])

            def f(started=started, outcomes=outcomes):
                started.wait()
                raise next(outcomes)

            timer = self.loop_class(name)(f)
            first = timer.start(**kwargs)
            self.assertIsNotNone(timer._thread, name)
            started.open()
            self.assertEqual('one', self.run_until_done(first), name)
            self.assertIsNone(timer._thread, name)
            second = timer.start(**kwargs)
            self.assertIsNot(first, second, name)
            self.assertEqual('two', self.run_until_done(second), name)
            self.assertEqual('one', first.wait(), name)

    def test_p16_restart_after_stop_and_wait(self):
        """P16: restart after stop() + wait()."""
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            event = self.start_and_yield(timer, **kwargs)
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)
            event = self.start_and_yield(timer, **kwargs)
            self.assertEqual(2, f.call_count, name)
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)

    def test_p16_restart_after_kill(self):
        """P16: killing the loop's greenthread frees it for a restart."""
        self.eventlet_only('a native thread cannot be killed')
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            self.start_and_yield(timer, **kwargs)
            timer._thread.kill()
            self.assertIsNone(timer._thread, name)
            # The killed loop's event is left alone: the reference never
            # resolves it (D02).
            event = self.start_and_yield(timer, **kwargs)
            self.assertEqual(2, f.call_count, name)
            timer.stop()
            self.assertIs(True, self.run_until_done(event), name)

    def _wait_in_parallel(self, timer, count=3):
        """Block ``count`` greenthreads (or threads) in ``timer.wait()``.

        Returns a function that collects their outcomes, in order.
        """
        def waiter():
            try:
                return 'returned', timer.wait()
            except ValueError as exc:
                return 'raised', exc

        if self.green:
            threads = [eventlet.spawn(waiter) for _ in range(count)]
            eventlet.sleep(0)
            return lambda: self.call_bounded(
                lambda: [thread.wait() for thread in threads])
        results = [None] * count

        def run(i):
            results[i] = waiter()

        threads = [threading.Thread(target=run, args=(i,), daemon=True)
                   for i in range(count)]
        for thread in threads:
            thread.start()
        # All of them blocked in the wait before the loop ends (the
        # waiters of a ThreadDone wait on its threading.Event).
        waiters = timer.done._event._cond._waiters
        self.wait_for(lambda: len(waiters) == count, what='waiters')

        def collect():
            for thread in threads:
                thread.join(5)
                self.assertFalse(thread.is_alive(), 'a waiter hangs')
            return results

        return collect

    def test_p17_all_waiters_get_the_result(self):
        """P17: several greenthreads (threads) in wait() get the result."""
        for name, _kind, kwargs, _keep in LOOPS:
            release = self.gate()

            def f(release=release):
                raise release.wait()

            timer = self.loop_class(name)(f)
            timer.start(**kwargs)
            collect = self._wait_in_parallel(timer)
            release.open(self.done('result'))
            results = collect()
            self.assertEqual([('returned', 'result')] * 3, results, name)
            self.assertEqual('result', timer.wait(), name)

    def test_p17_all_waiters_get_the_same_exception(self):
        """P17: on failure every wait() raises the very same instance."""
        for name, _kind, kwargs, _keep in LOOPS:
            release = self.gate()
            error = ValueError(name)

            def f(release=release, error=error):
                release.wait()
                raise error

            timer = self.loop_class(name)(f)
            timer.start(**kwargs)
            collect = self._wait_in_parallel(timer)
            release.open()
            results = collect()
            self.assertEqual(['raised'] * 3, [r[0] for r in results], name)
            for _outcome, raised in results:
                self.assertIs(error, raised, name)
            for _again in range(2):
                self.assertIs(error,
                              self.assertRaises(ValueError, timer.wait), name)
