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

"""The rows of the summary tables: what each shows, and its target."""

import statistics


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Row:
    """One line of the summary table.

    ``fn(c, r)`` gives contender c's value in round r (or None); ``judge``
    gets (medians, median of per-round ours/floor, median of per-round
    ref/ours, per-round values) and returns True/False, or None for info;
    the medians are keyed by role (floor, ours, ref).

    ``dnf(c, r)``, if given, returns None or, for a round that ran out of
    its time limit, a dict with ``limit`` and what got done: the limit then
    stands in for the value as a lower bound (shown with ">"), and the
    contender's median is None for ``judge``.
    """

    def __init__(self, label, fn, fmt, target, judge, jobs, prefixes,
                 ratios=True, agg=med, dnf=None):
        self.label = label
        self.fn = fn
        self.fmt = fmt
        self.target = target
        self.judge = judge
        self.jobs = jobs
        self.prefixes = prefixes
        self.ratios = ratios
        self.agg = agg
        self.dnf = dnf


def ratio_list(per_round, a, b):
    out = []
    for va, vb in zip(per_round[a], per_round[b]):
        if va is not None and vb not in (None, 0):
            out.append(va / vb)
    return out


def build_rows(res, big, mid):
    V = res.value
    bigjob = f'start_{big // 1000}k'
    bigl = f'{big // 1000}k'
    midjob = f'start_{mid // 1000}k'
    midl = f'{mid // 1000}k'

    def val(job, key):
        return lambda c, r: V(job, c, r, key)

    def growth(c, r):
        a, b = V(bigjob, c, r, 'start_us'), V('start_1k', c, r, 'start_us')
        return a / b if a is not None and b else None

    def mem_growth(c, r):
        a = V(midjob, c, r, 'traced_per_loop')
        b = V('start_1k', c, r, 'traced_per_loop')
        return a / b if a is not None and b else None

    def tenacity_ratio(c, r):
        # Measured in ours' own process, next to ours' figure.
        if c != 'ours':
            return None
        t = V('micro', 'ours', r, 'tenacity_overhead')
        o = V('micro', 'ours', r, 'retry_overhead')
        return t / o if t is not None and o else None

    def le(limit):
        return lambda m, rof, rro, per: rof is not None and rof <= limit

    def periter_ok(m, rof, rro, per):
        return (rof is not None and rof <= 1.3 and rro is not None and
                rro >= 2.5)

    def ours_abs_le(limit):
        return lambda m, rof, rro, per: (
            m.get('ours') is not None and abs(m['ours']) <= limit)

    def ours_le_ref(m, rof, rro, per):
        return (m.get('ours') is not None and m.get('ref') is not None
                and m['ours'] <= m['ref'])

    def info(*a):
        return None

    rows = [
        Row('per-iteration Fixed(interval=0), us', val('micro',
            'periter_fixed'), '{:.2f}', '<=1.3x floor, >=2.5x faster than ref',
            periter_ok, ['micro'], ['periter_fixed']),
        Row('per-iteration Dynamic(f->0), us', val('micro', 'periter_dynamic'),
            '{:.2f}', '<=1.3x floor, >=2.5x faster than ref', periter_ok,
            ['micro'], ['periter_dynamic']),
        Row('idle CPU per wake-up, us (2000 loops @0.2s)',
            val('idle', 'cpu_per_wake_us'), '{:.2f}', '<=1.25x floor',
            le(1.25), ['idle'], ['idle']),
        Row('idle CPU, % of a core (10k wake-ups/s)', val('idle', 'cpu_pct'),
            '{:.1f}', 'info', info, ['idle'], ['idle']),
        Row('first loop of a process (one-time set-up), us',
            val('start_1k', 'first_loop_us'), '{:.0f}', 'info', info,
            ['start_1k'], ['first loop']),
        Row('start to idle, us/loop @1k', val('start_1k', 'start_us'),
            '{:.2f}', '<=1.2x floor', le(1.2), ['start_1k'], ['start 1000']),
        Row(f'start to idle, us/loop @{midl}', val(midjob, 'start_us'),
            '{:.2f}', '<=1.2x floor', le(1.2), [midjob], [f'start {mid}']),
        Row(f'start to idle, us/loop @{bigl}', val(bigjob, 'start_us'),
            '{:.2f}', '<=1.2x floor', le(1.2), [bigjob], [f'start {big}']),
        Row(f'start cost growth {bigl}/1k (x)', growth, '{:.2f}',
            "no worse than floor's (+10% noise)", le(1.10),
            ['start_1k', bigjob], ['start']),
        Row(f'memory/idle loop, RSS @{bigl}, bytes', val(bigjob,
            'rss_per_loop'), '{:.0f}', '<=1.05x floor', le(1.05), [bigjob],
            [f'start {big}']),
        Row(f'memory/idle loop, tracemalloc @{midl}, bytes',
            val(midjob, 'traced_per_loop'), '{:.0f}', '<=1.05x floor',
            le(1.05), [midjob], [f'memory {mid}']),
        Row(f'memory/loop growth {midl}/1k (tracemalloc, x)', mem_growth,
            '{:.3f}', 'info', info, ['start_1k', midjob], ['memory']),
        Row('stop->wait latency median, us', val('micro', 'stoplat_median'),
            '{:.1f}', 'ours <= ref', ours_le_ref, ['micro'], ['stop->wait']),
        Row('stop->wait latency p99, us', val('micro', 'stoplat_p99'),
            '{:.1f}', 'ours <= ref', ours_le_ref, ['micro'], ['stop->wait']),
    ]
    for ms, job in ((1, 'accuracy'), (15, 'accuracy'), (100, 'drift')):
        for kind in ('short', 'half'):
            rows.append(Row(
                f'mean period error @{ms}ms, {kind} f, %',
                val(job, f'err_{kind}_{ms}ms'), '{:+.3f}', '|ours| <= 1%',
                ours_abs_le(1.0), [job], [f'{job} {kind}_{ms}ms'],
                ratios=False))
    for ms, job in ((15, 'accuracy'), (100, 'drift')):
        for kind in ('short', 'half'):
            rows.append(Row(
                f'mean |period error| @{ms}ms, {kind} f, ms',
                val(job, f'abserr_{kind}_{ms}ms'), '{:.3f}',
                'ours <= 0.1 ms', ours_abs_le(0.1), [job],
                [f'{job} {kind}_{ms}ms'], ratios=False))
    for kind in ('short', 'half'):
        rows.append(Row(
            f'drift @100ms, {kind} f, ms per 100 periods',
            val('drift', f'drift_{kind}_100ms'), '{:+.2f}', '|ours| <= 1 ms',
            ours_abs_le(1.0), ['drift'], [f'drift {kind}_100ms'],
            ratios=False))
    rows += [
        Row('2 CPU-bound competitors: shortest gap between runs, '
            'x interval', val('load', 'min_gap_frac'), '{:.2f}',
            'ours >= 0.5 (no burst)',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] >= 0.5),
            ['load'], ['load'], ratios=False),
        Row('2 CPU-bound competitors: drift @100ms, ms per 100 periods',
            val('load', 'drift_ms'), '{:+.2f}', '|ours| <= 2 ms',
            ours_abs_le(2.0), ['load'], ['load'], ratios=False),
        Row('0.5 s stall at 0.2 s: shortest gap between runs, x interval',
            val('stall', 'min_gap_frac'), '{:.2f}', 'ours >= 0.5 (no burst)',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] >= 0.5),
            ['stall'], ['stall'], ratios=False),
    ]
    rows += [
        Row('RetryDecorator 1st-success overhead, us',
            val('micro', 'retry_overhead'), '{:.3f}',
            'ours <=1 us, >=20x faster than ref',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] <= 1.0 and
                rro is not None and rro >= 20),
            ['micro'], ['retry']),
        Row('  tenacity @retry overhead, us (in each process); '
            'ref/ours col = tenacity/ours',
            val('micro', 'tenacity_overhead'), '{:.3f}',
            '>=10x faster than tenacity',
            lambda m, rof, rro, per: (
                per is not None and per >= 10),
            ['micro'], ['retry'], ratios=False),
        Row('capacity: iterations/s, % of 100k asked',
            val('capacity', 'pct_of_asked'), '{:.1f}', 'ours >= 95%',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] >= 95),
            ['capacity'], ['capacity'], ratios=False),
        Row('capacity: p99 lateness (period - interval), ms',
            val('capacity', 'late_p99_ms'), '{:.2f}', 'ours <= 2 ms',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] <= 2.0),
            ['capacity'], ['capacity'], ratios=False),
        Row('leak: greenthreads + timers left (max)',
            lambda c, r: (None if V('leak', c, r, 'greenthreads_left') is None
                          else V('leak', c, r, 'greenthreads_left') +
                          V('leak', c, r, 'timers_left')),
            '{:.0f}', '0', lambda m, rof, rro, per: m.get('ours') == 0,
            ['leak'], ['leak'], ratios=False,
            agg=lambda xs: max([x for x in xs if x is not None],
                               default=None)),
        Row('leak: memory vs baseline after 2x1000 cycles, KiB (max)',
            val('leak', 'mem_delta_kib'), '{:.1f}', '<= 16 KiB',
            lambda m, rof, rro, per: (
                m.get('ours') is not None and m['ours'] <= 16),
            ['leak'], ['leak'], ratios=False,
            agg=lambda xs: max([x for x in xs if x is not None],
                               default=None)),
    ]
    for row in rows:
        if row.label.startswith('  tenacity'):
            row.tenacity_ratio = tenacity_ratio
    return rows


def k_label(n):
    return f'{n // 1000}k' if n >= 1000 and not n % 1000 else str(n)


def build_thread_rows(res, nstop):
    """The rows of the native-thread section (roles: floor, ours, ref)."""
    V = res.value
    nl = k_label(nstop)
    stopjob = f'thr_stop_{nl}'

    def val(job, key, scale=1):
        def get(c, r):
            v = V(job, c, r, key)
            return None if v is None else v * scale
        return get

    def stop_dnf(c, r):
        got = res.data.get(stopjob, {}).get(c, {}).get(r)
        if got is None:
            return None
        v = got['values']
        if v.get('stop_s') is not None or v.get('phase') not in (
                'stop', 'wait', 'end'):
            return None
        return {'limit': v['limit_s'], 'n': v['n'],
                'stopped': v.get('stopped', 0),
                'waited': v.get('waited', 0),
                'ended': max(v.get('ended', 0), v.get('waited', 0)),
                'killed': 'killed_after_s' in v}

    def le(limit):
        return lambda m, rof, rro, per: rof is not None and rof <= limit

    def ours_le(limit):
        return lambda m, rof, rro, per: (
            m.get('ours') is not None and m['ours'] <= limit)

    def info(*a):
        return None

    def worst(xs):
        return max([x for x in xs if x is not None], default=None)

    threads = 'OS threads left after 1000 start/stop/wait cycles'
    return [
        Row('per-iteration Fixed(interval=0), us',
            val('thr_micro', 'periter_fixed'), '{:.2f}', '<=1.5x floor',
            le(1.5), ['thr_micro'], ['periter_fixed']),
        Row('per-iteration Dynamic(f->0), us',
            val('thr_micro', 'periter_dynamic'), '{:.2f}', 'info', info,
            ['thr_micro'], ['periter_dynamic']),
        Row('RetryDecorator 1st-success overhead, us',
            val('thr_micro', 'retry_overhead'), '{:.3f}', 'ours <= 1 us',
            ours_le(1.0), ['thr_micro'], ['retry']),
        Row('stop->wait latency median, us',
            val('thr_micro', 'stoplat_median'), '{:.1f}', 'info', info,
            ['thr_micro'], ['stop->wait']),
        Row('stop->wait latency p99, us', val('thr_micro', 'stoplat_p99'),
            '{:.1f}', 'info', info, ['thr_micro'], ['stop->wait']),
        Row(f'{threads}, immediately (max)',
            val('thr_threads', 'threads_immediately'), '{:.0f}',
            '<= 1 (the last one exiting)', ours_le(1), ['thr_threads'],
            ['threads'], ratios=False, agg=worst),
        Row(f'{threads}, after gc + 0.1 s (max)',
            val('thr_threads', 'threads_settled'), '{:.0f}', '0',
            ours_le(0), ['thr_threads'], ['threads'], ratios=False,
            agg=worst),
        Row(f'{threads}, after gc + 1.2 s (max)',
            val('thr_threads', 'threads_later'), '{:.0f}', 'info', info,
            ['thr_threads'], ['threads'], ratios=False, agg=worst),
        Row(f'start {nl} native loops until all idle, s',
            val(stopjob, 'start_s'), '{:.2f}', 'info', info, [stopjob],
            [f'stop {nstop}: all']),
        Row(f'memory/idle native loop, RSS @{nl}, KiB',
            val(stopjob, 'rss_per_loop', 1 / 1024), '{:.1f}', 'info', info,
            [stopjob], [f'stop {nstop}: all']),
        Row(f'stop() all {nl}, then wait() all, s', val(stopjob, 'stop_s'),
            '{:.2f}', 'ours <= 5 s', ours_le(5.0), [stopjob],
            [f'stop {nstop}'], dnf=stop_dnf),
        Row(f'  threads still alive 0.2 s after the last of {nl} wait() '
            f'(max)', val(stopjob, 'threads_after_stop'), '{:.0f}', 'info',
            info, [stopjob], [f'stop {nstop}'], ratios=False, agg=worst),
    ]
