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

"""Shared test scaffolding."""

import importlib
import logging

import eventlet
import fixtures
import testtools

from oslo_loopingcall import loopingcall

#: Seconds any single test may take before it is failed as hung.
TEST_TIMEOUT = 20


def _reference():
    try:
        return importlib.import_module('oslo_service.loopingcall')
    except ImportError:
        return None


#: oslo_service.loopingcall when it is installed, else None.
REFERENCE = _reference()

#: testscenarios list running a test against this library and, when it is
#: installed, against oslo_service.loopingcall (attribute ``lc``).
IMPLEMENTATIONS = [('ours', {'lc': loopingcall, 'reference': False})]
if REFERENCE is not None:
    IMPLEMENTATIONS.append(('oslo_service', {'lc': REFERENCE,
                                             'reference': True}))


class TestCase(testtools.TestCase):
    """Base test case: bounded in time, logs captured, no stray loops."""

    def setUp(self):
        super().setUp()
        # SIGALRM-based, so even a test stuck in the eventlet hub fails.
        self.useFixture(fixtures.Timeout(TEST_TIMEOUT, gentle=True))
        self.log = self.useFixture(fixtures.FakeLogger(
            level=5, format='%(levelname)s %(name)s %(message)s'))

    def records(self, level=logging.WARNING):
        """Log lines at ``level`` or above, as '<LEVEL> <name> <message>'."""
        names = {n: logging.getLevelName(n) for n in range(0, 60)}
        wanted = {names[n] for n in names if n >= level
                  and not names[n].startswith('Level ')}
        return [line for line in self.log.output.splitlines()
                if line.split(' ', 1)[0] in wanted]

    def run_until_done(self, event, timeout=5):
        """Wait for a done event, failing the test rather than hanging."""
        with eventlet.Timeout(timeout):
            return event.wait()
