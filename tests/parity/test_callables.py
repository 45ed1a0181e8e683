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

"""Parity: callable objects whose attributes raise (P06, P39, D25).

oslo.service names ``f`` with oslo.utils, which reads a callable object's
class, never the object itself: a proxy whose ``__getattr__`` raises
something other than ``AttributeError`` runs there, and must run here.
"""

from tests.parity.base import FIXED
from tests.parity.base import LOOPS
from tests.parity.base import ParityTestCase

#: How both libraries name a Proxy in their logs.
PROXY_NAME = __name__ + '.Proxy'


class Proxy:
    """Forwards attributes to a dict: a missing one is a KeyError."""

    def __init__(self, outcomes):
        self._attrs = {}
        self._outcomes = list(outcomes)

    def __getattr__(self, name):
        return self._attrs[name]

    def __call__(self):
        outcome = self._outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class TestProxyAsF(ParityTestCase):

    def test_p06_d25_a_proxy_runs_in_every_kind(self):
        """P06, D25: a proxy raising KeyError for attributes runs as f."""
        self.patch_sleep()
        for name, _kind, kwargs, keep in LOOPS:
            timer = self.loop_class(name)(Proxy([keep, self.done('ran')]))
            self.assertEqual('ran', self.run_until_done(
                timer.start(**kwargs)), name)

    def test_p06_d25_a_proxy_is_named_in_the_logs(self):
        """P06, D25: TRACE and ERROR name it after its class."""
        self.patch_sleep()
        self.patch_elapsed(return_value=0)
        error = ValueError('boom')
        timer = self.lc.FixedIntervalLoopingCall(Proxy([None, error]))
        self.assertIs(error, self.assertRaises(
            ValueError, self.run_until_done, timer.start(interval=30)))
        self.assertEqual(
            [self.line('TRACE', "%s '%s' sleeping for 30.00 seconds"
                       % (FIXED, PROXY_NAME)),
             self.line('ERROR', "%s '%s' failed" % (FIXED, PROXY_NAME))],
            self.lines(5))

    def test_p06_d25_a_proxy_whose_errors_are_swallowed(self):
        """P06, D25: stop_on_exception=False logs it and goes on."""
        self.patch_sleep()
        timer = self.lc.FixedIntervalLoopingCall(
            Proxy([ValueError('boom'), self.done('ran')]))
        self.assertEqual('ran', self.run_until_done(
            timer.start(interval=30, stop_on_exception=False)))
        self.assertEqual(
            [self.line('ERROR', "%s '%s' failed" % (FIXED, PROXY_NAME))],
            self.lines())

    def test_p39_decorating_a_proxy_is_functools_wraps_error(self):
        """P39: functools.wraps lets the proxy's KeyError through.

        Copying ``__name__`` and the others is not naming: both libraries
        refuse such a proxy when decorating it, with the same error.
        """
        retry = self.lc.RetryDecorator(exceptions=(ValueError,))
        raised = self.assertRaises(KeyError, retry, Proxy(['ok']))
        self.assertEqual(KeyError('__name__').args, raised.args)
