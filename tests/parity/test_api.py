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

"""Parity: public names, signatures, subclassing API (P01, P02, P46).
"""

import inspect
import time
from unittest import mock

import eventlet

from tests.parity.base import LOOPS
from tests.parity.base import MOCK_NAME
from tests.parity.base import ParityTestCase


class TestApi(ParityTestCase):

    def test_p01_public_names_and_hierarchy(self):
        """P01: the eight names; looping calls share LoopingCallBase."""
        for name in ('BackOffLoopingCall', 'DynamicLoopingCall',
                     'FixedIntervalLoopingCall',
                     'FixedIntervalWithTimeoutLoopingCall', 'LoopingCallBase',
                     'LoopingCallDone', 'LoopingCallTimeOut',
                     'RetryDecorator'):
            self.assertTrue(hasattr(self.lc, name), name)
        for name, _kind, _kw, _keep in LOOPS:
            self.assertTrue(
                issubclass(self.loop_class(name), self.lc.LoopingCallBase),
                name)
        done, timeout = self.lc.LoopingCallDone, self.lc.LoopingCallTimeOut
        self.assertTrue(issubclass(done, Exception))
        self.assertTrue(issubclass(timeout, Exception))
        self.assertFalse(issubclass(done, timeout))
        self.assertFalse(issubclass(timeout, done))
        self.assertIs(True, done().retvalue)
        self.assertEqual('value', done(retvalue='value').retvalue)

    def _parameters(self, function):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(function).parameters.values()
                if p.name != 'self']

    def test_p02_signatures(self):
        """P02: parameter names, kinds, order and defaults."""
        pos = inspect.Parameter.POSITIONAL_OR_KEYWORD
        empty = inspect.Parameter.empty
        init = [('f', pos, None),
                ('args', inspect.Parameter.VAR_POSITIONAL, empty),
                ('kw', inspect.Parameter.VAR_KEYWORD, empty)]
        fixed = [('interval', pos, empty), ('initial_delay', pos, None),
                 ('stop_on_exception', pos, True)]
        starts = {
            'FixedIntervalLoopingCall': fixed,
            'FixedIntervalWithTimeoutLoopingCall':
                fixed + [('timeout', pos, 0)],
            'DynamicLoopingCall': [('initial_delay', pos, None),
                                   ('periodic_interval_max', pos, None),
                                   ('stop_on_exception', pos, True)],
            'BackOffLoopingCall': [('initial_delay', pos, None),
                                   ('starting_interval', pos, 1),
                                   ('timeout', pos, 300),
                                   ('max_interval', pos, 300),
                                   ('jitter', pos, 0.75),
                                   ('min_interval', pos, 0.001)],
        }
        self.assertEqual(init, self._parameters(
            self.lc.LoopingCallBase.__init__))
        for name, expected in starts.items():
            cls = self.loop_class(name)
            self.assertEqual(init, self._parameters(cls.__init__), name)
            self.assertEqual(expected, self._parameters(cls.start), name)
        self.assertEqual(
            [('max_retry_count', pos, -1), ('inc_sleep_time', pos, 10),
             ('max_sleep_time', pos, 60), ('exceptions', pos, ())],
            self._parameters(self.lc.RetryDecorator.__init__))

    def test_p48_hub_clock_is_monotonic(self):
        """P48: the hub clock is time.monotonic, also inside f."""
        self.eventlet_only('P48 is about the eventlet hub clock')
        self.assertIs(time.monotonic, eventlet.hubs.get_hub().clock)

        def check_clock():
            raise self.done(eventlet.hubs.get_hub().clock is time.monotonic)

        for name, _kind, kwargs, _keep in LOOPS:
            timer = self.loop_class(name)(check_clock)
            self.assertIs(True, self.run_until_done(timer.start(**kwargs)),
                          name)


class TestSubclassing(ParityTestCase):
    """P46: out-of-tree subclasses of LoopingCallBase using _start()."""

    def _custom_class(self, seen):
        class CustomLoopingCall(self.lc.LoopingCallBase):
            _KIND = 'Custom looping call'
            _RUN_ONLY_ONE_MESSAGE = 'Only one custom call at a time'

            def start(self, initial_delay=None, stop_on_exception=True):
                def idle_for(result, elapsed):
                    seen.append((result, elapsed))
                    return result * 2

                return self._start(idle_for, initial_delay=initial_delay,
                                   stop_on_exception=stop_on_exception)

        return CustomLoopingCall

    def setUp(self):
        super().setUp()
        self.sleep = self.patch_sleep()
        self.patch_elapsed(return_value=0.5)
        self.seen = []
        self.cls = self._custom_class(self.seen)

    def test_p46_idle_for_gets_result_and_elapsed(self):
        """P46: idle_for(result, elapsed) decides each sleep."""
        timer = self.cls(mock.Mock(side_effect=[1, 2, self.done('end')]))
        # Every sleep holds the loop until the second start() was tried:
        # a native thread could otherwise end it first.
        held = self.gate()
        self.sleep.side_effect = lambda seconds: held.wait()
        event = timer.start(initial_delay=3)
        raised = self.assertRaises(RuntimeError, timer.start)
        self.assertEqual('Only one custom call at a time', str(raised))
        held.open()
        self.assertEqual('end', self.run_until_done(event))
        self.assertEqual([(1, 0.5), (2, 0.5)], self.seen)
        self.assertEqual([mock.call(3), mock.call(2), mock.call(4)],
                         self.sleep.call_args_list)
        self.assertEqual(
            [self.line('TRACE', "Custom looping call '%s' sleeping for"
                       " %s seconds" % (MOCK_NAME, idle))
             for idle in ('2.00', '4.00')],
            self.lines(5))

    def test_p46_swallowed_error_gives_idle_for_zero(self):
        """P46: stop_on_exception=False: idle_for(0, elapsed) after errors."""
        timer = self.cls(mock.Mock(side_effect=[ValueError(),
                                                self.done('end')]))
        self.assertEqual('end', self.run_until_done(
            timer.start(stop_on_exception=False)))
        self.assertEqual([(0, 0.5)], self.seen)
        self.assertEqual([mock.call(0)], self.sleep.call_args_list)
        self.assertEqual(
            [self.line('ERROR', "Custom looping call '%s' failed"
                       % MOCK_NAME)],
            self.lines())

    def test_p46_error_ends_loop_logged_with_custom_kind(self):
        """P46: stop_on_exception=True: the error ends the loop."""
        error = ValueError()
        timer = self.cls(mock.Mock(side_effect=error))
        self.assertIs(error, self.assertRaises(
            ValueError, self.run_until_done, timer.start()))
        self.assertEqual([], self.seen)
        self.assertEqual(
            [self.line('ERROR', "Custom looping call '%s' failed"
                       % MOCK_NAME)],
            self.lines())
