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

"""(c) A stalled scheduler, and a CPU under contention.

A stall is a call that does not yield (in eventlet mode, a blocking call
in a greenthread holds up the whole hub; with native threads, a thread
that keeps the GIL). Contention: busy processes beside the scenario, more
of them than there are cores.
"""

import testscenarios

from tests.envs import scenario_runner as runner


class TestStall(testscenarios.WithScenarios, runner.EnvTestCase):

    scenarios = runner.MODES

    # D21, both modes: after a wake-up later than a whole interval the
    # schedule restarts from the late run, so the run after the stall is
    # not followed by a second one back to back (gaps 0.5, 0.2, 0.2, never
    # 0.5, 0.0, 0.2).
    def test_no_burst_after_a_stall(self):
        interval = 0.2
        result = self.scenario('stall', 'schedule_after_a_stall',
                               args={'interval': interval, 'block': 0.5})
        self.assertEqual('returned 4', result['outcome'])
        first, *rest = result['gaps']
        # Bounds from below only, so that they hold on a loaded machine,
        # which can only make runs later. Run j after the stall is due j
        # intervals after the late run (the restarted schedule): it may be
        # late, but never early. The burst ran the next one at 0.0. 5 ms
        # of slack for the gaps' rounding and the timer's.
        self.assertGreaterEqual(result['stall'][0], 0.5)
        self.assertGreaterEqual(first, 0.45)
        since_the_late_run = 0
        for j, gap in enumerate(rest, 1):
            since_the_late_run += gap
            self.assertGreaterEqual(since_the_late_run,
                                    j * interval - 0.005, result['gaps'])
        # Only catches a loop that stopped.
        for gap in result['gaps']:
            self.assertLess(gap, 5, result['gaps'])

    def test_nothing_hangs_or_is_lost_through_stalls(self):
        result = self.scenario('stall', 'nothing_hangs_or_is_lost')
        self.assertEqual({'wrong': [],
                          'stopped during a stall': 'returned True True',
                          'stopper': 'returned None',
                          'leaks': {}}, result)

    def test_under_cpu_contention(self):
        # Three busy processes on top of the suite's own workers: the
        # machine is overbooked for the scenario's whole life.
        result = self.scenario('stall', 'under_contention', competitors=3)
        self.assertEqual({'retry': "returned 'retried' after 3",
                          'stop from an OS thread': 'returned None',
                          'its wait': 'returned True',
                          'wrong': [], 'paced': "returned 'paced'",
                          'early runs': [], 'leaks': {}}, result)
