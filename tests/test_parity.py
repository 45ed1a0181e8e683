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

"""Parity with oslo.service 4.8.0: the PARITY rows (P01-P48) of BEHAVIOR.md.

Every test runs against this library and, when it is installed, against
``oslo_service.loopingcall`` itself, so each assertion is checked on the
reference too. Where a DEFECT row makes the two differ on purpose, the test
branches on ``self.reference`` and names the row.

Every test also runs in both modes (eventlet and native threads); the
reference is compared in eventlet mode only. In native-thread mode a loop
runs in parallel with the test, so the tests wait for the state they look
at (``wait_for``, ``settle``) instead of yielding once, and ``f`` blocks on
a :class:`Gate` where the test needs the loop held at a given point.

Time is controlled through the seams consumers patch (``_sleep``,
``_elapsed``, ``random.SystemRandom.gauss``, and the abort flag's ``wait``:
``EventletEvent.wait``, or ``ThreadAbort.wait`` with native threads). The
few real waits are either interrupted by ``stop()`` and bounded by
``run_until_done``, or a blocking ``time.sleep`` inside ``f`` that makes a
timeout certain to have passed.
"""

import inspect
import logging
import random
import re
import threading
import time
import traceback
from unittest import mock

import eventlet
from eventlet import event as eventlet_event
import fixtures
import greenlet
from oslo_utils import eventletutils

from oslo_loopingcall import _threading
from tests import base

#: Logger of each implementation. The name is not part of the contract
#: (both live under oslo.log's 'oslo.' prefix), but a record on any other
#: logger would be a bug, so the tests pin it per implementation.
OUR_LOGGER = 'oslo.loopingcall.loopingcall'
REFERENCE_LOGGER = 'oslo.service.backend._common.loopingcall'

FIXED = 'Fixed interval looping call'
FIXED_TIMEOUT = 'Fixed interval looping call with timeout checking.'
DYNAMIC = 'Dynamic interval looping call'
BACKOFF = 'Dynamic backoff interval looping call'

#: The four looping calls: class name, kind in log messages, start()
#: keywords giving a 30 s idle time, and a result of ``f`` that keeps the
#: loop going (with jitter patched to 1, BackOff idles 30 s after True).
LOOPS = (
    ('FixedIntervalLoopingCall', FIXED, {'interval': 30}, None),
    ('FixedIntervalWithTimeoutLoopingCall', FIXED_TIMEOUT,
     {'interval': 30}, None),
    ('DynamicLoopingCall', DYNAMIC, {}, 30),
    ('BackOffLoopingCall', BACKOFF, {'starting_interval': 30}, True),
)

RUN_ONLY_ONE = {
    'FixedIntervalLoopingCall':
        'A fixed interval looping call can only run one function at a time',
    # The doubled "at at" is the reference's text, kept for parity.
    'FixedIntervalWithTimeoutLoopingCall':
        'A fixed interval looping call with timeout checking and can only'
        ' run one function at at a time',
    'DynamicLoopingCall':
        'A dynamic interval looping call can only run one function at a time',
    'BackOffLoopingCall':
        'A dynamic backoff interval looping call can only run one function'
        ' at a time',
}

MISSING_SLEEP_VALUE = ('A dynamic interval looping call should supply either'
                       ' an interval or periodic_interval_max')

TIMEOUT_MESSAGE = re.compile(
    r'^Looping call timed out after (\d+\.\d\d) seconds$')

MOCK_NAME = 'unittest.mock.Mock'


def failing_task(error):
    """Raise ``error``; module level, so its logged name is known."""
    raise error


def sleeping_task(seconds):
    """Block for ``seconds``, so that a short timeout has surely passed."""
    time.sleep(seconds)


class Gate:
    """What ``f`` blocks on until the test opens it, in either mode.

    ``wait()`` returns the value given to ``open()``; once open, it returns
    at once. With native threads the wait is bounded, so a test that fails
    before opening the gate leaves no thread blocked for ever.
    """

    def __init__(self, green):
        self._green = green
        self._event = eventlet_event.Event() if green else threading.Event()
        self._value = None

    def wait(self):
        if self._green:
            return self._event.wait()
        if not self._event.wait(base.TEST_TIMEOUT):
            raise AssertionError('the gate was never opened')
        return self._value

    def open(self, value=None):
        if self._green:
            self._event.send(value)
        else:
            self._value = value
            self._event.set()


class _RecordingHandler(logging.Handler):
    """Keeps the records themselves, to check their ``exc_info``."""

    def __init__(self):
        super().__init__(level=0)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class ParityTestCase(base.TestCase):

    scenarios = base.with_backends(base.IMPLEMENTATIONS)

    def setUp(self):
        super().setUp()
        self.logger_name = (REFERENCE_LOGGER if self.reference
                            else OUR_LOGGER)
        self.handler = _RecordingHandler()
        self.useFixture(fixtures.LogHandler(self.handler,
                                            nuke_handlers=False))
        # BackOff's idle times are random unless the jitter is pinned; 1
        # makes them the bare interval. Tests of the jitter itself set
        # their own value.
        self.gauss = self.useFixture(fixtures.MockPatch(
            'random.SystemRandom.gauss', return_value=1)).mock

    # -- helpers -----------------------------------------------------------

    @property
    def abort_class(self):
        """The class whose ``wait`` every idle period goes through (P37)."""
        return (eventletutils.EventletEvent if self.green
                else _threading.ThreadAbort)

    @property
    def done_class(self):
        """The class of the done event ``start()`` returns."""
        return eventlet_event.Event if self.green else _threading.ThreadDone

    def current(self):
        """The greenthread, or OS thread, running now."""
        return greenlet.getcurrent() if self.green else (
            threading.current_thread())

    def gate(self):
        return Gate(self.green)

    def loop_class(self, name):
        return getattr(self.lc, name)

    def make(self, name, f, *args, **kw):
        """Build a looping call with positional args for f.

        The reference's BackOffLoopingCall rejects positional args (D20:
        "multiple values for argument 'f'"), so they are assigned after
        construction, which P05 says is equivalent.
        """
        timer = self.loop_class(name)(f, **kw)
        timer.args = args
        return timer

    def done(self, value=True):
        return self.lc.LoopingCallDone(value)

    def patch_sleep(self, **kwargs):
        """Replace every idle period of every loop with a recording mock."""
        return self.useFixture(fixtures.MockPatchObject(
            self.lc.LoopingCallBase, '_sleep', **kwargs)).mock

    def patch_elapsed(self, **kwargs):
        """Fix the run time of ``f`` that the loop measures."""
        return self.useFixture(fixtures.MockPatchObject(
            self.lc.LoopingCallBase, '_elapsed', **kwargs)).mock

    def lines(self, level=logging.WARNING, exact=False):
        """Our loggers' lines at ``level`` (or above) as in base.records."""
        name = logging.getLevelName(level)
        return [line for line in self.records(level)
                if line.split(' ', 2)[1] == self.logger_name
                and (not exact or line.split(' ', 1)[0] == name)]

    def line(self, level, message):
        return '%s %s %s' % (level, self.logger_name, message)

    def error_records(self):
        return [r for r in self.handler.records
                if r.levelno >= logging.WARNING]

    def assertSleeps(self, expected, sleep_mock, places=7, message=''):
        """Each sleep is one positional value, equal to 7 decimals.

        7 decimals, as oslo's own test_interval_adjustment, because the
        reference rounds fixed-interval idle times to 10 ms and we do not
        (D01): the values chosen here are exact in both.
        """
        calls = sleep_mock.call_args_list
        self.assertEqual(len(expected), len(calls),
                         '%s: %s' % (message, calls))
        for i, (want, got) in enumerate(zip(expected, calls)):
            self.assertEqual(((mock.ANY,), {}), (got.args, got.kwargs),
                             message)
            self.assertEqual(0, round(got.args[0] - want, places),
                             '%s call #%d: expected %r, got %r'
                             % (message, i, want, got.args[0]))

    def idling(self, timer):
        """Return ``settle()``, which returns once ``timer`` idles.

        Call it before ``timer.start()``. In eventlet mode ``settle()`` is
        one yield, which runs a new loop up to its first sleep. In
        native-thread mode the loop runs in parallel: ``settle()`` waits
        until the loop enters an idle period (initial delay included),
        seen through its abort flag's ``wait``, wrapped on the instance so
        that the loop keeps its unpatched fast path.
        """
        if self.green:
            return lambda: eventlet.sleep(0)
        asleep = threading.Event()
        abort = timer._abort

        def wait(timeout=None):
            asleep.set()
            return type(abort).wait(abort, timeout)

        abort.wait = wait
        self.addCleanup(vars(abort).pop, 'wait', None)

        def settle():
            self.wait_for(asleep.is_set, what='the loop idling')
            asleep.clear()

        return settle

    def start_and_yield(self, timer, **kwargs):
        """Start a loop and let it run up to its first (real) sleep."""
        settle = self.idling(timer)
        event = timer.start(**kwargs)
        settle()
        return event

    def let_run(self, predicate, what):
        """Let started loops run until ``predicate()`` holds.

        In eventlet mode one yield must be enough.
        """
        if self.green:
            eventlet.sleep(0)
            self.assertTrue(predicate(), what)
        else:
            self.wait_for(predicate, what=what)


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
            self.assertIs(True, self.run_until_done(event, timeout=2), name)
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
            self.assertIs(True, self.run_until_done(event, timeout=2), name)
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
            # Bounded at 2 s: a loop that slept its interval would take 30.
            self.assertIs(True, self.run_until_done(event, timeout=2), name)
            self.assertLess(time.monotonic() - began, 2, name)
            self.assertEqual(1, f.call_count, name)

    def test_p12_stop_during_initial_delay(self):
        """P12: stop() during initial_delay: f never runs, wait() True."""
        for name, _kind, kwargs, keep in LOOPS:
            f = mock.Mock(return_value=keep)
            timer = self.loop_class(name)(f)
            event = self.start_and_yield(timer, initial_delay=30, **kwargs)
            timer.stop()
            self.assertIs(True, self.run_until_done(event, timeout=2), name)
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
            self.assertIs(True, self.run_until_done(event, timeout=2), name)
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
            self.assertIs(True, self.run_until_done(event, timeout=2), name)
            event = self.start_and_yield(timer, **kwargs)
            self.assertEqual(2, f.call_count, name)
            timer.stop()
            self.assertIs(True, self.run_until_done(event, timeout=2), name)

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
            self.assertIs(True, self.run_until_done(event, timeout=2), name)

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


class TestFailures(ParityTestCase):
    """Exceptions from f or from the idle policy, and what is logged."""

    def test_p18_exception_from_f_reaches_wait_and_is_logged(self):
        """P18: same instance from wait(); one ERROR '<kind> <name> failed'."""
        func_name = __name__ + '.failing_task'
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
                       % (FIXED_TIMEOUT, __name__))],
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


class TestSleepSeams(ParityTestCase):
    """P37: consumers neutralise every sleep through EventletEvent.wait.

    In native-thread mode the same contract holds for
    ``oslo_loopingcall._threading.ThreadAbort.wait``, which
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
                timer.start(initial_delay=60, **kwargs), timeout=2), name)
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
        self.assertEqual('ok', self.call_bounded(retry(f), timeout=2))
        self.assertEqual([mock.call(60), mock.call(120)],
                         wait.call_args_list)

    def test_p37_autospec_patch(self):
        """P37: ironic's autospec=True patch (the event passed as self)."""
        wait = self._patch_wait(autospec=True)
        timer = self.lc.DynamicLoopingCall(
            mock.Mock(side_effect=[45, 45, self.done('x')]))
        self.assertEqual('x', self.run_until_done(
            timer.start(initial_delay=60), timeout=2))
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
                timer.start(initial_delay=60, **kwargs), timeout=2), name)
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
        name = __name__ + '.failing_task'
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
