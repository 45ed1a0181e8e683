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

"""The summary of benchmark results: medians, ratios, verdicts, tables.

For a run (``run.py``) and for saved results (``load_results``,
``summaries``: the docs make their tables with ``table_lines``).
"""

from benchmarks._rows import build_rows
from benchmarks._rows import build_thread_rows
from benchmarks._rows import med
from benchmarks._rows import ratio_list

#: The roles of a section's three contenders, in table order.
ROLES = ('floor', 'ours', 'ref')


class Section:
    def __init__(self, name, contenders, worker, title):
        self.name = name
        self.contenders = contenders        # in ROLES order
        self.names = dict(zip(ROLES, contenders))
        self.worker = worker                # run as python -m WORKER
        self.title = title


SECTIONS = {
    'eventlet': Section('eventlet', ('floor', 'ours', 'ref'),
                        'benchmarks._worker', 'eventlet'),
    'threading': Section(
        'threading', ('floor-threading', 'ours-threading', 'ref-threading'),
        'benchmarks._worker_threading',
        'native threads: floor = floor-threading, ours = ours-threading, '
        'ref = ref-threading'),
}


class Results:
    def __init__(self, rounds):
        self.rounds = rounds
        self.data = {}          # job -> contender -> round -> result dict

    def put(self, job, contender, rnd, result):
        self.data.setdefault(job, {}).setdefault(contender, {})[rnd] = result

    def value(self, job, contender, rnd, key):
        res = self.data.get(job, {}).get(contender, {}).get(rnd)
        if res is None:
            return None
        v = res['values'].get(key)
        return v if isinstance(v, (int, float)) else None

    def failures(self, job, contender, prefixes):
        bad = []
        for res in self.data.get(job, {}).get(contender, {}).values():
            for name, ok, detail in res['checks']:
                if ok:
                    continue
                if name.startswith('!crash') or any(
                        name.startswith(p) for p in prefixes):
                    bad.append((name, detail))
        return bad


def fmt(row, v):
    return '-' if v is None else row.fmt.format(v)


def dnf_text(d):
    """'> limit, did not finish', with how far the phase got."""
    if d['stopped'] < d['n']:
        return (f'>{d["limit"]:g} DNF (stop() {d["stopped"]}/{d["n"]}, '
                f'{d["ended"]} ended)')
    return f'>{d["limit"]:g} DNF ({d["ended"]}/{d["n"]} ended)'


def summarize(res, rows, rounds, section):
    """Per-row medians, ratios and verdicts; prints the details."""
    names = section.names
    summary = []
    print(f'\n=== Details, {section.name} (per-round values; ratios are '
          f'per round) ===')
    for row in rows:
        print(f'\n{row.label}')
        m = {}
        per_round = {}
        lower = {}              # role -> DNF info: value is a lower bound
        for role in ROLES:
            c = names[role]
            vals = []
            shown = []
            for r in range(rounds):
                v = row.fn(c, r)
                d = row.dnf(c, r) if row.dnf else None
                if d is not None:
                    lower[role] = d
                    v = d['limit']
                    shown.append(
                        f'{dnf_text(d)} [stop() {d["stopped"]}, wait() '
                        f'{d["waited"]}' +
                        (', killed]' if d['killed'] else ']'))
                elif v is not None:
                    shown.append(fmt(row, v))
                vals.append(v)
            per_round[role] = vals
            m[role] = None if role in lower else row.agg(vals)
            result = (dnf_text(lower[role]) if role in lower else
                      fmt(row, m[role]))
            print(f'  {c:15s}: {" ".join(shown)}   -> {result}')
        rof = rro = per = None
        if row.ratios:
            of = ratio_list(per_round, 'ours', 'floor')
            ro = ratio_list(per_round, 'ref', 'ours')
            rof, rro = med(of), med(ro)
            print('  ours/floor: ' + ' '.join(f'{x:.2f}' for x in of) +
                  (f'   -> {rof:.2f}' if rof is not None else ''))
            print('  ref/ours:   ' + ' '.join(f'{x:.2f}' for x in ro) +
                  (f'   -> {rro:.2f}' if rro is not None else ''))
        tr = getattr(row, 'tenacity_ratio', None)
        if tr is not None:
            ts = [tr('ours', r) for r in range(rounds)]
            ts = [x for x in ts if x is not None]
            per = med(ts)
            print('  tenacity/ours: ' + ' '.join(f'{x:.1f}' for x in ts) +
                  (f'   -> {per:.1f}' if per is not None else ''))
        if all(v is None for v in m.values()) and not lower:
            verdict = 'n/a'             # not run (--only)
        else:
            verdict = row.judge(m, rof, rro, per)
        fails = []
        for role in ROLES:
            for job in row.jobs:
                if res.failures(job, names[role], row.prefixes):
                    fails.append(names[role])
                    break
        met = {True: 'yes', False: 'NO', None: 'info', 'n/a': 'n/a'}[verdict]
        if fails:
            met += ' FAIL:' + ','.join(fails)
        summary.append((row, m, rof, rro, per, met, lower))
    return summary


def _bound(lower_of, num, den):
    """The prefix of a ratio num/den where a DNF value is a lower bound."""
    if num in lower_of and den not in lower_of:
        return '>'
    if den in lower_of and num not in lower_of:
        return '<'
    return '?' if num in lower_of else ''


#: The columns of a summary table.
HEAD = ('metric', 'floor', 'ours', 'ref', 'ours/floor', 'ref/ours', 'target',
        'met?')


def table_lines(summary):
    """The cells of a summary table, as text, one tuple per row (HEAD)."""
    lines = []
    for row, m, rof, rro, per, met, lower in summary:
        if per is not None:
            rro_s = f'{per:.1f}'
        else:
            rro_s = ('-' if rro is None else
                     _bound(lower, 'ref', 'ours') + f'{rro:.2f}')
        rof_s = ('-' if rof is None else
                 _bound(lower, 'ours', 'floor') + f'{rof:.2f}')
        cells = [dnf_text(lower[role]) if role in lower else
                 fmt(row, m[role]) for role in ROLES]
        lines.append((row.label, *cells, rof_s, rro_s, row.target, met))
    return lines


def print_table(summary, title=''):
    head = HEAD
    lines = table_lines(summary)
    widths = [max(len(str(x[i])) for x in lines + [head])
              for i in range(len(head))]

    def line(cells):
        out = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            if i in (1, 2, 3, 4, 5):
                out.append(cell.rjust(widths[i]))
            else:
                out.append(cell.ljust(widths[i]))
        return '| ' + ' | '.join(out) + ' |'

    print(f'\n=== Summary{title} (medians over rounds; ratio columns are '
          f'medians of per-round ratios) ===')
    print(line(head))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for cells in lines:
        print(line(cells))


def load_results(data):
    """Saved raw results (what ``--json`` wrote) -> (Results, sizes).

    ``sizes`` is (big, mid, nstop), taken from the ``_meta`` entry or, for
    files written before it existed, from the job names.
    """
    data = dict(data)
    meta = data.pop('_meta', {})
    rounds = 1 + max((int(r) for per_c in data.values()
                      for per_r in per_c.values() for r in per_r),
                     default=0)
    res = Results(rounds)
    for job, per_c in data.items():
        for c, per_r in per_c.items():
            for rnd, result in per_r.items():
                res.put(job, c, int(rnd), result)

    def size(job):
        n = job.rsplit('_', 1)[1]
        return int(n[:-1]) * 1000 if n.endswith('k') else int(n)

    starts = sorted(size(j) for j in data
                    if j.startswith('start_') and j != 'start_1k')
    stops = [size(j) for j in data if j.startswith('thr_stop_')]
    big = meta.get('big') or (starts[-1] if starts else 100000)
    mid = meta.get('mid') or (starts[0] if starts else 10000)
    nstop = meta.get('stop_loops') or (stops[0] if stops else 10000)
    return res, (big, mid, nstop)


def summaries(data):
    """The summary of each section in saved raw results, quietly.

    Returns {section name: summary}, a summary being what ``summarize``
    returns (``table_lines`` makes its cells).
    """
    import contextlib
    import io

    res, (big, mid, nstop) = load_results(data)
    out = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for name, sec in SECTIONS.items():
            if not any(j.startswith('thr_') == (name == 'threading')
                       for j in res.data):
                continue
            rows = (build_rows(res, big, mid) if name == 'eventlet' else
                    build_thread_rows(res, nstop))
            out[name] = summarize(res, rows, res.rounds, sec)
    return out
