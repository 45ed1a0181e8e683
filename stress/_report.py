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

"""The report of a mode's worker: the workload, then the invariants."""

import collections
import gc

from _mode import GREEN
from _mode import MODE
from _plan import BASE
from _plan import Body
from _plan import DONE
from _plan import DYN_ERR
from _plan import ETIMEOUT
from _plan import EXC
from _plan import KILL
from _plan import KILL_NOW
from _plan import STOP_IN_F
from _plan import STOP_IN_F_DONE
from _plan import STOP_MANY
from _plan import STOP_NOW
from _plan import STOP_OS
from _plan import STOP_OTHER
from _plan import TIMEOUT
from harness import report

if GREEN:
    from harness import green
    from oslo_loopingcall._backends.greenthreads import backend as _eventlet


def n(value):
    return f'{value:,}'


def describe(rep, c, loops, peak):
    """The workload: what ran, which faults ended the runs, outcomes."""
    rep.row('loops (concurrent, peak)', f'{n(loops)} ({n(peak)})')
    rep.row('loop objects / runs started / restarts',
            f'{n(c["loops"])} / {n(c["runs"])} / {n(c["restarts"])}')
    rep.row('runs of f', n(c['f_calls']))
    if GREEN:
        rep.row('wait() calls (from OS threads)',
                f'{n(c["waits"] + c["waits_os"])} ({n(c["waits_os"])})')
        rep.row('RetryDecorator calls (from OS threads)',
                f'{n(c["retry_calls"] + c["retry_calls_os"])} '
                f'({n(c["retry_calls_os"])})')
    else:
        rep.row('wait() calls', n(c['waits']))
        rep.row('RetryDecorator calls', n(c['retry_calls']))
    rep.row('RetryDecorator attempts', n(c['retry_attempts']))
    rep.line('faults injected (runs ended by each)')
    e = {k[4:]: v for k, v in c.items() if k.startswith('end:')}
    rep.row('LoopingCallDone(unique value) from f', n(e.get(DONE, 0)))
    rep.row('Exception from f', n(e.get(EXC, 0)))
    rep.row('custom BaseException from f', n(e.get(BASE, 0)))
    if GREEN:
        rep.row('eventlet.Timeout escaping f', n(e.get(ETIMEOUT, 0)))
    rep.row('stop() inside f (then LoopingCallDone)',
            f'{n(e.get(STOP_IN_F, 0) + e.get(STOP_IN_F_DONE, 0))} '
            f'({n(e.get(STOP_IN_F_DONE, 0))})')
    rep.row('stop() right after start()', n(e.get(STOP_NOW, 0)))
    other = 'greenthread' if GREEN else 'thread'
    rep.row(f'stop() from another {other}', n(e.get(STOP_OTHER, 0)))
    if GREEN:
        rep.row('stop() from another OS thread', n(e.get(STOP_OS, 0)))
    rep.row('stop() from 2-4 places at once', n(e.get(STOP_MANY, 0)))
    if GREEN:
        rep.row('_thread.kill() (before the first run)',
                f'{n(e.get(KILL, 0) + e.get(KILL_NOW, 0))} '
                f'({n(e.get(KILL_NOW, 0))})')
    rep.row('timeout (FixedWithTimeout, BackOff)', n(e.get(TIMEOUT, 0)))
    rep.row('Dynamic f returns None, no maximum', n(e.get(DYN_ERR, 0)))
    rep.line('faults injected (loop goes on)')
    rep.row('swallowed (stop_on_exception=False)', n(c['swallowed']))
    rep.row('wait() inside f (RuntimeError)', n(c['wait_in_f']))
    rep.row('f yields mid-run', n(c['f_yields']))
    rep.row('stop() of a finished loop (no effect)', n(c['stop_ended']))
    rep.row('stop() calls from other greenthreads' if GREEN
            else 'stop() calls from other threads',
            n(c['did_stop_other']))
    if GREEN:
        rep.row('stop() calls from OS threads', n(c['did_stop_os']))
        rep.row('kill() calls', n(c['did_kill']))
    rep.row('RetryDecorator: retried / exhausted',
            f'{n(c["retry_retried"])} / {n(c["retry_exhausted"])}')
    rep.row('  other exc / BaseException / LCDone',
            f'{n(c["retry_other"])} / {n(c["retry_base"])} / '
            f'{n(c["retry_done"])}')
    rep.line('outcomes (runs)')
    rep.row('results / stops / exceptions' +
            (' / kills' if GREEN else ''),
            f'{n(c["out:result"])} / {n(c["out:stop"])} / '
            f'{n(c["out:exception"])}' +
            (f' / {n(c["out:kill"])}' if GREEN else ''))


def debug_retained():
    """Print what ended each retained loop greenthread (STRESS_DEBUG)."""
    for obj in gc.get_objects():
        if not isinstance(obj, _eventlet._LoopThread):
            continue
        exc = obj._exit_event._exc
        labels = set()
        tb = exc[2] if exc else None
        while tb is not None:
            run = tb.tb_frame.f_locals.get('self')
            body = getattr(run, 'f', None)
            if isinstance(body, Body) and body.run is not None:
                labels.add(body.run.label)
            tb = tb.tb_next
        print('retained loop greenthread:', exc and exc[1].__class__.__name__,
              obj._exit_event._result, labels, flush=True)


def write(cfg, m, log):
    """The whole report of measures ``m`` (see _worker.Measures)."""
    rep = report.Report()
    rep.line(f'oslo_loopingcall stress: mode {MODE}, seed {cfg["seed"]}, '
             f'{"short" if cfg["short"] else "full"}')
    rep.line('-' * report.Report.WIDTH)
    what = 'main, memory' + (' and kill rounds' if m.kill_round
                             else ' rounds')
    rep.line(f'workload ({what})')
    counts = collections.Counter()
    for rnd in m.rounds[1:]:
        counts.update(rnd.counts)
    describe(rep, counts, cfg['loops'], m.main_round.peak)
    rep.line(f'invariants (all {len(m.rounds)} rounds; memory and load as '
             f'noted)')
    check_outcomes(rep, m, log)
    check_leftovers(rep, cfg, m)
    rep.line(f'wall time {m.wall:.1f} s (main round '
             f'{m.main_round.wall:.1f} s)')
    describe_load(rep, cfg, m.rounds)
    for text in [t for r in m.rounds for t in r.problems][:10]:
        rep.line(f'  problem: {text}')
    for text in m.mem_top:
        rep.line(f'  memory: {text}')
    rep.line(f'RESULT: {"PASS" if rep.ok else "FAIL"}')
    return rep


def check_outcomes(rep, m, log):
    """No waiter hung, every outcome as planned, ERROR records as due."""
    rounds = m.rounds
    hung = sum(r.hung for r in rounds)
    problems = sum(r.n_problems for r in rounds)
    hung_labels = [t for r in rounds for t in r.hung_labels]
    waits = sum(r.counts['waits'] + r.counts['waits_os'] +
                r.counts['retry_calls'] + r.counts['retry_calls_os']
                for r in rounds)
    runs = sum(r.counts['runs'] for r in rounds)
    retry_calls = sum(r.counts['retry_calls'] + r.counts['retry_calls_os']
                      for r in rounds)
    rep.check('hung waiters', hung == 0,
              f'{hung} of {n(waits)} waits and retry calls' +
              (f' {hung_labels[:3]}' if hung else ''))
    rep.check('wrong outcomes', problems == 0,
              f'{problems}; {n(runs)} runs and {n(retry_calls)} '
              f'retry calls checked')
    log_ok, missing, unexpected = log.verdict()
    rep.check('ERROR records', log_ok,
              f'{n(log.errors)} seen, {n(log.n_expected)} expected; '
              f'{unexpected} unexpected, {missing} missing')


def check_leftovers(rep, cfg, m):
    """Threads, greenthreads, timers, descriptors, memory; the load."""
    rep.check('OS threads', m.threads1 <= m.threads0 and m.pools_joined,
              f'before {m.threads0}, after {m.threads1}')
    if GREEN:
        rep.check('greenthreads left', m.alive == 0 and m.retained == 0,
                  f'{m.alive} alive, {m.retained} loop greenthreads '
                  f'retained')
        rep.check('hub timers', m.timers1 <= m.timers0,
                  f'baseline {m.timers0}, after {m.timers1} '
                  f'(settled in {m.timers_wait:.1f} s)')
    else:
        rep.check('loop threads left', m.alive == 0, f'{m.alive} alive')
    check_fds(rep, m)
    slack = cfg['mem_slack_kib']
    rep.check('traced memory', m.mem_delta <= slack * 1024,
              f'{m.mem_delta / 1024:+.1f} KiB, {n(m.mem_blocks)} blocks '
              f'(memory round: {n(m.mem_round.counts["runs"])} runs); '
              f'limit {slack} KiB; largest: {m.mem_largest}')
    rep.check('memory blocks', m.blocks <= cfg['blocks_slack'],
              f'{m.blocks:+,} after the main round; '
              f'limit {cfg["blocks_slack"]:,}')
    check_load(rep, cfg, m.main_round)
    if m.kill_round is not None:
        check_kill_round(rep, cfg, m)


def check_load(rep, cfg, main):
    """All loops of the main round ran at once, unless it was skipped."""
    detail = f'{n(main.peak)} loops at once; required {n(cfg["loops"])}'
    if main.skipped:
        # Not a verdict of its own: what made it skip has failed already.
        rep.status('SKIP', 'load', f'{detail}; main round skipped: '
                                   f'{main.skipped}')
        return
    if main.ramp_missed:
        detail += f'; ramp given up: {main.ramp_missed}'
    rep.check('load', main.peak >= cfg['loops'], detail)


def describe_load(rep, cfg, rounds):
    """How loaded the machine was, and what the rounds made of it."""
    source = ('run-queue delay' if rounds[0].stretch.measured
              else 'load average')
    rep.line(f'CPU stretch ({source}; limits x it, at most '
             f'x{cfg["max_stretch"]:g}): ' +
             ', '.join(f'{r.name} {r.measured:.1f}' for r in rounds))
    for rnd in rounds:
        if rnd.skipped:
            rep.line(f'  note: {rnd.name} round skipped: {rnd.skipped}')
        elif rnd.ramp_missed:
            rep.line(f'  note: {rnd.name} round: ramp given up: '
                     f'{rnd.ramp_missed}')


def check_fds(rep, m):
    """New descriptors: only those the design explains; none since warm-up."""
    extra = sorted(set(m.fds1) - set(m.fds0))
    explained = {}
    if GREEN:
        waker = getattr(m.hub, '_oslo_loopingcall_waker', None)
        pipe = {waker._read, waker._write} if waker else set()
        for fd in extra:
            if fd in pipe:
                explained[fd] = 'waker pipe'
        for fd in green.other_hub_fds(m.hub) & set(extra):
            if 'eventpoll' in m.fds1.get(fd, ''):
                explained[fd] = 'hubs of OS threads'
    unexplained = [f'{fd}={m.fds1[fd]}' for fd in extra
                   if fd not in explained]
    growth = len(m.fds1) - len(m.fds_warm)
    kinds = collections.Counter(explained.values())
    detail = f'before {len(m.fds0)}, after {len(m.fds1)}'
    if kinds:
        detail += ' (' + ', '.join(f'{k} {v}' for k, v in kinds.items()) + ')'
    detail += f'; {growth:+d} since the warm-up'
    if unexplained:
        detail += f'; unexplained {unexplained[:4]}'
    rep.check('file descriptors', not unexplained and growth <= 0, detail)


def check_kill_round(rep, cfg, m):
    """What killing loops while they sleep left behind."""
    counts = m.kill_round.counts
    kills = counts['did_kill'] + counts['end:' + KILL_NOW]
    detail = (f'{n(kills)} kills; {m.k_alive} greenthreads alive; '
              f'{n(m.k_retained)} dead loop greenthreads, '
              f'{m.k_blocks:+,} blocks retained')
    rep.check('kill round leaks', m.k_retained == 0 and
              m.k_blocks <= cfg['blocks_slack'], detail)
