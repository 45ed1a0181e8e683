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

"""One mode of the stress suite, in a process of its own (see run.py).

Usage: ``python stress/_worker.py MODE CONFIG_JSON``

MODE is ``eventlet`` or ``threading``: it is chosen (``_mode.py``) with
``oslo_loopingcall.backend.set_backend()`` before anything else, since the
mode is per process. The summary table goes to stdout, followed by one line
``STRESS-RESULT <json>`` for run.py. The exit status is 0 only if every
invariant holds.

Rounds, all checked: a warm-up (same concurrency, a short time); the main
round; a memory round traced by tracemalloc (which would slow the main
round down, native-thread starts above all); in eventlet mode, a kill round
where loops are also killed while they sleep (see README.rst: eventlet
would retain them if they slept in ``Event.wait(timeout)``).

* in each round, one *controller* per loop (a greenthread, or an OS thread
  in native-thread mode) starts its loop again and again until the round's
  time is up, each run with a fault chosen at random (seeded) that decides
  how the run must end, and with extra waiters, stoppers and killers;
* RetryDecorator callers share a few decorators meanwhile;
* every wait() is registered while it blocks: one still blocked at the
  round's hard deadline is counted HUNG (and, for a greenthread, released),
  so that nothing blocks for ever;
* afterwards, threads, greenthreads, hub timers, file descriptors, memory
  and ERROR records are compared with their baselines.
"""

import gc
import json
import logging
import os
import sys
import threading
import time
import tracemalloc

# _mode first of ours: importing it chooses the mode of the process.
from _mode import GREEN
from _mode import MODE
from _plan import KILL
import _report
from _rounds import ErrorLog
from _rounds import LOGGER_NAME
from _suite import Suite
from harness import probes
from harness import report

if GREEN:
    from eventlet import hubs
    from harness import green

clock = time.monotonic


def live_loop_threads():
    """(loops whose thread still runs, loop greenthreads still kept)."""
    if GREEN:
        return green.loop_greenthreads()
    gc.collect()
    alive = sum(1 for t in threading.enumerate()
                if t.name.startswith('loopingcall:'))
    return alive, 0


def retained_mem(mem0, slack_kib):
    """What tracemalloc still finds allocated since ``mem0``.

    Returns the bytes, the number of blocks, the largest site (the tables
    of dicts and sets that churn, such as ``threading._active``, are
    reallocated whole now and then) and, over the limit, the top sites.
    """
    gc.collect()
    gc.collect()
    mem1 = tracemalloc.get_traced_memory()[0]
    stats = tracemalloc.take_snapshot().statistics('lineno')
    blocks = sum(stat.count for stat in stats)
    largest = ''
    if stats:
        frame = stats[0].traceback[0]
        largest = (f'{os.path.basename(frame.filename)}:{frame.lineno}, '
                   f'{stats[0].size / 1024:.0f} KiB')
    top = []
    if mem1 - mem0 > slack_kib * 1024:
        top = [str(stat) for stat in stats[:8]]
    return mem1 - mem0, blocks, largest, top


class Measures:
    """The rounds of a mode, and what they left against the baselines.

    The baselines are taken first, before the suite's pools of threads
    exist.
    """

    def __init__(self, cfg, log):
        self.cfg = cfg
        self.hub = hubs.get_hub() if GREEN else None
        gc.collect()
        self.threads0 = threading.active_count()
        self.fds0 = probes.open_fds()
        self.timers0 = green.hub_timers(self.hub)[0] if GREEN else 0
        self.suite = Suite(cfg, log)
        self.rounds = []
        self.kill_round = None

    def run(self, name, duration, endings, ramp=True):
        hung = [r for r in self.rounds if r.hung]
        skipped = None
        if hung:
            # Report instead of hanging again; the report says why.
            duration, ramp = 0, False
            skipped = (f'the {hung[0].name} round had {hung[0].hung:,} '
                       f'hung waiters')
        rnd = self.suite.run_round(name, duration, endings, ramp)
        rnd.skipped = skipped
        self.rounds.append(rnd)
        return rnd

    def settle_limit(self):
        """Seconds to let what a round left settle, as loaded as it was."""
        factor = self.rounds[-1].factor if self.rounds else 1.0
        return self.cfg['settle'] * factor

    def quiesce(self):
        if GREEN:
            green.settle_timers(self.timers0, self.hub,
                                limit=self.settle_limit())
        gc.collect()

    def run_rounds(self):
        cfg = self.cfg
        self.suite.start_pools()
        # Killing a loop greenthread while it sleeps makes eventlet (with
        # greenlet, on CPython 3.11) retain the killed greenthread and
        # whatever its frames reference, without our library involved (see
        # the guarantees page): delayed kills get a round of their own,
        # after the memory has been measured.
        endings = [e for e in self.suite.endings if e != KILL]
        self.run('warm-up', cfg['warmup'], endings)
        self.quiesce()
        self.fds_warm = probes.open_fds()
        blocks0 = sys.getallocatedblocks()
        self.main_round = self.run('main', cfg['duration'], endings)
        self.quiesce()
        self.alive, self.retained = live_loop_threads()
        if self.retained and os.environ.get('STRESS_DEBUG'):
            _report.debug_retained()
        self.blocks = sys.getallocatedblocks() - blocks0
        self.run_memory_round(endings)
        if GREEN and cfg['kill_round'] > 0:
            self.run_kill_round()

    def run_memory_round(self, endings):
        # tracemalloc slows native-thread starts several times over (it
        # takes the GIL for allocations made without it): it traces a round
        # of its own, after the main round has grown every structure to
        # full size.
        tracemalloc.start()
        gc.collect()
        mem0 = tracemalloc.get_traced_memory()[0]
        self.mem_round = self.run('memory', self.cfg['mem_round'], endings,
                                  ramp=False)
        self.quiesce()
        alive, retained = live_loop_threads()
        self.alive = max(self.alive, alive)
        self.retained = max(self.retained, retained)
        (self.mem_delta, self.mem_blocks, self.mem_largest,
         self.mem_top) = retained_mem(mem0, self.cfg['mem_slack_kib'])
        tracemalloc.stop()

    def run_kill_round(self):
        self.quiesce()
        blocks0 = sys.getallocatedblocks()
        self.kill_round = self.run('kills', self.cfg['kill_round'],
                                   self.suite.endings)
        self.quiesce()
        self.k_alive, self.k_retained = live_loop_threads()
        self.k_blocks = sys.getallocatedblocks() - blocks0
        self.alive = max(self.alive, self.k_alive)

    def leftovers(self):
        """Once the rounds are over: timers, threads, descriptors."""
        limit = self.settle_limit()
        if GREEN:
            self.timers1, self.timers_wait = green.settle_timers(
                self.timers0, self.hub, limit=limit)
        self.pools_joined = self.suite.stop_pools(timeout=limit * 2)
        self.threads1 = probes.settle_threads(self.threads0, limit=limit)
        if not GREEN:
            self.alive = max(self.alive, live_loop_threads()[0])
        gc.collect()
        self.fds1 = probes.open_fds()


def main():
    cfg = json.loads(sys.argv[2])
    if cfg.get('lose_stops'):
        # A fault of the library's own, made up: the suite must fail.
        import _inject
        _inject.lose_stops(cfg['lose_stops'])
    t_start = clock()
    log = ErrorLog()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(log)
    logger.propagate = False
    measures = Measures(cfg, log)
    measures.run_rounds()
    measures.leftovers()
    measures.wall = clock() - t_start
    rep = _report.write(cfg, measures, log)
    print(rep.text(), flush=True)
    report.emit(dict(mode=MODE, ok=rep.ok, wall=measures.wall,
                     checks=rep.items), 'STRESS-RESULT ')
    return 0 if rep.ok else 1


if __name__ == '__main__':
    # Do not wait for threads left blocked by a failure.
    report.exit_now(main())
