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

"""Numbers at their edges, in real loops of both modes (D22).

Every numeric argument either works identically in both modes (the loop
runs, idles, and ends at once on stop()) or is rejected by ``start()`` (or
the RetryDecorator constructor) with a ``TypeError``/``ValueError`` that
names the parameter. Never an error from inside a running loop because of
a value ``start()`` accepted. tests/test_numbers.py checks the same rule on
the virtual clock, for every parameter and any real number.
"""

import decimal
import fractions
import time

from oslo_loopingcall import loopingcall as lc
from tests import base

HUGE = 10 ** 400          # larger than any float
BEYOND_WAIT = 1e10        # beyond threading's maximum wait (TIMEOUT_MAX)
INF = float('inf')
FRACTION = fractions.Fraction(1, 100)
BIG_FRACTION = fractions.Fraction(10 ** 20, 3)


def _loop(cls, f=lambda: None):
    return lambda: cls(f)


FIXED = _loop(lc.FixedIntervalLoopingCall)
TIMEOUT = _loop(lc.FixedIntervalWithTimeoutLoopingCall)
BACKOFF = _loop(lc.BackOffLoopingCall, lambda: False)
BACKOFF_OK = dict(starting_interval=0.01, max_interval=0.02, jitter=None)


def _dynamic(value):
    return lambda: lc.DynamicLoopingCall(lambda: value)


class TestNumbers(base.TestCase):

    def outcome(self, label, make, **kwargs):
        """'ok' (works, or rejected by name), or what went wrong."""
        # The parameter under test: the one the case's label names.
        name = next((key for key in kwargs if key in label), 'f')
        timer = make()
        try:
            timer.start(**kwargs)
        except (TypeError, ValueError) as exc:
            return 'ok' if name in str(exc) else f'unnamed: {exc!r}'
        except Exception as exc:
            return f'start() raised {exc!r}'
        # Long enough for f to run and the loop to go idle.
        if self.green:
            import eventlet
            eventlet.sleep(0.02)
        else:
            time.sleep(0.02)
        timer.stop()
        try:
            result = self.run_until_done(timer.done)
        except Exception as exc:
            return f'the loop died: {exc!r}'
        return 'ok' if result is True else f'wait() returned {result!r}'

    def wrong(self, cases):
        found = {label: self.outcome(label, make, **kwargs)
                 for label, make, kwargs in cases}
        return {label: what for label, what in found.items() if what != 'ok'}

    def retry_wrong(self, value):
        found = {}
        for name in ('max_retry_count', 'inc_sleep_time', 'max_sleep_time'):
            kwargs = dict(max_retry_count=1, inc_sleep_time=0,
                          max_sleep_time=0.01, exceptions=(KeyError,))
            kwargs[name] = value
            try:
                lc.RetryDecorator(**kwargs)
            except (TypeError, ValueError) as exc:
                if name not in str(exc):
                    found[name] = f'unnamed: {exc!r}'
            except Exception as exc:
                found[name] = f'constructor raised {exc!r}'
        return found

    # An int beyond the float range: converting it raises OverflowError,
    # which must not escape unnamed (as it did).
    def test_huge_negative_ints_are_rejected_by_name(self):
        cases = [
            ('interval', FIXED, dict(interval=-HUGE)),
            ('initial_delay', FIXED, dict(interval=1, initial_delay=-HUGE)),
            ('timeout (no timeout)', TIMEOUT,
             dict(interval=0.01, timeout=-HUGE)),
            ('periodic_interval_max', _dynamic(None),
             dict(periodic_interval_max=-HUGE)),
            ('starting_interval', BACKOFF,
             dict(BACKOFF_OK, starting_interval=-HUGE)),
            ('BackOff timeout (no timeout)', BACKOFF,
             dict(BACKOFF_OK, timeout=-HUGE)),
        ]
        self.assertEqual({}, dict(self.wrong(cases),
                                  **self.retry_wrong(-HUGE)))

    # An int beyond the float range compares as smaller than infinity:
    # accepted as such, it must not make the loop die later converting it.
    def test_huge_positive_ints_work_or_are_rejected_by_name(self):
        cases = [
            ('interval', FIXED, dict(interval=HUGE)),
            ('initial_delay', FIXED, dict(interval=1, initial_delay=HUGE)),
            ('periodic_interval_max', _dynamic(None),
             dict(periodic_interval_max=HUGE)),
            ('starting_interval', BACKOFF,
             dict(BACKOFF_OK, starting_interval=HUGE)),
            ('min_interval', BACKOFF, dict(BACKOFF_OK, min_interval=HUGE)),
        ]
        self.assertEqual({}, self.wrong(cases))

    def test_idles_beyond_the_longest_native_wait(self):
        cases = [
            ('interval', FIXED, dict(interval=BEYOND_WAIT)),
            ('initial_delay', FIXED,
             dict(interval=1, initial_delay=BEYOND_WAIT)),
            ('periodic_interval_max=inf, f returns None', _dynamic(None),
             dict(periodic_interval_max=INF)),
            ('f returns 1e10', _dynamic(BEYOND_WAIT), {}),
            ('f returns inf', _dynamic(INF), {}),
            ('interval, a big Fraction', FIXED, dict(interval=BIG_FRACTION)),
        ]
        # Native threads wait in pieces of at most threading.TIMEOUT_MAX,
        # each ended at once by stop().
        self.assertEqual({}, self.wrong(cases))

    def test_fraction_delays(self):
        cases = [
            ('initial_delay', FIXED, dict(interval=1, initial_delay=FRACTION)),
            ('interval', FIXED, dict(interval=FRACTION)),
            ('f returns a Fraction', _dynamic(FRACTION), {}),
            ('starting_interval', BACKOFF,
             dict(BACKOFF_OK, starting_interval=FRACTION)),
        ]
        self.assertEqual({}, self.wrong(cases))

    # A Decimal returned by a dynamic f used to end the loop with a
    # TypeError naming neither the function nor the value.
    def test_decimal_returned_by_f(self):
        """D22: a Decimal returned by f counts as its value."""
        self.assertEqual({}, self.wrong([
            ('f returns a Decimal', _dynamic(decimal.Decimal('0.01')), {})]))
