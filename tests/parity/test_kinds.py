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

"""Parity: what each kind of looping call idles (P21-P36).
"""

import random
import time
from unittest import mock

import fixtures

from tests.parity.base import DYNAMIC
from tests.parity.base import LOOPS
from tests.parity.base import MOCK_NAME
from tests.parity.base import ParityTestCase
from tests.parity.base import sleeping_task
from tests.parity.base import TIMEOUT_MESSAGE


class TestFixedInterval(ParityTestCase):
    """The fixed interval policies (P24-P28)."""

    FIXED_LOOPS = ('FixedIntervalLoopingCall',
                   'FixedIntervalWithTimeoutLoopingCall')

    def _run(self, name, elapsed, interval):
        sleep = self.patch_sleep()
        self.patch_elapsed(side_effect=elapsed)
        f = mock.Mock(side_effect=[None] * len(elapsed) + [self.done('x')])
        timer = self.loop_class(name)(f)
        self.assertEqual('x', self.run_until_done(
            timer.start(interval=interval)))
        return sleep

    def test_p24_overrun_warning_threshold(self):
        """P24: warn iff round(elapsed - interval, 2) > 0 (5 ms)."""
        warning = self.line(
            'WARNING', "Function '%s' run outlasted interval by 0.01 sec"
            % MOCK_NAME)
        for name in self.FIXED_LOOPS:
            self.handler.records.clear()
            sleep = self._run(name, [1.004, 1.006, 0.5], interval=1)
            self.assertSleeps([0, 0, 0.5], sleep, message=name)
            records = self.error_records()
            self.assertEqual([warning], [
                '%s %s %s' % (r.levelname, r.name, r.getMessage())
                for r in records], name)

    def test_p24_overrun_warning_with_zero_interval(self):
        """P24: interval 0 warns for any run of 5 ms or more."""
        for name in self.FIXED_LOOPS:
            self.handler.records.clear()
            sleep = self._run(name, [0.004, 0.006, 0.25, 0], interval=0)
            self.assertSleeps([0, 0, 0, 0], sleep, message=name)
            self.assertEqual(
                ["Function '%s' run outlasted interval by %s sec"
                 % (MOCK_NAME, delay) for delay in ('0.01', '0.25')],
                [r.getMessage() for r in self.error_records()], name)

    def test_p24_negative_interval(self):
        """P24: the reference warns by abs(interval) and never sleeps."""
        for name in self.FIXED_LOOPS:
            self.handler.records.clear()
            if not self.reference:
                # Decision on D08/D17/D18: a negative interval is rejected
                # in start(), naming the parameter, before anything runs.
                timer = self.loop_class(name)(mock.Mock())
                raised = self.assertRaises(ValueError, timer.start,
                                           interval=-0.5)
                self.assertIn('interval', str(raised))
                self.assertIsNone(timer._thread)
                continue
            sleep = self._run(name, [0, 0], interval=-0.5)
            self.assertSleeps([0, 0], sleep, message=name)
            self.assertEqual(
                ["Function '%s' run outlasted interval by 0.50 sec"
                 % MOCK_NAME] * 2,
                [r.getMessage() for r in self.error_records()], name)

    def test_p25_interval_adjustment(self):
        """P25: oslo's test_interval_adjustment, for both fixed loops."""
        for name in self.FIXED_LOOPS:
            sleep = self._run(name, [0.99, 2.0, 1.01], interval=1.01)
            # No sleep after the last run (the one raising Done).
            self.assertSleeps([0.02, 0, 0], sleep, message=name)

    def test_p25_patched_seams_reach_all_four_classes(self):
        """P25: _sleep/_elapsed patched on LoopingCallBase affect all."""
        sleep = self.patch_sleep()
        self.patch_elapsed(return_value=10)
        # The fixed intervals subtract the (patched) run time.
        expected = {'FixedIntervalLoopingCall': 20,
                    'FixedIntervalWithTimeoutLoopingCall': 20,
                    'DynamicLoopingCall': 30, 'BackOffLoopingCall': 30}
        for name, _kind, kwargs, keep in LOOPS:
            sleep.reset_mock()
            timer = self.loop_class(name)(
                mock.Mock(side_effect=[keep, self.done()]))
            self.run_until_done(timer.start(**kwargs))
            self.assertEqual([mock.call(expected[name])],
                             sleep.call_args_list, name)

    def test_p26_initial_delay_is_one_sleep_before_the_first_run(self):
        """P26: initial_delay slept once through _sleep, before f."""
        sleep = self.patch_sleep()
        for name, _kind, kwargs, _keep in LOOPS:
            sleep.reset_mock()
            seen = []

            def f(seen=seen):
                seen.append(list(sleep.call_args_list))
                raise self.done()

            timer = self.loop_class(name)(f)
            self.run_until_done(timer.start(initial_delay=3, **kwargs))
            self.assertEqual([[mock.call(3)]], seen, name)
            self.assertEqual([mock.call(3)], sleep.call_args_list, name)

    def test_p26_zero_or_none_initial_delay_does_not_sleep(self):
        """P26: initial_delay 0 or None: no sleep call at all."""
        sleep = self.patch_sleep()
        for name, _kind, kwargs, _keep in LOOPS:
            for delay in (0, None):
                timer = self.loop_class(name)(
                    mock.Mock(side_effect=self.done()))
                self.run_until_done(timer.start(initial_delay=delay,
                                                **kwargs))
        sleep.assert_not_called()

    def test_p27_zero_or_negative_timeout_means_none(self):
        """P27: FixedWithTimeout timeout 0 (default) or < 0: no timeout."""
        self.patch_sleep()
        for timeout in ({}, {'timeout': 0}, {'timeout': -1}):
            # Each run blocks 2 ms, so any enforced timeout <= 0 would fire.
            f = mock.Mock(side_effect=[None, None, self.done('x')])
            calls = []

            def task(f=f):
                sleeping_task(0.002)
                calls.append(1)
                return f()

            timer = self.lc.FixedIntervalWithTimeoutLoopingCall(task)
            self.assertEqual('x', self.run_until_done(
                timer.start(interval=30, **timeout)), timeout)
            self.assertEqual(3, len(calls))
        self.assertEqual([], self.lines())

    def test_p28_timeout_counts_from_start_including_initial_delay(self):
        """P28: initial_delay counts toward the timeout: 1 run, then out."""
        # A blocking initial delay makes the elapsed time certain.
        sleep = self.patch_sleep(side_effect=time.sleep)
        self.patch_elapsed(return_value=0)
        f = mock.Mock(return_value=None)
        timer = self.lc.FixedIntervalWithTimeoutLoopingCall(f)
        raised = self.assertRaises(
            self.lc.LoopingCallTimeOut, self.run_until_done,
            timer.start(interval=30, initial_delay=0.05, timeout=0.01))
        self.assertEqual(1, f.call_count)
        self.assertEqual([mock.call(0.05)], sleep.call_args_list)
        match = TIMEOUT_MESSAGE.match(str(raised))
        self.assertIsNotNone(match, str(raised))
        self.assertGreaterEqual(float(match.group(1)), 0.05)


class TestDynamic(ParityTestCase):

    def test_p29_dynamic_sleeps_with_maximum(self):
        """P29: suggestion capped by the maximum; None -> max; 0 and True."""
        sleep = self.patch_sleep()
        f = mock.Mock(side_effect=[100, None, 0, True, 2.5, self.done()])
        timer = self.lc.DynamicLoopingCall(f)
        self.run_until_done(timer.start(periodic_interval_max=5))
        self.assertEqual([mock.call(5), mock.call(5), mock.call(0),
                          mock.call(True), mock.call(2.5)],
                         sleep.call_args_list)
        self.assertIs(True, sleep.call_args_list[3].args[0])

    def test_p29_dynamic_sleeps_without_maximum(self):
        """P29: no cap without a maximum; values passed as they are."""
        sleep = self.patch_sleep()
        f = mock.Mock(side_effect=[100, 0, True, 2.5, self.done()])
        timer = self.lc.DynamicLoopingCall(f)
        self.run_until_done(timer.start())
        self.assertEqual([mock.call(100), mock.call(0), mock.call(True),
                          mock.call(2.5)], sleep.call_args_list)
        self.assertIs(True, sleep.call_args_list[2].args[0])

    def test_p29_dynamic_non_number_ends_the_loop(self):
        """P29: a non-number suggestion ends the loop with TypeError."""
        for kwargs in ({'periodic_interval_max': 5}, {}):
            self.handler.records.clear()
            f = mock.Mock(return_value='soon')
            timer = self.lc.DynamicLoopingCall(f)
            self.assertRaises(TypeError, self.run_until_done,
                              timer.start(**kwargs))
            self.assertEqual(1, f.call_count, kwargs)
            self.assertEqual(
                ["%s '%s' failed" % (DYNAMIC, MOCK_NAME)],
                [r.getMessage() for r in self.error_records()], kwargs)


class TestBackOff(ParityTestCase):
    """BackOffLoopingCall (P30-P36, P44)."""

    SEQUENCE = [1.6, 2.4000000000000004, 3.6, 5.4, 8.1, 12.15, 18.225,
                27.337500000000002, 41.00625, 61.509375000000006,
                92.26406250000001]

    def setUp(self):
        super().setUp()
        self.sleep = self.patch_sleep()
        # D16: we also count f's measured run time toward the timeout; a
        # zero run time keeps the budget, hence the sequences, identical.
        self.patch_elapsed(return_value=0)

    def _run(self, results, **kwargs):
        f = mock.Mock(side_effect=results)
        timer = self.lc.BackOffLoopingCall(f)
        return timer, self.run_until_done(timer.start(**kwargs))

    def _times_out(self, **kwargs):
        timer = self.lc.BackOffLoopingCall(mock.Mock(return_value=False))
        raised = self.assertRaises(self.lc.LoopingCallTimeOut,
                                   self.run_until_done,
                                   timer.start(**kwargs))
        return str(raised)

    def test_p30_exponential_backoff(self):
        """P30: oslo's sequence with gauss 0.8 and -0.8, then the timeout."""
        for gauss in (0.8, -0.8):
            self.sleep.reset_mock()
            self.gauss.return_value = gauss
            self.assertEqual('Looping call timed out after 411.99 seconds',
                             self._times_out())
            self.assertEqual([mock.call(t) for t in self.SEQUENCE],
                             self.sleep.call_args_list)
            self.gauss.assert_called_with(0.75, 0.1)

    def test_p30_exponential_backoff_with_max_interval(self):
        """P30: max_interval=60 caps the sequence."""
        self.gauss.return_value = 0.8
        self.assertEqual('Looping call timed out after 359.82 seconds',
                         self._times_out(max_interval=60))
        self.assertEqual([mock.call(t) for t in self.SEQUENCE[:9]] +
                         [mock.call(60)] * 3, self.sleep.call_args_list)

    def test_p31_success_sleeps_starting_interval_and_resets(self):
        """P31: gauss 1: True,True,False,False,True,False -> 1,1,2,3,1,2."""
        _timer, result = self._run(
            [True, True, False, False, True, False, self.done('end')])
        self.assertEqual('end', result)
        self.assertEqual([mock.call(t) for t in (1, 1, 2.0, 3.0, 1, 2.0)],
                         self.sleep.call_args_list)
        self.assertEqual([mock.call(0.75, 0.1)] * 6,
                         self.gauss.call_args_list)

    def test_p31_success_interval_is_jittered(self):
        """P31: a success idles starting_interval * abs(gauss)."""
        self.gauss.return_value = -0.5
        self._run([True, self.done()], starting_interval=3)
        self.assertEqual([mock.call(1.5)], self.sleep.call_args_list)

    def test_p31_done_at_first_call_does_not_sleep(self):
        """P31: LoopingCallDone on the first call: no sleep."""
        _timer, result = self._run(self.done('return value'))
        self.assertEqual('return value', result)
        self.sleep.assert_not_called()

    def test_p32_falsy_results_are_failures(self):
        """P32: None, 0 and '' back off (2.0, 3.0, 4.5)."""
        self._run([None, 0, '', self.done()])
        self.assertEqual([mock.call(2.0), mock.call(3.0), mock.call(4.5)],
                         self.sleep.call_args_list)

    def test_p33_max_interval_caps_failures_only(self):
        """P33: starting 10, max 1: success sleeps 10, failure 1."""
        self._run([True, False, self.done()], starting_interval=10,
                  max_interval=1)
        self.assertEqual([mock.call(10), mock.call(1)],
                         self.sleep.call_args_list)

    def test_p33_min_interval_floors_failures_and_interval(self):
        """P33: starting 0, min 0.25: 0.25, 0.5."""
        self._run([False, False, self.done()], starting_interval=0,
                  min_interval=0.25)
        self.assertEqual([mock.call(0.25), mock.call(0.5)],
                         self.sleep.call_args_list)

    def test_p33_max_interval_wins_over_min_interval(self):
        """P33: min_interval > max_interval: max_interval wins."""
        self._run([False, self.done()], min_interval=5, max_interval=1)
        self.assertEqual([mock.call(1)], self.sleep.call_args_list)

    def test_p33_jitter_below_half_shrinks_to_min_interval(self):
        """P33: jitter 0: 999 retries of 0.001 s within timeout 1."""
        self.gauss.return_value = 0
        self.assertEqual('Looping call timed out after 1.00 seconds',
                         self._times_out(jitter=0, timeout=1))
        self.assertEqual([mock.call(0.001)] * 999, self.sleep.call_args_list)

    def test_p34_zero_or_negative_timeout_never_times_out(self):
        """P34: timeout 0 or < 0: 40 failures, no error."""
        for timeout in (0, -1):
            self.sleep.reset_mock()
            _timer, result = self._run([False] * 40 + [self.done('end')],
                                       timeout=timeout)
            self.assertEqual('end', result)
            self.assertEqual(40, self.sleep.call_count)
            self.assertEqual(mock.call(300), self.sleep.call_args)

    def test_p35_restart_resets_backoff_state(self):
        """P35: start() resets _error_time and _interval."""
        timer, result = self._run([False, False, self.done('a'),
                                   False, False, self.done('b')])
        self.assertEqual('a', result)
        self.assertEqual(5.0, timer._error_time)
        self.assertEqual(2.25, timer._interval)
        self.assertEqual('b', self.run_until_done(timer.start()))
        self.assertEqual([mock.call(t) for t in (2.0, 3.0, 2.0, 3.0)],
                         self.sleep.call_args_list)

    def test_p36_rng_is_a_patchable_class_attribute(self):
        """P36: _RNG = random.SystemRandom(), patchable on the class."""
        self.assertIsInstance(self.lc.BackOffLoopingCall._RNG,
                              random.SystemRandom)
        rng = self.useFixture(fixtures.MockPatchObject(
            self.lc.BackOffLoopingCall, '_RNG')).mock
        rng.gauss.return_value = 0.5
        self._run([False, self.done()])
        self.assertEqual([mock.call(1.0)], self.sleep.call_args_list)
        rng.gauss.assert_called_once_with(0.75, 0.1)
        self.gauss.assert_not_called()

    def test_p44_no_stop_on_exception_keyword(self):
        """P44: start(stop_on_exception=...) is a TypeError."""
        timer = self.lc.BackOffLoopingCall(mock.Mock())
        raised = self.assertRaises(TypeError, timer.start,
                                   stop_on_exception=False)
        self.assertIn("unexpected keyword argument 'stop_on_exception'",
                      str(raised))
        self.assertIsNone(timer._thread)

    def test_p44_exception_from_f_always_ends_backoff(self):
        """P44: an error from f ends the BackOff loop."""
        error = ValueError('boom')
        timer = self.lc.BackOffLoopingCall(
            mock.Mock(side_effect=[True, False, error]))
        raised = self.assertRaises(ValueError, self.run_until_done,
                                   timer.start())
        self.assertIs(error, raised)
        self.assertEqual(2, self.sleep.call_count)
