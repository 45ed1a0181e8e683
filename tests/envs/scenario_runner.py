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

"""Run a scenario in a bounded subprocess set up like a real service.

A scenario is a function ``name(**args) -> dict`` in a module of
``tests/envs/scenarios/``. :func:`run_scenario` starts a fresh interpreter
(``python -m tests.envs._boot``) that sets the environment up *before
anything else* -- the mode, a full ``eventlet.monkey_patch()``, eventlet's
asyncio hub, an ``import eventlet`` that fails as if eventlet were not
installed -- then calls the scenario and prints its result as one JSON line.

Bounded in time, twice over: the child dumps the stacks of all its threads
and exits shortly before the deadline (``faulthandler``); the parent kills
the whole process group (forked grandchildren included) at the deadline.
Either way the test fails with everything the process printed; it never
stalls the suite. The processes are the shared harness's
(:mod:`harness.procs`).

CPU contention: ``competitors=N`` runs N busy-looping processes beside the
scenario for its whole life.
"""

import json
import os
import sys

import testtools
from testtools import content

from harness import procs

#: The first code of a scenario's process. Run as a module from the root
#: (``python -m``), not as a script: a script's folder comes first on
#: ``sys.path``, and this module's name would hide the shared harness.
BOOT = 'tests.envs._boot'
MARK = 'ENV-RESULT '

#: Default deadline (seconds) of one scenario process. Scenarios bound
#: their own waits far below it (a few seconds): this is for the
#: unexpected, such as a deadlock inside the interpreter.
DEADLINE = 60

#: The modes, for testscenarios (the same names as tests.base.BACKENDS).
MODES = [(name, {'mode': name}) for name in
         os.environ.get('OSLO_LOOPINGCALL_TEST_BACKENDS',
                        'eventlet,threading').split(',')]


class ScenarioError(AssertionError):
    """The scenario's process hung, crashed or printed no result."""


def _environment(mode, hub, extra):
    env = procs.child_env(mode)
    env.pop('EVENTLET_HUB', None)
    if hub:
        env['EVENTLET_HUB'] = hub
    # Unbuffered, so that a process killed at its deadline still shows
    # what it printed.
    env['PYTHONUNBUFFERED'] = '1'
    env.update(extra or {})
    return env


def run_scenario(module, scenario, *, mode='eventlet', monkey_patch=False,
                 hub=None, block_eventlet=False, competitors=0, args=None,
                 deadline=DEADLINE, env=None, python=None):
    """Run ``tests.envs.scenarios.<module>.<scenario>(**args)``.

    :param mode: ``OSLO_LOOPINGCALL_BACKEND`` of the process.
    :param monkey_patch: call ``eventlet.monkey_patch()`` first thing.
    :param hub: ``EVENTLET_HUB`` (e.g. ``'asyncio'``), or None.
    :param block_eventlet: make ``import eventlet`` (and greenlet) fail as
        if they were not installed; the attempts are reported in the
        result under ``'eventlet_imports'``.
    :param competitors: busy-looping processes to run meanwhile.
    :param args: keyword arguments of the scenario (JSON values).
    :param deadline: seconds after which the process group is killed.
    :param python: the interpreter (default: this one).
    :returns: the process's :class:`harness.procs.Outcome`, with its
        ``result`` (None if the process printed none).
    """
    config = dict(module=module, scenario=scenario, args=args or {},
                  monkey_patch=monkey_patch, block_eventlet=block_eventlet,
                  dump_after=max(1, deadline - 3))
    busy = procs.start_busy(competitors, session=True)
    try:
        # Leaving the block kills whatever the scenario forked and left.
        with procs.Child([python or sys.executable, '-m', BOOT,
                          json.dumps(config)],
                         env=_environment(mode, hub, env),
                         cwd=procs.ROOT, session=True) as child:
            outcome = child.communicate(deadline)
    finally:
        procs.stop_busy(busy)
    if outcome.timed_out:
        outcome.stderr += f'\n[killed at the deadline of {deadline} s]'
    outcome.result = procs.last_result(outcome.stdout, MARK)
    return outcome


class EnvTestCase(testtools.TestCase):
    """A test that runs scenarios in subprocesses.

    No in-process timeout fixture is needed: the harness bounds every
    subprocess.
    """

    #: The mode of the scenarios (set by testscenarios from MODES).
    mode = 'eventlet'

    def scenario(self, module, scenario, **options):
        """Run a scenario in this test's mode; return its result dict.

        Fails the test, with all the process printed, when the process
        hangs, crashes or prints no result.
        """
        options.setdefault('mode', self.mode)
        outcome = run_scenario(module, scenario, **options)
        self.addDetail('scenario', content.text_content(
            f'{module}.{scenario} {options}\n' + outcome.describe()))
        if outcome.result is None or outcome.returncode != 0:
            raise ScenarioError(
                f'{module}.{scenario} ({options}) gave no result:\n' +
                outcome.describe())
        return outcome.result
