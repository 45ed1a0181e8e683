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

"""Shared scaffolding of the parity tests: constants, helpers, the test case.

See the package's test modules for what they check, and
doc/source/contributor/behaviour.rst for the rows they cite.
"""

import logging
import re
import threading
import time
from unittest import mock

import eventlet
from eventlet import event as eventlet_event
import fixtures
import greenlet
from oslo_utils import eventletutils

from oslo_loopingcall._backends.osthreads import backend as _threading
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
