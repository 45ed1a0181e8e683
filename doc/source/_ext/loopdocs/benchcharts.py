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

"""Charts and tables of the committed benchmark results.

``CHARTS`` maps the name of each chart to the function that draws it from
:class:`loopdocs.bench.Results`; ``cell()`` and ``WIDTHS`` make the
summary tables. The directives that show them are in loopdocs.directives.
"""

import re

from loopdocs import bench
from loopdocs import style


def bar_groups(ax, groups, unit, fmt='{:.2f}'):
    """Horizontal bars: one group per (label, {role: value}), 3 bars each."""
    import numpy

    y = numpy.arange(len(groups))
    height = 0.26
    for i, role in enumerate(bench.ROLES):
        name, colour = style.CONTENDERS[role]
        values = [g[1].get(role) for g in groups]
        pos = y + (i - 1) * height
        ax.barh(pos, [v or 0 for v in values], height, color=colour,
                label=name)
        for p, v in zip(pos, values):
            if v is not None:
                ax.text(v, p, f' {fmt.format(v)} {unit} '.rstrip() + ' ',
                        va='center', ha='left' if v >= 0 else 'right',
                        fontsize=8)
    ax.set_yticks(y, [g[0] for g in groups])
    ax.invert_yaxis()
    ax.axvline(0, color='#555555', linewidth=0.8)
    ax.margins(x=0.18)


def legend_above(ax):
    ax.legend(loc='lower center', bbox_to_anchor=(0.5, 1.0), ncol=3)


def describe_groups(title, groups, unit, fmt='{:.2f}'):
    parts = []
    for label, m in groups:
        vals = ', '.join(f'{style.CONTENDERS[r][0]} {fmt.format(m[r])} {unit}'
                         for r in bench.ROLES if m.get(r) is not None)
        parts.append(f'{label}: {vals}')
    return f'{title}. ' + '; '.join(parts) + '.'


def per_iteration(res, plt):
    groups = [('Fixed(interval=0), eventlet',
               res.medians('eventlet', 'per-iteration Fixed')),
              ('Dynamic(f->0), eventlet',
               res.medians('eventlet', 'per-iteration Dynamic'))]
    if 'threading' in res.summaries:
        groups += [('Fixed(interval=0), threads',
                    res.medians('threading', 'per-iteration Fixed')),
                   ('Dynamic(f->0), threads',
                    res.medians('threading', 'per-iteration Dynamic'))]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 0.75 * len(groups) + 1.2))
    bar_groups(ax, groups, 'µs')
    ax.set_xlabel('µs per period (less is better)')
    legend_above(ax)
    title = 'Cost of one period of a loop, in microseconds'
    return fig, describe_groups(title, groups, 'µs')


def idle_cpu(res, plt):
    groups = [('CPU per wake-up\n(2,000 loops at 0.2 s)',
               res.medians('eventlet', 'idle CPU per wake-up'))]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 2.2))
    bar_groups(ax, groups, 'µs')
    ax.set_xlabel('µs of CPU per wake-up of an idle loop (less is better)')
    legend_above(ax)
    title = 'CPU time per wake-up of idle loops, eventlet mode'
    return fig, describe_groups(title, groups, 'µs')


def accuracy(res, plt):
    groups = []
    for ms in (1, 15, 100):
        for kind, what in (('short', 'short f'), ('half', 'f takes half')):
            groups.append((f'{ms} ms, {what}', res.medians(
                'eventlet', f'mean period error @{ms}ms, {kind} f')))
    fig, ax = plt.subplots(figsize=(style.WIDTH, 5.2))
    bar_groups(ax, groups, '%', fmt='{:+.2f}')
    ax.set_xlabel('mean period error, % of the interval asked '
                  '(0 is exact)')
    legend_above(ax)
    title = ('Mean error of the period of a FixedIntervalLoopingCall, in % '
             'of the interval, by interval and run time of f')
    return fig, describe_groups(title, groups, '%', fmt='{:+.2f}')


def drift(res, plt):
    lines = {kind: res.offsets(kind) for kind in ('short', 'half')}
    if None in lines.values():
        return drift_bars(res, plt)
    fig, axes = plt.subplots(1, 2, figsize=(style.WIDTH, 3.0), sharey=True)
    parts = []
    for ax, (kind, series) in zip(axes, lines.items()):
        for role in bench.ROLES:
            name, colour = style.CONTENDERS[role]
            ax.plot(range(len(series[role])), series[role], color=colour,
                    label=name, linewidth=1.6)
        ax.set_title('short f' if kind == 'short' else
                     'f sleeps half the interval')
        ax.set_xlabel('period')
        ends = ', '.join(f'{style.CONTENDERS[r][0]} {series[r][-1]:+.1f} ms'
                         for r in bench.ROLES)
        parts.append(f'{ax.get_title()}: after {len(series["ours"]) - 1} '
                     f'periods {ends}')
    axes[0].set_ylabel('run late by (ms)')
    axes[0].legend(loc='upper left', fontsize=9)
    alt = ('Drift of a FixedIntervalLoopingCall at 100 ms: how late each '
           'run starts against the first run plus whole periods, over 100 '
           'periods. ' + '; '.join(parts) + '.')
    return fig, alt


def drift_bars(res, plt):
    groups = [(f'{kind} f', res.medians(
        'eventlet', f'drift @100ms, {kind} f')) for kind in ('short', 'half')]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 2.4))
    bar_groups(ax, groups, 'ms', fmt='{:+.1f}')
    ax.set_xlabel('drift over 100 periods at 100 ms (ms)')
    legend_above(ax)
    return fig, describe_groups('Drift over 100 periods at 100 ms', groups,
                                'ms', fmt='{:+.1f}')


def load(res, plt):
    groups = [('2 CPU-bound competitors,\n100 ms loop',
               res.medians('eventlet', '2 CPU-bound competitors: shortest')),
              ('a 0.5 s stall,\n0.2 s loop',
               res.medians('eventlet', '0.5 s stall at 0.2 s'))]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 2.8))
    bar_groups(ax, groups, 'x interval')
    ax.axvline(0.5, color='#aa3333', linewidth=0.8, linestyle='--')
    ax.set_xlabel('shortest gap between two runs, as a fraction of the '
                  'interval (below 0.5: a burst)')
    legend_above(ax)
    title = ('Shortest gap between two runs of a FixedIntervalLoopingCall '
             'under CPU load and after a stall, as a fraction of the '
             'interval')
    return fig, describe_groups(title, groups, 'x interval')


CHARTS = {'per-iteration': per_iteration, 'idle-cpu': idle_cpu,
          'accuracy': accuracy, 'drift': drift, 'load': load}


# Relative widths of the summary columns (HEAD of benchmarks/run.py):
# metric, floor, ours, ref, ours/floor, ref/ours, target, met?
WIDTHS = [27, 9, 9, 11, 9, 9, 18, 8]


def cell(text):
    """A table cell showing ``text`` as it is, markup characters escaped."""
    text = str(text).strip()
    if not text:
        return ' '
    # A lone "-" would start a bullet list; |, *, ` and _ are markup.
    return re.sub(r'([\\|*`_-])', r'\\\1', text)
