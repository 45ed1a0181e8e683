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
(``tests/envs/_boot.py``) that sets the environment up *before anything
else* -- the mode, a full ``eventlet.monkey_patch()``, eventlet's asyncio
hub, an ``import eventlet`` that fails as if eventlet were not installed --
then calls the scenario and prints its result as one JSON line.

Bounded in time, twice over: the child dumps the stacks of all its threads
and exits shortly before the deadline (``faulthandler``); the parent kills
the whole process group (forked grandchildren included) at the deadline.
Either way the test fails with everything the process printed; it never
stalls the suite.

CPU contention: ``competitors=N`` runs N busy-looping processes beside the
scenario for its whole life.
"""

import json
import os
import signal
import subprocess
import sys
import time

import testtools
from testtools import content

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BOOT = os.path.join(HERE, '_boot.py')
MARK = 'ENV-RESULT '

#: Default deadline (seconds) of one scenario process. Scenarios bound
#: their own waits far below it (a few seconds): this is for the
#: unexpected, such as a deadlock inside the interpreter.
DEADLINE = 60

#: The modes, for testscenarios (the same names as tests.base.BACKENDS).
MODES = [(name, {'mode': name}) for name in
         os.environ.get('OSLO_LOOPINGCALL_TEST_BACKENDS',
                        'eventlet,threading').split(',')]

_BUSY = 'import time\nwhile True:\n    pass\n'


class ScenarioError(AssertionError):
    """The scenario's process hung, crashed or printed no result."""


class Outcome:
    """What one scenario process produced."""

    def __init__(self, result, returncode, stdout, stderr, wall):
        self.result = result
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.wall = wall

    def describe(self):
        return (f'exit status {self.returncode} after {self.wall:.1f} s\n'
                f'--- stdout ---\n{self.stdout[-6000:]}\n'
                f'--- stderr ---\n{self.stderr[-12000:]}')


def _environment(mode, hub, extra):
    env = dict(os.environ)
    env['OSLO_LOOPINGCALL_BACKEND'] = mode
    env.pop('EVENTLET_HUB', None)
    if hub:
        env['EVENTLET_HUB'] = hub
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (ROOT, env.get('PYTHONPATH')) if p)
    env.setdefault('PYTHONWARNINGS', 'ignore::DeprecationWarning')
    # Unbuffered, so that a process killed at its deadline still shows
    # what it printed.
    env['PYTHONUNBUFFERED'] = '1'
    env.update(extra or {})
    return env


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
    :returns: an :class:`Outcome`; ``result`` is None if the process
        printed no result.
    """
    config = dict(module=module, scenario=scenario, args=args or {},
                  monkey_patch=monkey_patch, block_eventlet=block_eventlet,
                  dump_after=max(1, deadline - 3))
    busy = [subprocess.Popen([sys.executable, '-c', _BUSY],
                             start_new_session=True)
            for _ in range(competitors)]
    started = time.monotonic()
    proc = subprocess.Popen(
        [python or sys.executable, BOOT, json.dumps(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_environment(mode, hub, env), cwd=ROOT, start_new_session=True)
    try:
        try:
            stdout, stderr = proc.communicate(timeout=deadline)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            stdout, stderr = proc.communicate()
            stderr += f'\n[killed at the deadline of {deadline} s]'
    finally:
        # Whatever the scenario forked and left behind goes too.
        _kill_group(proc.pid)
        for competitor in busy:
            _kill_group(competitor.pid)
            competitor.wait()
    result = None
    for line in stdout.splitlines():
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
    return Outcome(result, proc.returncode, stdout, stderr,
                   time.monotonic() - started)


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
