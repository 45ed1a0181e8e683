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

"""Bad arguments to every public entry point (D08, D17, D18, decisions).

A bad argument is rejected by ``start()`` (or the ``RetryDecorator``
constructor) with a ``TypeError`` or ``ValueError`` that names the parameter
and shows the value, before anything is spawned, and the looping call can
be started properly afterwards. Values the reference gives a meaning (a
timeout <= 0, ``max_retry_count=-1``, None where the signature defaults to
None, ...) keep being accepted, with that meaning. Every table runs in both
modes (eventlet and native threads).
"""

import re
from unittest import mock

import testscenarios

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base

LC = loopingcall
NAN = float('nan')
INF = float('inf')
OBJ = object()

load_tests = testscenarios.load_tests_apply_scenarios

#: The start() entry points and arguments under which each is valid.
ENTRIES = {
    'Fixed': (LC.FixedIntervalLoopingCall, {'interval': 0.01}),
    'FixedWithTimeout': (LC.FixedIntervalWithTimeoutLoopingCall,
                         {'interval': 0.01, 'timeout': 5}),
    'Dynamic': (LC.DynamicLoopingCall, {'periodic_interval_max': 0.01}),
    'BackOff': (LC.BackOffLoopingCall, {'starting_interval': 0.01}),
}

# (label, value, expected exception) rows, combined per parameter below.
NONE = [('None', None, TypeError)]
WRONG_TYPES = [
    ('str', '1', TypeError),
    ('object', OBJ, TypeError),
    ('complex', 1j, TypeError),
    ('list', [1], TypeError),
]
NOT_A_NUMBER = [('nan', NAN, ValueError)]
INFINITE = [('inf', INF, ValueError)]
NEGATIVE = [
    ('negative', -1, ValueError),
    ('small_negative', -0.001, ValueError),
    ('minus_inf', -INF, ValueError),
]
NOT_CALLABLE = [
    ('None', None, TypeError),
    ('int', 42, TypeError),
    ('str', 'f', TypeError),
]

#: Per entry point: parameter -> the bad values for it. None is bad only
#: where the signature gives it no meaning; infinity only where it cannot
#: be a length of time to wait.
START_PARAMS = {
    'Fixed': {
        'f': NOT_CALLABLE,
        'interval': NONE + WRONG_TYPES + NOT_A_NUMBER + INFINITE + NEGATIVE,
        'initial_delay': WRONG_TYPES + NOT_A_NUMBER + INFINITE + NEGATIVE,
    },
    'FixedWithTimeout': {
        'f': NOT_CALLABLE,
        'interval': NONE + WRONG_TYPES + NOT_A_NUMBER + INFINITE + NEGATIVE,
        'initial_delay': WRONG_TYPES + NOT_A_NUMBER + INFINITE + NEGATIVE,
        'timeout': NONE + WRONG_TYPES + NOT_A_NUMBER,
    },
    'Dynamic': {
        'f': NOT_CALLABLE,
        'initial_delay': WRONG_TYPES + NOT_A_NUMBER + INFINITE + NEGATIVE,
        'periodic_interval_max': WRONG_TYPES + NOT_A_NUMBER + NEGATIVE,
    },
    'BackOff': {
        'f': NOT_CALLABLE,
        'initial_delay': WRONG_TYPES + NOT_A_NUMBER + INFINITE + NEGATIVE,
        'starting_interval': (NONE + WRONG_TYPES + NOT_A_NUMBER + INFINITE +
                              NEGATIVE),
        'timeout': NONE + WRONG_TYPES + NOT_A_NUMBER,
        'max_interval': NONE + WRONG_TYPES + NOT_A_NUMBER + NEGATIVE,
        'jitter': WRONG_TYPES + NOT_A_NUMBER + INFINITE,
        'min_interval': (NONE + WRONG_TYPES + NOT_A_NUMBER + INFINITE +
                         NEGATIVE),
    },
}

RETRY_PARAMS = {
    'max_retry_count': [
        ('None', None, TypeError),
        ('str', '3', TypeError),
        ('float', 1.5, TypeError),
        ('nan', NAN, ValueError),
        ('inf', INF, ValueError),
        ('object', OBJ, TypeError),
        ('minus_two', -2, ValueError),
        ('minus_ten', -10, ValueError),
    ],
    'inc_sleep_time': (NONE + WRONG_TYPES + NOT_A_NUMBER + INFINITE +
                       NEGATIVE),
    'max_sleep_time': WRONG_TYPES + NOT_A_NUMBER + NEGATIVE,
    'exceptions': [
        ('None', None, TypeError),
        ('instance', ValueError('x'), TypeError),
        ('str', 'ValueError', TypeError),
        ('not_an_exception_class', int, TypeError),
        ('list', [ValueError], TypeError),
        ('tuple_with_str', (ValueError, 'x'), TypeError),
        ('tuple_with_instance', (ValueError, KeyError('k')), TypeError),
    ],
}


def _rejected_start_scenarios():
    for entry, params in START_PARAMS.items():
        cls, valid = ENTRIES[entry]
        for param, rows in params.items():
            for label, value, exc in rows:
                yield ('%s.start(%s=%s)' % (entry, param, label),
                       {'cls': cls, 'valid': valid, 'param': param,
                        'value': value, 'exc': exc})


def _rejected_retry_scenarios():
    for param, rows in RETRY_PARAMS.items():
        for label, value, exc in rows:
            yield ('RetryDecorator(%s=%s)' % (param, label),
                   {'param': param, 'value': value, 'exc': exc})


class ValidationTestCase(base.TestCase):

    def assertNamesParameterAndValue(self, exc):
        # Exactly the documented type, not some subclass of it.
        self.assertIs(self.exc, type(exc))
        message = str(exc)
        self.assertRegex(message, r'\b%s\b' % re.escape(self.param))
        self.assertIn(repr(self.value), message)


class TestStartRejects(ValidationTestCase):

    scenarios = base.with_backends(_rejected_start_scenarios())

    def test_rejected_before_anything_starts(self):
        f = mock.Mock(side_effect=LC.LoopingCallDone('ok'))
        timer = self.cls(f)
        kwargs = dict(self.valid)
        if self.param == 'f':
            timer.f = self.value
        else:
            kwargs[self.param] = self.value

        exc = self.assertRaises(self.exc, timer.start, **kwargs)
        self.assertNamesParameterAndValue(exc)
        self.assertIsNone(timer._thread)
        self.assertIsNone(timer.done)
        # Nothing was scheduled either.
        self.yield_()
        f.assert_not_called()
        self.assertIsNone(timer._thread)
        self.assertEqual([], self.records())

        # The object is still usable.
        timer.f = f
        self.assertEqual('ok', self.run_until_done(timer.start(**self.valid)))
        f.assert_called_once_with()
        self.assertIsNone(timer._thread)


class TestRetryDecoratorRejects(ValidationTestCase):

    scenarios = base.with_backends(_rejected_retry_scenarios())

    def test_rejected_at_construction(self):
        exc = self.assertRaises(self.exc, LC.RetryDecorator,
                                **{self.param: self.value})
        self.assertNamesParameterAndValue(exc)


class TestStartAccepts(base.TestCase):
    """Values the reference gives a meaning, with the idle times it means.

    ``f`` returns ``results`` in turn and then ends the loop; ``sleeps`` are
    the idle times the loop asks for, exactly as recorded by
    VirtualTimeFixture (run time 0, back-off jitter 1).
    """

    scenarios = base.with_backends([
        ('Fixed.interval=0',
         {'cls': LC.FixedIntervalLoopingCall, 'kwargs': {'interval': 0},
          'results': [None, None], 'sleeps': [0, 0]}),
        ('Fixed.initial_delay=None',
         {'cls': LC.FixedIntervalLoopingCall,
          'kwargs': {'interval': 1, 'initial_delay': None},
          'results': [None], 'sleeps': [1]}),
        ('Fixed.initial_delay=0',
         {'cls': LC.FixedIntervalLoopingCall,
          'kwargs': {'interval': 1, 'initial_delay': 0},
          'results': [None], 'sleeps': [1]}),
        ('Fixed.initial_delay=2',
         {'cls': LC.FixedIntervalLoopingCall,
          'kwargs': {'interval': 1, 'initial_delay': 2},
          'results': [None], 'sleeps': [2, 1]}),
        # A timeout <= 0 taken as a deadline would expire after one run.
        ('FixedWithTimeout.timeout=0',
         {'cls': LC.FixedIntervalWithTimeoutLoopingCall,
          'kwargs': {'interval': 1, 'timeout': 0},
          'results': [None] * 3, 'sleeps': [1] * 3}),
        ('FixedWithTimeout.timeout=negative',
         {'cls': LC.FixedIntervalWithTimeoutLoopingCall,
          'kwargs': {'interval': 1, 'timeout': -1},
          'results': [None] * 3, 'sleeps': [1] * 3}),
        ('FixedWithTimeout.timeout=inf',
         {'cls': LC.FixedIntervalWithTimeoutLoopingCall,
          'kwargs': {'interval': 1, 'timeout': INF, 'initial_delay': None},
          'results': [None] * 3, 'sleeps': [1] * 3}),
        ('Dynamic.defaults',
         {'cls': LC.DynamicLoopingCall,
          'kwargs': {'initial_delay': None, 'periodic_interval_max': None},
          'results': [0.5, 0], 'sleeps': [0.5, 0]}),
        ('Dynamic.periodic_interval_max=inf',
         {'cls': LC.DynamicLoopingCall,
          'kwargs': {'periodic_interval_max': INF},
          'results': [100, None], 'sleeps': [100, INF]}),
        ('Dynamic.periodic_interval_max=0',
         {'cls': LC.DynamicLoopingCall,
          'kwargs': {'periodic_interval_max': 0},
          'results': [5, None], 'sleeps': [0, 0]}),
        ('Dynamic.suggestion=True',
         {'cls': LC.DynamicLoopingCall, 'kwargs': {},
          'results': [True], 'sleeps': [True]}),
        # A back-off timeout <= 0 taken as a budget would expire at once.
        ('BackOff.timeout=0',
         {'cls': LC.BackOffLoopingCall, 'kwargs': {'timeout': 0},
          'results': [False] * 5, 'sleeps': [2, 3, 4.5, 6.75, 10.125]}),
        ('BackOff.timeout=negative',
         {'cls': LC.BackOffLoopingCall, 'kwargs': {'timeout': -1},
          'results': [False] * 5, 'sleeps': [2, 3, 4.5, 6.75, 10.125]}),
        ('BackOff.timeout=inf,max_interval=inf',
         {'cls': LC.BackOffLoopingCall,
          'kwargs': {'timeout': INF, 'max_interval': INF},
          'results': [False] * 5, 'sleeps': [2, 3, 4.5, 6.75, 10.125]}),
        ('BackOff.jitter=None,initial_delay=None',
         {'cls': LC.BackOffLoopingCall,
          'kwargs': {'jitter': None, 'initial_delay': None},
          'results': [True, False, False], 'sleeps': [1, 2, 4]}),
        ('BackOff.starting_interval=0',
         {'cls': LC.BackOffLoopingCall,
          'kwargs': {'starting_interval': 0, 'min_interval': 0.25},
          'results': [False, False], 'sleeps': [0.25, 0.5]}),
    ])

    def test_accepted_with_its_meaning(self):
        clock = self.useFixture(fixture.VirtualTimeFixture(jitter=1.0))
        f = mock.Mock(side_effect=self.results + [LC.LoopingCallDone('ok')])
        timer = self.cls(f)
        self.assertEqual('ok', self.run_until_done(timer.start(**self.kwargs)))
        self.assertEqual(len(self.results) + 1, f.call_count)
        sleeps = clock.idle_times_of(timer)
        self.assertEqual(self.sleeps, sleeps)
        for want, got in zip(self.sleeps, sleeps):
            if want is True:
                # Handed to _sleep as is, not converted (P29).
                self.assertIs(True, got)
        self.assertEqual([], self.records())


class TestRetryDecoratorAccepts(base.TestCase):
    """Retry settings the reference gives a meaning, with their sleeps."""

    scenarios = base.with_backends([
        ('max_retry_count=-1',
         {'kwargs': {'max_retry_count': -1, 'inc_sleep_time': 1,
                     'max_sleep_time': 2},
          'failures': 5, 'sleeps': [1, 2, 2, 2, 2]}),
        ('max_retry_count=0',
         {'kwargs': {'max_retry_count': 0, 'inc_sleep_time': 1},
          'failures': 0, 'sleeps': []}),
        ('max_retry_count=3.0',
         {'kwargs': {'max_retry_count': 3.0, 'inc_sleep_time': 1},
          'failures': 3, 'sleeps': [1, 2, 3]}),
        ('max_sleep_time=None',
         {'kwargs': {'inc_sleep_time': 1, 'max_sleep_time': None},
          'failures': 4, 'sleeps': [1, 2, 3, 4]}),
        ('max_sleep_time=inf',
         {'kwargs': {'inc_sleep_time': 1, 'max_sleep_time': INF},
          'failures': 4, 'sleeps': [1, 2, 3, 4]}),
        ('inc_sleep_time=0',
         {'kwargs': {'max_retry_count': 2, 'inc_sleep_time': 0},
          'failures': 2, 'sleeps': [0, 0]}),
        ('exceptions=class',
         {'kwargs': {'max_retry_count': 3, 'inc_sleep_time': 1,
                     'exceptions': ValueError},
          'failures': 2, 'sleeps': [1, 2]}),
    ])

    def test_accepted_with_its_meaning(self):
        sleepfx = self.useFixture(fixture.SleepFixture())
        kwargs = dict(self.kwargs)
        kwargs.setdefault('exceptions', (ValueError,))
        f = mock.Mock(side_effect=[ValueError()] * self.failures + ['ok'])
        decorated = LC.RetryDecorator(**kwargs)(f)
        self.assertEqual('ok', self.call_bounded(lambda: decorated('arg')))
        self.assertEqual(self.failures + 1, f.call_count)
        f.assert_called_with('arg')
        self.assertEqual(self.sleeps,
                         [c.args[0] for c in sleepfx.mock_wait.call_args_list])
        self.assertEqual([], self.records())
