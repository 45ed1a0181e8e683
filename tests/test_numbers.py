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

"""One rule for numbers (D22), in both modes.

Any real number given to a looping call or to ``RetryDecorator`` either
works the same in both modes, or is rejected where it is given with a
``TypeError`` or ``ValueError`` naming the parameter and the value; an
accepted value never makes a running loop fail. A ``bool`` is rejected.
"""

import decimal
import fractions
import math
import re

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st

from oslo_loopingcall._backends.osthreads import backend as _threading
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base

LC = loopingcall
HUGE = 10 ** 400

#: start() of each kind, with valid arguments, and its numeric parameters
#: as (name, valid value, may it be infinite, may it be negative).
KINDS = {
    'Fixed': (LC.FixedIntervalLoopingCall, {'interval': 2},
              [('interval', 2, False, False),
               ('initial_delay', 1, False, False)]),
    'FixedWithTimeout': (LC.FixedIntervalWithTimeoutLoopingCall,
                         {'interval': 2, 'timeout': 7},
                         [('interval', 2, False, False),
                          ('initial_delay', 1, False, False),
                          ('timeout', 7, True, True)]),
    'Dynamic': (LC.DynamicLoopingCall, {'periodic_interval_max': 3},
                [('initial_delay', 1, False, False),
                 ('periodic_interval_max', 3, True, False)]),
    'BackOff': (LC.BackOffLoopingCall, {'jitter': None},
                [('initial_delay', 1, False, False),
                 ('starting_interval', 1, False, False),
                 ('timeout', 30, True, True),
                 ('max_interval', 4, True, False),
                 ('jitter', 1, False, True),
                 ('min_interval', 0.5, False, False)]),
}


def _scenarios():
    for kind, (cls, valid, params) in KINDS.items():
        for name, value, inf_ok, negative_ok in params:
            yield (f'{kind}.{name}', {
                'cls': cls, 'valid': valid, 'param': name, 'value': value,
                'inf_ok': inf_ok, 'negative_ok': negative_ok})


class NumbersTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = self.useFixture(fixture.VirtualTimeFixture(jitter=1))

    def assertRejected(self, exc_type, value):
        args = dict(self.valid, **{self.param: value})
        exc = self.assertRaises(exc_type, self.cls(lambda: None).start,
                                **args)
        self.assertRegex(str(exc), r'\b%s\b' % re.escape(self.param))
        self.assertIn(repr(value), str(exc))

    def schedule(self, value, runs=4):
        """The idle times and outcome of a loop given ``value``."""
        calls = []
        start = self.clock.now()

        def f():
            calls.append(self.clock.now() - start)
            if len(calls) == runs:
                raise LC.LoopingCallDone('done')
            return 2

        timer = self.cls(f)
        args = dict(self.valid, **{self.param: value})
        try:
            outcome = self.run_until_done(timer.start(**args))
        except LC.LoopingCallTimeOut as exc:
            outcome = str(exc)
        return self.clock.idle_times_of(timer), calls, outcome


class TestEveryParameter(NumbersTestCase):

    scenarios = base.with_backends(list(_scenarios()))

    def test_bools_are_rejected(self):
        """D22: a bool is rejected by every numeric parameter, by name."""
        for value in (True, False):
            self.assertRejected(TypeError, value)

    def test_fractions_and_decimals_count_as_their_value(self):
        """D22: a Fraction or a Decimal gives the schedule of its value."""
        expected = self.schedule(self.value)
        for value in (fractions.Fraction(self.value),
                      decimal.Decimal(self.value), float(self.value)):
            self.assertEqual(expected, self.schedule(value), repr(value))

    def test_ints_too_large_for_a_float(self):
        """D22: a huge int means never where infinity may; else rejected."""
        if self.inf_ok:
            # As infinity: a timeout or a maximum that never comes.
            self.assertEqual(self.schedule(math.inf), self.schedule(HUGE))
        else:
            self.assertRejected(ValueError, HUGE)
        if self.negative_ok and self.inf_ok:
            # A timeout of 0 or less: no timeout.
            self.assertEqual(self.schedule(-1), self.schedule(-HUGE))
        else:
            self.assertRejected(ValueError, -HUGE)


real_numbers = st.one_of(
    st.integers(min_value=-10 ** 500, max_value=10 ** 500),
    st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(max_denominator=10 ** 6),
    st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.booleans())


class TestAnyRealNumber(NumbersTestCase):

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.differing_executors])
    @given(case=st.sampled_from([params for _, params in _scenarios()]),
           value=real_numbers)
    def test_rejected_by_name_or_the_loop_runs(self, case, value):
        """D22: any real number is rejected by name, or the loop runs."""
        cls, param = case['cls'], case['param']
        timer = cls(lambda: None)
        try:
            done = timer.start(**dict(case['valid'], **{param: value}))
        except (TypeError, ValueError) as exc:
            self.assertRegex(str(exc), r'\b%s\b' % re.escape(param))
            return
        # Accepted: the loop idles (or times out) and stops cleanly,
        # whatever the value.
        with self.clock.paused():
            self.wait_for(lambda: (self.clock.idle_times_of(timer) or
                                   done.ready()), what='the loop running')
            timer.stop()
            try:
                self.run_until_done(done)
            except LC.LoopingCallTimeOut:
                pass


class TestRetryDecoratorNumbers(base.TestCase):

    def test_retry_counts(self):
        for value in (3, 3.0, fractions.Fraction(3), decimal.Decimal(3)):
            self.assertEqual(3, LC.RetryDecorator(
                max_retry_count=value)._max_retry_count)
        # More retries than there will ever be.
        self.assertEqual(HUGE,
                         LC.RetryDecorator(max_retry_count=HUGE)
                         ._max_retry_count)
        for value, exc in ((True, TypeError), (1.5, TypeError),
                           (-HUGE, ValueError)):
            error = self.assertRaises(exc, LC.RetryDecorator,
                                      max_retry_count=value)
            self.assertIn('max_retry_count', str(error))
            self.assertIn(repr(value), str(error))

    def test_sleep_times(self):
        self.useFixture(fixture.VirtualTimeFixture())
        for value in (10, fractions.Fraction(10), decimal.Decimal(10)):
            attempts = []

            @LC.RetryDecorator(max_retry_count=2, inc_sleep_time=value,
                               max_sleep_time=HUGE, exceptions=(KeyError,))
            def flaky():
                attempts.append(1)
                if len(attempts) < 3:
                    raise KeyError()
                return 'ok'

            self.assertEqual('ok', flaky())
        self.assertRaises(TypeError, LC.RetryDecorator, inc_sleep_time=True)


class TestLongIdles(base.TestCase):
    """Idles longer than one wait can last are waited in pieces."""

    scenarios = [('threading', {'backend_name': 'threading'})]

    def test_longest_wait_in_pieces_ended_by_stop(self):
        """D22: idles beyond the longest native wait, in pieces."""
        # The longest single wait made short (an injected limit), and the
        # pieces counted on the loop's own abort flag.
        self.useFixture(fixture.fixtures.MockPatchObject(
            _threading, '_MAX_WAIT', 0.001))
        timer = LC.DynamicLoopingCall(lambda: None)
        done = timer.start(periodic_interval_max=math.inf)
        pieces = []
        wait = timer._abort.wait

        def counted(timeout=None):
            pieces.append(timeout)
            return wait(timeout)

        self.useFixture(fixture.fixtures.MockPatchObject(
            timer._abort, 'wait', counted))
        self.wait_for(lambda: len(pieces) > 3, what='several pieces')
        timer.stop()
        self.assertIs(True, self.run_until_done(done))
        self.assertEqual({0.001}, set(pieces))
