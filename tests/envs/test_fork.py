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

"""(b) Forked children, while other threads of the parent use loops.

oslo.service's ProcessLauncher forks eventlet workers with ``os.fork()``
(the child then takes a new hub); its threading backend uses
multiprocessing's 'fork' context. The child gets a copy of every lock and
pipe in the state it was in at that instant, held or not.
"""

import json

import testscenarios

from tests.envs import scenario_runner as runner

#: What a child (and the parent, afterwards) reports from
#: tests.envs.scenarios.fork.exercise when new loops work there.
EXERCISE = {'start': 'returned 1', 'wait': "returned 'child'",
            'stop from an OS thread': 'returned None',
            'wait after it': 'returned True at once'}

_START_LOCK = ('a child forked while another thread holds the start lock '
               'deadlocks; see TestForkedInsideStart')


class TestChildrenWhileLoopsChurn(testscenarios.WithScenarios,
                                  runner.EnvTestCase):
    """Children forked at random instants of the parent's churn."""

    scenarios = runner.MODES

    def churn(self, **args):
        result = self.scenario('fork', 'child_while_threads_churn',
                               args=args)
        self.assertEqual([], result['parent threads'])
        self.assertEqual(EXERCISE, result['parent after'])
        return [json.loads(c) for c in result['children']]

    def test_os_fork(self):
        self.assertEqual([EXERCISE], self.churn(via='fork'))

    def test_multiprocessing_fork_context(self):
        self.assertEqual([EXERCISE], self.churn(via='multiprocessing'))

    def test_os_fork_like_process_launcher(self):
        # ProcessLauncher's child: tpool.killall() and a new hub.
        self.assertEqual([EXERCISE], self.churn(via='fork', launcher=True))


class TestForkedInsideStart(runner.EnvTestCase):
    """A child forked while another thread is inside start() (held open).

    Both modes: start() holds a module-level lock (the backend's
    ``start_lock``) while it spawns. A fork at that instant copies the lock
    held; the child makes its locks anew (``os.register_at_fork``), so its
    first start() does not wait for a holder that does not exist there.
    The parent is unaffected.
    """

    def forked_inside_start(self, mode, **args):
        result = self.scenario('fork', 'child_forked_inside_start',
                               mode=mode, args=args)
        self.assertEqual(EXERCISE, result['parent after'])
        self.assertEqual("returned 'x'", result['parent starter'])
        self.assertEqual(EXERCISE, result['child'])

    def test_eventlet_mode_like_process_launcher(self):
        self.forked_inside_start('eventlet', launcher=True)

    def test_threading_mode_os_fork(self):
        self.forked_inside_start('threading', via='fork')

    def test_threading_mode_multiprocessing_fork_context(self):
        self.forked_inside_start('threading', via='multiprocessing')


class TestInheritedLoop(runner.EnvTestCase):
    """A loop that was running when the process forked, seen in the child.

    In both modes the loop is the parent's (D23). In the child it does not
    run, ``wait()`` raises ``RuntimeError`` at once (it never waits for a
    loop that cannot end), ``stop()`` is harmless, ``start()`` starts a run
    of the child's own. The parent's loop goes on.
    """

    def assertDefined(self, mode, **args):
        result = self.scenario('fork', 'inherited_loop', mode=mode,
                               args=args)
        self.assertTrue(result['parent loop runs on'])
        self.assertEqual('returned True', result['parent wait'])
        child = result['child']
        self.assertIsInstance(child, dict, child)
        self.assertNotIn('hung', child)
        self.assertFalse(child['runs on in the child'])
        for key in ('wait', 'wait after stop'):
            self.assertRegex(child[key], '^(raised RuntimeError|returned)')
        self.assertEqual('returned None', child['stop'])
        self.assertEqual('returned True', child['start'])
        self.assertEqual('returned True', child['wait after start'])

    # A plain fork keeps the hub and its greenthreads: the parent's loop,
    # disowned in the child, ends there at its next wake-up without
    # running f again.
    def test_eventlet_mode_os_fork(self):
        self.assertDefined('eventlet')

    # With a new hub (ProcessLauncher) the loop could never run again:
    # wait() says so at once, and start() starts it anew.
    def test_eventlet_mode_like_process_launcher(self):
        """D23: ProcessLauncher's child disowns the parent's loops."""
        self.assertDefined('eventlet', launcher=True)

    # The loop's thread does not exist in the child: wait() says so at
    # once, and start() starts it anew.
    def test_threading_mode_os_fork(self):
        self.assertDefined('threading')
