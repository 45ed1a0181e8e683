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

"""Defects fixed: arguments checked where given (D08, D17-D20).
"""

import re
from unittest import mock

from oslo_loopingcall import fixture
from tests.defects.base import DefectTestCase
from tests.defects.base import done_after
from tests.defects.base import LC
from tests.defects.base import VALID_START


class TestD08D17D18StartRejectsBadArguments(DefectTestCase):

    def _assert_rejected(self, timer, exc_type, param, value, **kwargs):
        exc = self.assertRaises(exc_type, timer.start, **kwargs)
        self.assertRegex(str(exc), r'\b%s\b' % re.escape(param))
        self.assertIn(repr(value), str(exc))
        # Nothing was spawned or scheduled.
        self.assertIsNone(timer._thread)
        self.assertIsNone(timer.done)
        self.yield_()
        self.assertIsNone(timer._thread)

    def _assert_usable(self, timer, **kwargs):
        timer.f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
        self.assertEqual('ok', self.run_until_done(timer.start(**kwargs)))
        self.assertIsNone(timer._thread)

    def test_d08_negative_initial_delay_rejected(self):
        for cls, kwargs in VALID_START:
            for value in (-1, -0.001):
                f = mock.Mock()
                timer = cls(f)
                self._assert_rejected(timer, ValueError, 'initial_delay',
                                      value, initial_delay=value, **kwargs)
                f.assert_not_called()
                self._assert_usable(timer, **kwargs)

    def test_d17_f_none_or_not_callable_rejected(self):
        for cls, kwargs in VALID_START:
            for value in (None, 42, 'not callable'):
                timer = cls(value)
                self._assert_rejected(timer, TypeError, 'f', value, **kwargs)
                self._assert_usable(timer, **kwargs)

    def test_d17_rejected_without_stop_on_exception(self):
        # The reference logged an ERROR every interval, forever, here.
        timer = LC.FixedIntervalLoopingCall()
        self._assert_rejected(timer, TypeError, 'f', None, interval=0.01,
                              stop_on_exception=False)
        self.assertEqual([], self.records())
        self._assert_usable(timer, interval=0.01, stop_on_exception=False)

    def test_d17_reference_fails_asynchronously(self):
        ref = self.reference()
        timer = ref.FixedIntervalLoopingCall()
        event = timer.start(interval=0.01)
        self.assertIsNotNone(timer._thread)
        self.assertRaises(TypeError, self.run_until_done, event)

    def test_d18_interval_none_or_not_a_number_rejected(self):
        for cls in (LC.FixedIntervalLoopingCall,
                    LC.FixedIntervalWithTimeoutLoopingCall):
            for value in (None, '0.01', object()):
                f = mock.Mock()
                timer = cls(f)
                self._assert_rejected(timer, TypeError, 'interval', value,
                                      interval=value)
                f.assert_not_called()
                self._assert_usable(timer, interval=0.01)

    def test_d18_reference_runs_f_once_then_fails(self):
        ref = self.reference()
        f = mock.Mock(return_value=None)
        timer = ref.FixedIntervalLoopingCall(f)
        self.assertRaises(TypeError, self.run_until_done,
                          timer.start(interval=None))
        self.assertEqual(1, f.call_count)


class TestD19NoneJitter(DefectTestCase):

    def test_d19_none_jitter_means_factor_one(self):
        # Any draw would be 5.0, and would multiply an idle time by 5.
        clock = self.useFixture(fixture.VirtualTimeFixture(jitter=5.0))
        f = done_after(LC, [True, False, False, True])
        timer = LC.BackOffLoopingCall(f)
        self.assertEqual('done', self.run_until_done(
            timer.start(starting_interval=1, jitter=None)))
        self.assertEqual([1, 2, 4, 1], clock.idle_times_of(timer))
        self.assertEqual(8, clock.now())

    def test_d19_reference_fails_after_the_first_run(self):
        ref = self.reference()
        f = done_after(ref, [True, False])
        timer = ref.BackOffLoopingCall(f)
        self.assertRaises(TypeError, self.run_until_done,
                          timer.start(jitter=None))
        self.assertEqual(1, f.call_count)


class TestD20PositionalArguments(DefectTestCase):

    def test_d20_backoff_passes_positional_args_to_f(self):
        f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
        timer = LC.BackOffLoopingCall(f, 1, 2, key='v')
        self.assertIs(f, timer.f)
        self.assertEqual((1, 2), timer.args)
        self.assertEqual({'key': 'v'}, timer.kw)
        self.assertEqual('ok', self.run_until_done(timer.start()))
        f.assert_called_once_with(1, 2, key='v')

    def test_d20_every_looping_call_passes_positional_args(self):
        for cls, kwargs in VALID_START:
            f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
            timer = cls(f, 1, 2)
            self.assertEqual('ok', self.run_until_done(timer.start(**kwargs)))
            f.assert_called_once_with(1, 2)

    def test_d20_reference_rejects_positional_args(self):
        ref = self.reference()
        exc = self.assertRaises(TypeError, ref.BackOffLoopingCall,
                                mock.Mock(), 1, 2)
        self.assertIn("multiple values for argument 'f'", str(exc))
