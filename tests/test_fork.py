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

"""Loops inherited by a forked child (D23): defined, never hanging.

Each case runs in a bounded subprocess that forks: a hang fails the test.
"""

import json
import os
import sys
import textwrap

from harness import procs
from tests import base

SCRIPT = '''
import json, os, sys, time, warnings
warnings.simplefilter('ignore')
from oslo_loopingcall import loopingcall

def done_at_once():
    raise loopingcall.LoopingCallDone('early')

running = loopingcall.FixedIntervalLoopingCall(lambda: None)
running.start(0.01)
ended = loopingcall.FixedIntervalLoopingCall(done_at_once)
ended.start(1)
assert ended.wait() == 'early'
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    out = {}
    try:
        running.wait()
        out['inherited'] = 'returned'
    except RuntimeError as exc:
        out['inherited'] = str(exc)
    out['ended'] = ended.wait()
    out['still_running'] = running._running
    runs = []

    def three():
        runs.append(1)
        if len(runs) == 3:
            raise loopingcall.LoopingCallDone('new')

    out['new'] = loopingcall.FixedIntervalLoopingCall(three).start(
        0.001).wait()
    running.start(0.001)
    running.stop()
    out['restarted'] = running.wait()
    os.write(write, json.dumps(out).encode())
    os._exit(0)
os.close(write)
_, status = os.waitpid(pid, 0)
child = json.loads(os.read(read, 65536).decode())
running.stop()
print(json.dumps({'child': child, 'status': status, 'pid': pid,
                  'parent': running.wait()}))
'''


class TestForkedChild(base.TestCase):

    def run_forking(self):
        env = dict(os.environ, OSLO_LOOPINGCALL_BACKEND=self.backend_name)
        # In a session of its own: a hung child is killed with its parent.
        with procs.Child([sys.executable, '-c', textwrap.dedent(SCRIPT)],
                         env=env, session=True) as child:
            outcome = child.communicate(45)
        self.assertEqual(0, outcome.returncode, outcome.describe())
        return json.loads(outcome.stdout.splitlines()[-1])

    def test_inherited_loops_never_hang_and_new_loops_work(self):
        """D23: inherited loops are disowned in a forked child."""
        out = self.run_forking()
        child = out['child']
        self.assertEqual(0, out['status'])
        # A loop the parent was running: a clear error at once.
        self.assertRegex(
            child['inherited'],
            r'^Fixed interval looping call .* was running in process \d+ '
            r'and does not run in its forked child %d' % out['pid'])
        self.assertFalse(child['still_running'])
        # One that had ended keeps its result.
        self.assertEqual('early', child['ended'])
        # New loops, and the inherited one started again, work.
        self.assertEqual('new', child['new'])
        self.assertIs(True, child['restarted'])
        # The parent's loop was not disturbed.
        self.assertIs(True, out['parent'])
