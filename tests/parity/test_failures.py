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

"""Parity: exceptions from f and from the idle policy (P18-P20).
"""

import traceback
from unittest import mock

from tests.parity.base import DYNAMIC
from tests.parity.base import failing_task
from tests.parity.base import FIXED
from tests.parity.base import FIXED_TIMEOUT
from tests.parity.base import LOOPS
from tests.parity.base import MISSING_SLEEP_VALUE
from tests.parity.base import MOCK_NAME
from tests.parity.base import ParityTestCase
from tests.parity.base import sleeping_task
from tests.parity.base import TIMEOUT_MESSAGE


class TestFailures(ParityTestCase):
    """Exceptions from f or from the idle policy, and what is logged."""

    def test_p18_exception_from_f_reaches_wait_and_is_logged(self):
        """P18: same instance from wait(); one ERROR '<kind> <name> failed'."""
        func_name = failing_task.__module__ + '.failing_task'
        for name, kind, kwargs, _keep in LOOPS:
            self.handler.records.clear()
            error = ValueError(name)
            timer = self.make(name, failing_task, error)
            raised = self.assertRaises(ValueError, self.run_until_done,
                                       timer.start(**kwargs))
            self.assertIs(error, raised, name)
            self.assertEqual(
                'failing_task',
                traceback.extract_tb(raised.__traceback__)[-1].name, name)
            records = self.error_records()
            self.assertEqual(
                [('ERROR', self.logger_name,
                  "%s '%s' failed" % (kind, func_name))],
                [(r.levelname, r.name, r.getMessage()) for r in records],
                name)
            self.assertIs(error, records[0].exc_info[1], name)

    def test_p19_stop_on_exception_false_logs_and_goes_on(self):
        """P19: each error logged with exc_info; loop goes on; Done ends it."""
        sleep = self.patch_sleep()
        self.patch_elapsed(return_value=0)
        cases = (('FixedIntervalLoopingCall', FIXED, {'interval': 5}),
                 ('FixedIntervalWithTimeoutLoopingCall', FIXED_TIMEOUT,
                  {'interval': 5, 'timeout': 3600}),
                 ('DynamicLoopingCall', DYNAMIC,
                  {'periodic_interval_max': 5}))
        for name, kind, kwargs in cases:
            sleep.reset_mock()
            self.handler.records.clear()
            errors = [ValueError('one'), ValueError('two')]
            f = mock.Mock(side_effect=errors + [self.done('v')])
            timer = self.loop_class(name)(f)
            self.assertEqual('v', self.run_until_done(
                timer.start(stop_on_exception=False, **kwargs)), name)
            self.assertEqual(3, f.call_count, name)
            if name == 'DynamicLoopingCall' and self.reference:
                # D10: the reference idles 0 after a swallowed error (a
                # busy loop); we idle periodic_interval_max.
                self.assertSleeps([0, 0], sleep, message=name)
            else:
                self.assertSleeps([5, 5], sleep, message=name)
            records = self.error_records()
            self.assertEqual(
                [('ERROR', self.logger_name,
                  "%s '%s' failed" % (kind, MOCK_NAME))] * 2,
                [(r.levelname, r.name, r.getMessage()) for r in records],
                name)
            self.assertEqual(errors, [r.exc_info[1] for r in records], name)

    def test_p20_timeout_ends_loop_despite_stop_on_exception_false(self):
        """P20: LoopingCallTimeOut is not swallowed; logged at ERROR."""
        self.patch_elapsed(return_value=0)
        timer = self.lc.FixedIntervalWithTimeoutLoopingCall(sleeping_task,
                                                            0.01)
        self.assertRaises(
            self.lc.LoopingCallTimeOut, self.run_until_done,
            timer.start(interval=30, timeout=0.001, stop_on_exception=False))
        self.assertEqual(
            [self.line('ERROR', "%s '%s.sleeping_task' failed"
                       % (FIXED_TIMEOUT, sleeping_task.__module__))],
            self.lines())

    def test_p20_p21_dynamic_without_interval_raises_runtime_error(self):
        """P20/P21: f returns None, no maximum: RuntimeError after 1 run."""
        for stop_on_exception in (True, False):
            self.handler.records.clear()
            f = mock.Mock(return_value=None)
            timer = self.lc.DynamicLoopingCall(f)
            raised = self.assertRaises(
                RuntimeError, self.run_until_done,
                timer.start(stop_on_exception=stop_on_exception))
            self.assertEqual(MISSING_SLEEP_VALUE, str(raised))
            self.assertEqual(1, f.call_count)
            records = self.error_records()
            self.assertEqual(
                [('ERROR', "%s '%s' failed" % (DYNAMIC, MOCK_NAME))],
                [(r.levelname, r.getMessage()) for r in records])
            self.assertIs(raised, records[0].exc_info[1])

    def test_p22_timeout_checked_after_the_run(self):
        """P22: f runs once even past the timeout; then the message."""
        self.patch_elapsed(return_value=0)
        f = mock.Mock(side_effect=lambda: sleeping_task(0.01))
        timer = self.lc.FixedIntervalWithTimeoutLoopingCall(f)
        raised = self.assertRaises(
            self.lc.LoopingCallTimeOut, self.run_until_done,
            timer.start(interval=30, timeout=0.005))
        self.assertEqual(1, f.call_count)
        match = TIMEOUT_MESSAGE.match(str(raised))
        self.assertIsNotNone(match, str(raised))
        # Measured after f slept 0.01 s, not when the timeout expired.
        self.assertGreaterEqual(float(match.group(1)), 0.01)
        self.assertEqual(
            [self.line('ERROR',
                       "%s '%s' failed" % (FIXED_TIMEOUT, MOCK_NAME))],
            self.lines())

    def test_p23_trace_record_per_iteration(self):
        """P23: '<kind> <name> sleeping for %.02f seconds' at TRACE (5)."""
        self.patch_sleep()
        self.patch_elapsed(return_value=0)
        for name, kind, kwargs, keep in LOOPS:
            self.handler.records.clear()
            timer = self.loop_class(name)(
                mock.Mock(side_effect=[keep, self.done()]))
            self.run_until_done(timer.start(**kwargs))
            records = [r for r in self.handler.records
                       if r.name == self.logger_name]
            self.assertEqual(
                [(5, 'TRACE', "%s '%s' sleeping for 30.00 seconds"
                  % (kind, MOCK_NAME))],
                [(r.levelno, r.levelname, r.getMessage()) for r in records],
                name)
