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

"""Parity: the sleep seams and RetryDecorator (P37-P45).
"""

import logging
from unittest import mock

import fixtures

from tests import base
from tests.parity.base import failing_task
from tests.parity.base import LOOPS
from tests.parity.base import MOCK_NAME
from tests.parity.base import ParityTestCase


class TestSleepSeams(ParityTestCase):
    """P37: consumers neutralise every sleep through EventletEvent.wait.

    In native-thread mode the same contract holds for
    ``oslo_loopingcall._backends.osthreads.backend.ThreadAbort.wait``, which
    ``oslo_loopingcall.fixture.SleepFixture`` patches there.
    """

    def _patch_wait(self, *args, **kwargs):
        return self.useFixture(fixtures.MockPatchObject(
            self.abort_class, 'wait', *args, **kwargs)).mock

    def test_p37_sleep_fixture_patch_controls_every_loop_sleep(self):
        """P37: SleepFixture's mock sees initial delay and each interval."""
        wait = self._patch_wait()
        for name, _kind, kwargs, keep in LOOPS:
            wait.reset_mock()
            timer = self.loop_class(name)(
                mock.Mock(side_effect=[keep, keep, self.done('x')]))
            self.assertEqual('x', self.run_until_done(
                timer.start(initial_delay=60, **kwargs)), name)
            calls = wait.call_args_list
            self.assertEqual([1, 1, 1], [len(c.args) for c in calls], name)
            # The fixed intervals idle 30 s minus f's real (tiny) run
            # time, which the reference rounds to 10 ms (D01).
            for want, got in zip((60, 30, 30), calls):
                self.assertAlmostEqual(want, got.args[0], delta=0.5,
                                       msg=name)

    def test_p37_sleep_fixture_patch_controls_retry_decorator(self):
        """P37: RetryDecorator's sleeps go through EventletEvent.wait."""
        wait = self._patch_wait()
        f = mock.Mock(side_effect=[ValueError(), ValueError(), 'ok'])
        retry = self.lc.RetryDecorator(inc_sleep_time=60, max_sleep_time=120,
                                       exceptions=(ValueError,))
        self.assertEqual('ok', self.call_bounded(retry(f)))
        self.assertEqual([mock.call(60), mock.call(120)],
                         wait.call_args_list)

    def test_p37_autospec_patch(self):
        """P37: ironic's autospec=True patch (the event passed as self)."""
        wait = self._patch_wait(autospec=True)
        timer = self.lc.DynamicLoopingCall(
            mock.Mock(side_effect=[45, 45, self.done('x')]))
        self.assertEqual('x', self.run_until_done(
            timer.start(initial_delay=60)))
        self.assertEqual([60, 45, 45],
                         [c.args[1] for c in wait.call_args_list])
        for call in wait.call_args_list:
            self.assertIsInstance(call.args[0], self.abort_class)

    def test_p37_plain_function_patch(self):
        """P37: wait patched with 'lambda *a, **kw: None' (ironic)."""
        self._patch_wait(lambda *a, **kw: None)
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(side_effect=[keep] * 3 + [self.done('x')])
            timer = self.loop_class(name)(f)
            self.assertEqual('x', self.run_until_done(
                timer.start(initial_delay=60, **kwargs)), name)
            self.assertEqual(4, f.call_count, name)


class TestRetryDecorator(ParityTestCase):
    """RetryDecorator (P38-P43, P45)."""

    def setUp(self):
        super().setUp()
        self.sleep = self.patch_sleep()

    def test_p38_sleeps_grow_by_increment_up_to_the_maximum(self):
        """P38: inc 1, max 2: 1, 2, 2, 2; _sleep_time grows past the cap."""
        retry = self.lc.RetryDecorator(inc_sleep_time=1, max_sleep_time=2,
                                       exceptions=(ValueError,))
        f = mock.Mock(side_effect=[ValueError()] * 4 + ['ok'])
        self.assertEqual('ok', retry(f)())
        self.assertEqual([mock.call(1), mock.call(2), mock.call(2),
                          mock.call(2)], self.sleep.call_args_list)
        self.assertEqual(4, retry._retry_count)
        self.assertEqual(4, retry._sleep_time)

    def test_p39_wraps_the_function(self):
        """P39: functools.wraps attributes; args and result pass through."""

        def target(a, b=None):
            """Target docstring."""
            return a, b

        wrapped = self.lc.RetryDecorator()(target)
        for attribute in ('__name__', '__doc__', '__qualname__',
                          '__module__'):
            self.assertEqual(getattr(target, attribute),
                             getattr(wrapped, attribute), attribute)
        self.assertIs(target, wrapped.__wrapped__)
        self.assertEqual((1, 2), wrapped(1, b=2))
        self.assertEqual(('x', None), wrapped('x'))

    def test_p39_works_on_methods(self):
        """P39: decorating a method passes self."""
        retry = self.lc.RetryDecorator(inc_sleep_time=1,
                                       exceptions=(KeyError,))
        attempts = []

        class Thing:
            @retry
            def method(self, value):
                attempts.append(self)
                if len(attempts) < 2:
                    raise KeyError(value)
                return self, value

        thing = Thing()
        self.assertEqual((thing, 3), thing.method(3))
        self.assertEqual([thing, thing], attempts)

    def test_p40_counters_after_a_call_with_retries(self):
        """P40: _retry_count 2 and _sleep_time 2 * inc after the call."""
        retry = self.lc.RetryDecorator(10, 0.01, 10, (ValueError,))
        f = mock.Mock(side_effect=[ValueError(), ValueError(), 'RESULT'])
        self.assertEqual('RESULT', retry(f)())
        self.assertEqual(2, retry._retry_count)
        self.assertEqual(2 * 0.01, retry._sleep_time)

    def test_p40_counters_after_a_call_without_retry(self):
        """P40: both counters 0 after a call that needed no retry."""
        retry = self.lc.RetryDecorator(exceptions=(ValueError,))
        self.assertEqual('RESULT', retry(mock.Mock(return_value='RESULT'))())
        self.assertEqual(0, retry._retry_count)
        self.assertEqual(0, retry._sleep_time)
        self.sleep.assert_not_called()

    def test_p41_exhausted_retries_reraise_the_last_instance(self):
        """P41: max_retry_count + 1 calls; the last exception re-raised."""
        errors = [ValueError(i) for i in range(4)]
        f = mock.Mock(side_effect=errors)
        retry = self.lc.RetryDecorator(3, 1, 10, (ValueError,))
        raised = self.assertRaises(ValueError, retry(f))
        self.assertIs(errors[-1], raised)
        self.assertEqual(4, f.call_count)
        self.assertEqual(3, retry._retry_count)

    def test_p42_max_retry_count_zero_never_retries(self):
        """P42: max_retry_count=0 re-raises the first error."""
        error = ValueError()
        f = mock.Mock(side_effect=[error, 'ok'])
        retry = self.lc.RetryDecorator(0, 1, 10, (ValueError,))
        self.assertIs(error, self.assertRaises(ValueError, retry(f)))
        self.assertEqual(1, f.call_count)
        self.sleep.assert_not_called()

    def test_p42_default_exceptions_never_retry(self):
        """P42: exceptions=() (the default) retries nothing."""
        error = ValueError()
        f = mock.Mock(side_effect=[error, 'ok'])
        self.assertIs(error, self.assertRaises(
            ValueError, self.lc.RetryDecorator()(f)))
        self.assertEqual(1, f.call_count)
        self.sleep.assert_not_called()

    def test_p42_other_exceptions_propagate_at_once(self):
        """P42: an exception not in the list is raised without retry."""
        error = KeyError()
        f = mock.Mock(side_effect=[ValueError(), error, 'ok'])
        retry = self.lc.RetryDecorator(5, 1, 10, (ValueError,))
        self.assertIs(error, self.assertRaises(KeyError, retry(f)))
        self.assertEqual(2, f.call_count)
        self.assertEqual([mock.call(1)], self.sleep.call_args_list)

    def test_p42_single_exception_class_accepted(self):
        """P42: exceptions may be a single class, not a tuple."""
        f = mock.Mock(side_effect=[ValueError(), 'ok'])
        retry = self.lc.RetryDecorator(exceptions=ValueError)
        self.assertEqual('ok', retry(f)())
        self.assertEqual(2, f.call_count)

    def test_p42_minus_one_retries_forever(self):
        """P42: max_retry_count=-1: 50 failures, then the result."""
        f = mock.Mock(side_effect=[ValueError()] * 50 + ['ok'])
        retry = self.lc.RetryDecorator(-1, 0, 0, (ValueError,))
        self.assertEqual('ok', retry(f)())
        self.assertEqual(51, f.call_count)
        self.assertEqual(50, retry._retry_count)

    def _debug_lines(self):
        return [line for line in self.lines(logging.DEBUG, exact=True)]

    def test_p43_debug_messages_when_retries_run_out(self):
        """P43: the decorator's own messages, all at DEBUG."""
        name = failing_task.__module__ + '.failing_task'
        error = ValueError()
        retry = self.lc.RetryDecorator(2, 1, 10, (ValueError,))
        self.assertIs(error, self.assertRaises(
            ValueError, retry(failing_task), error))
        exception = self.line(
            'DEBUG', 'Exception which is in the suggested list of exceptions'
            ' occurred while invoking function: %s.' % name)
        self.assertEqual(
            [self.line('DEBUG', 'Waiting for function %s to return.' % name),
             exception,
             self.line('DEBUG', 'Invoking %s; retry count is 1.' % name),
             exception,
             self.line('DEBUG', 'Invoking %s; retry count is 2.' % name),
             exception,
             self.line('DEBUG', 'Cannot retry %s upon suggested exception'
                       ' since retry count (2) reached max retry count (2).'
                       % name)],
            self._debug_lines())

    def test_p43_nothing_above_debug_when_a_retry_succeeds(self):
        """P43: a retried call that succeeds logs nothing above DEBUG."""
        f = mock.Mock(side_effect=[ValueError(), 'ok'])
        retry = self.lc.RetryDecorator(2, 1, 10, (ValueError,))
        self.assertEqual('ok', retry(f)())
        self.assertEqual(
            [self.line('DEBUG', 'Waiting for function %s to return.'
                       % MOCK_NAME),
             self.line('DEBUG', 'Exception which is in the suggested list of'
                       ' exceptions occurred while invoking function: %s.'
                       % MOCK_NAME),
             self.line('DEBUG', 'Invoking %s; retry count is 1.'
                       % MOCK_NAME)],
            self._debug_lines())
        self.assertEqual([], self.records(logging.INFO))

    def test_p45_looping_call_done_from_f_is_returned(self):
        """P45: f raising LoopingCallDone(x) makes the call return x."""
        self.assertEqual('x', self.lc.RetryDecorator()(
            mock.Mock(side_effect=self.done('x')))())
        retry = self.lc.RetryDecorator(exceptions=(ValueError,))
        self.assertEqual('y', retry(
            mock.Mock(side_effect=[ValueError(), self.done('y')]))())

    def _retried(self, max_retry_count, exceptions, outcomes):
        """What one decorated call gives: (result or error class, calls)."""
        f = mock.Mock(side_effect=outcomes)
        retry = self.lc.RetryDecorator(max_retry_count, 1, 10, exceptions)
        try:
            result = retry(f)()
        except Exception as exc:
            result = type(exc)
        return result, f.call_count

    def test_p45_looping_call_done_among_the_exceptions(self):
        """P45: listed, LoopingCallDone is retried; at the end, returned."""
        for exceptions in ((Exception,), (self.lc.LoopingCallDone,)):
            for count, expected in ((-1, ('ok', 3)), (0, ('x', 1)),
                                    (1, ('y', 2))):
                self.assertEqual(expected, self._retried(
                    count, exceptions,
                    [self.done('x'), self.done('y'), 'ok']),
                    (exceptions, count))

    def test_p45_looping_call_done_not_among_the_exceptions(self):
        """P45: not listed, LoopingCallDone ends the call at once."""
        for exceptions in ((), (ValueError,)):
            for count in (-1, 0, 1):
                self.assertEqual(('x', 1), self._retried(
                    count, exceptions,
                    [self.done('x'), self.done('y'), 'ok']),
                    (exceptions, count))

    def test_p45_debug_messages_when_done_is_not_retried(self):
        """P45: the decorator's DEBUG messages, as for any last failure."""
        retry = self.lc.RetryDecorator(0, 1, 10, (Exception,))
        self.assertEqual('x', retry(failing_task)(self.done('x')))
        name = failing_task.__module__ + '.failing_task'
        self.assertEqual(
            [self.line('DEBUG', 'Waiting for function %s to return.' % name),
             self.line('DEBUG', 'Exception which is in the suggested list'
                       ' of exceptions occurred while invoking function:'
                       ' %s.' % name),
             self.line('DEBUG', 'Cannot retry %s upon suggested exception'
                       ' since retry count (0) reached max retry count (0).'
                       % name)],
            self._debug_lines())
        self.assertEqual([], self.records(logging.INFO))

    def test_p45_oslo_service_looping_call_done_from_f(self):
        """P45: oslo.service's own LoopingCallDone, raised by f, alike."""
        if base.REFERENCE is None:
            self.skipTest('oslo.service is not installed')
        done = base.REFERENCE.LoopingCallDone
        for exceptions, count, expected in (
                ((Exception,), 0, ('x', 1)), ((done,), 1, ('y', 2)),
                ((Exception,), -1, ('ok', 3)), ((), 0, ('x', 1)),
                ((ValueError,), 1, ('x', 1))):
            self.assertEqual(expected, self._retried(
                count, exceptions, [done('x'), done('y'), 'ok']),
                (exceptions, count))

    def test_p45_looping_call_timeout_from_f_is_an_exception(self):
        """P45: LoopingCallTimeOut from f is retried or raised as any."""
        timeout = self.lc.LoopingCallTimeOut
        for exceptions, count, expected in (
                ((Exception,), 0, (timeout, 1)), ((timeout,), 1, (timeout, 2)),
                ((Exception,), -1, ('ok', 3)), ((), -1, (timeout, 1)),
                ((ValueError,), 1, (timeout, 1))):
            self.assertEqual(expected, self._retried(
                count, exceptions, [timeout(), timeout(), 'ok']),
                (exceptions, count))
