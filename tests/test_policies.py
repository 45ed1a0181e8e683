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

"""The idle policies on their own: (result, run time, state) -> seconds."""

import random
from unittest import mock

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

from oslo_loopingcall import _policies
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


def dynamic(maximum):
    message = loopingcall.DynamicLoopingCall._TASK_MISSING_SLEEP_VALUE_MESSAGE
    return _policies.Dynamic(maximum, message)


seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False)
# Each test runs once per mode (scenarios), hence differing executors.
settings.register_profile(
    'unit', max_examples=200, deadline=None,
    suppress_health_check=[HealthCheck.differing_executors])
settings.load_profile('unit')


def probe():
    """The function whose runs the policies are told about."""


class FixedRng(random.Random):
    """An RNG whose gauss() always returns the same value.

    Handed to ``_BackOffPolicy`` as its ``rng``: no seam is patched.
    """

    def __init__(self, value):
        super().__init__()
        self.value = value

    def gauss(self, mu=0.0, sigma=1.0):
        return self.value


class TestFixedIntervalPolicy(base.TestCase):

    def test_idles_what_is_left_of_the_interval(self):
        policy = _policies.FixedInterval(0.015, probe)
        self.assertAlmostEqual(0.012, policy(None, 0.003), places=12)
        self.assertEqual([], self.records())

    def test_overrun_idles_zero_and_warns_like_the_reference(self):
        policy = _policies.FixedInterval(1.0, probe)
        self.assertEqual(0, policy(None, 1.006))
        self.assertEqual(
            ["WARNING oslo.loopingcall.loopingcall Function "
             "'tests.test_policies.probe' run "
             "outlasted interval by 0.01 sec"], self.records())

    def test_overrun_below_rounding_threshold_is_not_reported(self):
        policy = _policies.FixedInterval(1.0, probe)
        self.assertEqual(0, policy(None, 1.004))
        self.assertEqual([], self.records())

    def test_failed_run_keeps_the_interval(self):
        policy = _policies.FixedInterval(2, probe)
        self.assertEqual(1.5, policy.failed(0.5))

    @given(interval=seconds, elapsed=seconds)
    def test_never_negative_and_equals_interval_minus_run_time(
            self, interval, elapsed):
        policy = _policies.FixedInterval(interval, probe)
        with mock.patch.object(loopingcall, 'LOG'):
            idle = policy(None, elapsed)
        self.assertGreaterEqual(idle, 0)
        self.assertEqual(max(interval - elapsed, 0), idle)


class TestFixedIntervalWithTimeoutPolicy(base.TestCase):

    def make(self, timeout, now):
        times = iter([100.0, now])
        policy = _policies.FixedIntervalWithTimeout(1, probe, timeout)
        policy.begin(lambda: next(times), stats=None)
        return policy

    def test_within_timeout(self):
        self.assertEqual(0.75, self.make(5, 104.9)(None, 0.25))

    def test_times_out_after_the_deadline_with_the_reference_message(self):
        policy = self.make(5, 105.5)
        exc = self.assertRaises(loopingcall.LoopingCallTimeOut,
                                policy, None, 0.25)
        self.assertEqual('Looping call timed out after 5.50 seconds',
                         str(exc))

    def test_zero_or_negative_timeout_never_times_out(self):
        for timeout in (0, -1):
            self.assertEqual(0.5, self.make(timeout, 1e9)(None, 0.5))


class TestDynamicPolicy(base.TestCase):

    def test_suggestion_is_capped(self):
        self.assertEqual(5, dynamic(5)(100, 0))

    def test_none_means_the_maximum(self):
        self.assertEqual(5, dynamic(5)(None, 0))

    def test_none_without_maximum_is_an_error(self):
        exc = self.assertRaises(RuntimeError,
                                dynamic(None), None, 0)
        self.assertEqual('A dynamic interval looping call should supply '
                         'either an interval or periodic_interval_max',
                         str(exc))

    def test_true_passes_through(self):
        self.assertIs(True, dynamic(None)(True, 0))

    def test_failure_idles_the_maximum_or_the_default(self):
        self.assertEqual(0.2, dynamic(0.2).failed(0))
        self.assertEqual(loopingcall.DYNAMIC_FAILURE_IDLE,
                         dynamic(None).failed(0))
        self.assertEqual(loopingcall.DYNAMIC_FAILURE_IDLE,
                         dynamic(0).failed(0))

    @given(suggestion=st.floats(min_value=-1e6, max_value=1e6,
                                allow_nan=False),
           maximum=st.none() | seconds)
    def test_respects_the_maximum(self, suggestion, maximum):
        idle = dynamic(maximum)(suggestion, 0)
        if maximum is None:
            self.assertEqual(suggestion, idle)
        else:
            self.assertEqual(min(suggestion, maximum), idle)
        self.assertGreater(dynamic(maximum).failed(0), 0)


class TestBackOffPolicy(base.TestCase):

    def make(self, gauss=0.8, **kw):
        args = dict(starting_interval=1, timeout=300, max_interval=300,
                    jitter=0.75, min_interval=0.001)
        args.update(kw)
        return _policies.BackOff(rng=FixedRng(gauss), **args)

    def test_reference_sequence(self):
        policy = self.make()
        sleeps = []

        def fail_forever():
            while True:
                sleeps.append(policy(False, 0))

        exc = self.assertRaises(loopingcall.LoopingCallTimeOut, fail_forever)
        self.assertEqual([1.6, 2.4000000000000004, 3.6, 5.4, 8.1, 12.15,
                          18.225, 27.337500000000002, 41.00625,
                          61.509375000000006, 92.26406250000001], sleeps)
        self.assertEqual('Looping call timed out after 411.99 seconds',
                         str(exc))

    def test_success_resets_the_back_off(self):
        policy = self.make(gauss=1)
        sleeps = [policy(ok, 0) for ok in
                  (True, True, False, False, True, False)]
        self.assertEqual([1, 1, 2.0, 3.0, 1, 2.0], sleeps)
        self.assertEqual(2.0, policy.error_time)

    def test_no_jitter(self):
        policy = self.make(gauss=12345, jitter=None)
        self.assertEqual([2, 4, 1], [policy(False, 0), policy(False, 0),
                                     policy(True, 0)])

    def test_run_time_of_failures_counts_toward_the_timeout(self):
        policy = self.make(gauss=1, timeout=10)
        self.assertEqual(2, policy(False, 3))   # spent 3 + 2
        # The interval grows by the mean jitter (0.75): the next idle is
        # 3, and 5 + 3 (run) + 3 (idle) > 10.
        exc = self.assertRaises(loopingcall.LoopingCallTimeOut,
                                policy, False, 3)
        self.assertEqual('Looping call timed out after 11.00 seconds',
                         str(exc))

    @given(starting=st.floats(min_value=0, max_value=100),
           min_interval=st.floats(min_value=0, max_value=10),
           max_interval=st.floats(min_value=0, max_value=1000),
           gauss=st.floats(min_value=-3, max_value=3),
           timeout=st.floats(min_value=0.001, max_value=1e4),
           outcomes=st.lists(st.booleans(), min_size=1, max_size=50),
           elapsed=st.floats(min_value=0, max_value=10))
    def test_bounds_hold(self, starting, min_interval, max_interval, gauss,
                         timeout, outcomes, elapsed):
        policy = self.make(gauss=gauss, starting_interval=starting,
                           min_interval=min_interval,
                           max_interval=max_interval, timeout=timeout)
        spent = 0
        for ok in outcomes:
            try:
                idle = policy(ok, elapsed)
            except loopingcall.LoopingCallTimeOut:
                # Only failures time out, and only past the budget.
                self.assertFalse(ok)
                self.assertGreater(spent + elapsed + max_interval + 1e-6,
                                   timeout)
                return
            if ok:
                self.assertEqual(0, policy.error_time)
                self.assertEqual(starting, policy.interval)
                spent = 0
            else:
                # Failure sleeps stay within [min, max] (max wins).
                self.assertLessEqual(idle, max_interval)
                if min_interval <= max_interval:
                    self.assertGreaterEqual(idle, min_interval)
                spent += elapsed + idle
                self.assertLessEqual(spent, timeout)
                self.assertAlmostEqual(spent, policy.error_time, places=6)


class TestRetrySchedule(base.TestCase):

    @given(inc=st.floats(min_value=0, max_value=100),
           maximum=st.floats(min_value=0, max_value=1000),
           retries=st.integers(min_value=1, max_value=20))
    def test_inc_then_capped(self, inc, maximum, retries):
        calls = []

        @loopingcall.RetryDecorator(max_retry_count=retries,
                                    inc_sleep_time=inc,
                                    max_sleep_time=maximum,
                                    exceptions=(KeyError,))
        def flaky():
            calls.append(1)
            if len(calls) <= retries:
                raise KeyError()
            return 'ok'

        # One fixture per example (only one can be active at a time).
        with fixture.VirtualTimeFixture() as clock:
            self.assertEqual('ok', flaky())
        sleeps = clock.idle_times
        expected = [min(inc * n, maximum) for n in range(1, retries + 1)]
        for got, want in zip(sleeps, expected):
            self.assertAlmostEqual(want, got, places=6)
        self.assertEqual(len(expected), len(sleeps))
