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

"""The stress suite still fails for a lost wake-up, whatever the load.

Its time limits follow the load of the machine (stress/README.rst): this
checks that they did not make it blind. A tiny round of each mode runs
twice in worker processes of its own, side by side: once as it is, once
with every stop() from the suite's stopper threads lost
(``stress/_inject.py``, which patches the library in that worker only).
The first must find no hung waiter, the second must.
"""

import json
import os
import sys

import testtools

from harness import procs

WORKER = os.path.join(procs.ROOT, 'stress', '_worker.py')

#: A few seconds per worker: 40 loops, rounds of tenths of a second, and
#: a grace of 2 s (stretched by the load, at most 4 times).
TINY = dict(loops=40, retry_callers=4, os_stoppers=1, os_waiters=2,
            os_retry_threads=1, warmup=0.3, duration=0.6, mem_round=0.3,
            kill_round=0, grace=2.0, max_stretch=4.0, ramp_limit=3.0,
            settle=0.2, seed=20260101, short=True, mem_slack_kib=512,
            blocks_slack=2000)
#: Seconds after which a worker counts as hung itself: the stretched
#: limits of its three rounds, and then some.
BOUND = 120


def start(mode, lose_stops):
    cfg = dict(TINY, lose_stops=lose_stops)
    if mode == 'threading':
        cfg['os_retry_threads'] = 0
    return procs.Child([sys.executable, WORKER, mode, json.dumps(cfg)],
                       env=procs.child_env(), cwd=procs.ROOT, session=True)


class TestLostWakeUpFails(testtools.TestCase):

    def _both(self, mode):
        """(checks of the round as it is, of the round with lost stops)."""
        with start(mode, 0) as clean, start(mode, 1) as lossy:
            outcomes = [clean.communicate(BOUND), lossy.communicate(BOUND)]
        results = []
        for outcome in outcomes:
            self.assertFalse(outcome.timed_out, outcome.describe())
            result = procs.last_result(outcome.stdout, 'STRESS-RESULT ')
            self.assertIsNotNone(result, outcome.describe())
            results.append({name: (ok, detail)
                            for name, ok, detail in result['checks']})
        return results, outcomes

    def _check(self, mode, label):
        (clean, lossy), (_, lossy_out) = self._both(mode)
        self.assertTrue(clean['hung waiters'][0], clean['hung waiters'])
        ok, detail = lossy['hung waiters']
        self.assertFalse(ok, lossy_out.describe())
        self.assertIn(label, detail)
        self.assertNotEqual(0, lossy_out.returncode)
        self.assertIn('RESULT: FAIL', lossy_out.stdout)

    def test_eventlet_stop_from_an_os_thread_lost(self):
        self._check('eventlet', ':stop_os')

    def test_threading_stop_from_another_thread_lost(self):
        self._check('threading', ':stop_')
