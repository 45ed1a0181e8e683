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

"""(e) Native-thread mode where eventlet is not installed.

Here ``import eventlet`` (and greenlet) fails in the scenario's process as
if they were not installed, and every attempt is recorded with the module
that made it. ``tox -e noeventlet`` checks the same in a virtualenv that
really lacks them.
"""

from tests.envs import scenario_runner as runner
from tests.envs.scenarios import kinds


class TestWithoutEventlet(runner.EnvTestCase):

    def test_native_threads_work_and_never_try_eventlet(self):
        result = self.scenario('noeventlet', 'native_threads',
                               mode='threading', block_eventlet=True)
        # Only our own attempts count: some releases of our dependencies
        # try eventlet themselves (oslo.log 8.2, on Python 3.10).
        self.assertEqual([], [attempt for attempt in
                              result.pop('eventlet_imports')
                              if (attempt[1] or '').startswith(
                                  'oslo_loopingcall')])
        result.pop('eventlet loaded')
        self.assertEqual('threading', result.pop('mode'))
        self.assertEqual('raised LoopingCallTimeOut at 360.0',
                         result.pop('virtual time'))
        self.assertEqual("returned 'slept'", result.pop('sleep fixture'))
        self.assertEqual(kinds.EXPECTED, result)

    # With no mode chosen and eventlet not installed, native threads are
    # the default (making a looping call used to raise a bare
    # ModuleNotFoundError).
    def test_no_mode_chosen(self):
        """D23: without eventlet, native threads are the default."""
        result = self.scenario('noeventlet', 'default_mode', mode='',
                               block_eventlet=True)
        self.assertEqual("returned 'threading'", result['mode'])
        self.assertEqual("returned 'ran'", result['loop'])
