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

"""Schedule strips: what a looping call did, on a time axis.

``schedule(timeline)`` turns what a Timeline (doc/source/user/timeline.py)
saw into a :class:`Schedule`, with no drawing involved; ``draw()`` draws
it; the ``schedule-strip`` directive (loopdocs.directives) runs a scenario
in virtual time and shows the picture::

    .. schedule-strip::
       :caption: The caption.
       :what: FixedIntervalLoopingCall
       :falsy-fails:
       :marks: 2.5 timeout

       def poll():
           ...
       with Timeline(run_time=0.4) as timeline:
           timer = loopingcall.FixedIntervalLoopingCall(timeline.wrap(poll))
           done = timer.start(interval=2.0)
           timeline.wait(timer)

The content is the scenario: Python code run with ``loopingcall`` and
``Timeline`` already imported, its printed timeline discarded, that leaves
a Timeline named ``timeline``. ``:what:`` names the loop in the alt text,
``:falsy-fails:`` draws runs that return something false as failures (as
BackOffLoopingCall counts them), ``:marks:`` adds labelled instants.
"""

import contextlib
import io
import re
import typing

from loopdocs import style


class Bar(typing.NamedTuple):
    at: float
    seconds: float
    kind: str        # 'ok', 'failed', 'done', 'idle', 'initial'
    label: str


class Mark(typing.NamedTuple):
    at: float
    kind: str        # 'WARNING', 'ERROR', 'end' or 'mark'
    label: str


class Schedule(typing.NamedTuple):
    bars: list
    marks: list
    end: float


def run_kind(run, falsy_fails):
    if run.outcome == 'raised':
        return 'failed'
    if run.outcome == 'done':
        return 'done'
    return 'failed' if falsy_fails and not run.value else 'ok'


def run_label(run):
    if run.outcome == 'raised':
        return f'raised {type(run.value).__name__}'
    if run.outcome == 'done':
        return f'LoopingCallDone({run.value!r})'
    return f'returned {run.value!r}'


def note_mark(at, text):
    """A log line becomes a WARNING/ERROR mark, anything else the end."""
    if text.startswith('log '):
        level, _, message = text[4:].partition(': ')
        return Mark(at, level, message)
    # "raised Error('message')" reads better as "raised Error: message".
    text = re.sub(r"raised (\w+)\((['\"])(.*)\2\)$", r'raised \1: \3', text)
    return Mark(at, 'end', text)


def schedule(timeline, falsy_fails=False, marks=()):
    """What ``timeline`` saw, as bars and marks on one time axis."""
    bars = []
    for run in timeline.runs:
        bars.append(Bar(run.at, run.seconds, run_kind(run, falsy_fails),
                        run_label(run)))
    first_run = min((run.at for run in timeline.runs), default=None)
    for idle in timeline.idles:
        initial = first_run is None or idle.at < first_run
        bars.append(Bar(idle.at, idle.seconds,
                        'initial' if initial else 'idle',
                        f'{idle.seconds:.2f} s'))
    notes = [note_mark(at, text) for at, text in timeline.notes]
    notes += [Mark(at, 'mark', label) for at, label in marks]
    end = max([b.at + max(b.seconds, 0) for b in bars] +
              [m.at for m in notes] + [0.0])
    bars.sort(key=lambda b: (b.at, b.kind not in ('idle', 'initial')))
    return Schedule(bars, notes, end)


def describe(sched, what):
    """Alt text: the schedule in words, from the same data as the picture."""
    parts = []
    for bar in sched.bars:
        if bar.kind in ('idle', 'initial'):
            name = 'initial delay' if bar.kind == 'initial' else 'idle'
            parts.append(f'{name} {bar.seconds:.2f} s')
        else:
            took = f' for {bar.seconds:.2f} s' if bar.seconds else ''
            parts.append(f'at {bar.at:.2f} s f runs{took} '
                         f'({bar.kind}: {bar.label})')
    for mark in sched.marks:
        name = {'end': 'then', 'mark': 'mark'}.get(mark.kind, mark.kind)
        parts.append(f'{name} at {mark.at:.2f} s: {mark.label}')
    return (f'Schedule of {what} on a time axis from 0 to {sched.end:.2f} '
            f'seconds: ' + '; '.join(parts) + '.')


COLOURS = {'ok': style.RUN_OK, 'failed': style.RUN_FAILED,
           'done': style.RUN_DONE, 'idle': style.IDLE,
           'initial': style.IDLE}
LEGEND = {'ok': 'run of f', 'failed': 'run that failed',
          'done': 'run that ended the loop', 'idle': 'idle',
          'initial': 'initial delay'}


def draw(sched, title=''):
    """A matplotlib figure of ``sched``: one lane, time left to right."""
    plt = style.pyplot()
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.9))
    span = max(sched.end, 1e-9)
    thin = span * 0.006            # the width of a run that took no time
    for bar in sched.bars:
        if bar.kind in ('idle', 'initial'):
            draw_idle(ax, bar, span)
        else:
            ax.broken_barh([(bar.at, max(bar.seconds, thin))], (0.2, 0.6),
                           facecolors=COLOURS[bar.kind], edgecolors='white',
                           linewidth=0.5)
    for mark in sched.marks:
        draw_mark(ax, mark, span)
    ax.set_xlim(-span * 0.01, span * 1.01)
    ax.set_ylim(-0.1, 1.75)
    ax.set_yticks([])
    ax.spines['left'].set_visible(False)
    ax.set_xlabel('virtual time (s)')
    if title:
        ax.set_title(title, loc='left')
    kinds = [k for k in LEGEND if any(b.kind == k for b in sched.bars)]
    handles = [Patch(facecolor=COLOURS[k], edgecolor=style.IDLE_EDGE,
                     hatch='//' if k == 'initial' else None, label=LEGEND[k])
               for k in kinds]
    ax.legend(handles=handles, loc='upper center', ncol=len(handles),
              bbox_to_anchor=(0.5, -0.38), fontsize=9)
    return fig


def draw_idle(ax, bar, span):
    if bar.seconds <= 0:
        ax.text(bar.at - span * 0.01, 0.95, f'idle {bar.seconds:g} s: none',
                ha='right', va='bottom', fontsize=8, color=style.IDLE_EDGE)
        return
    ax.broken_barh([(bar.at, bar.seconds)], (0.32, 0.36),
                   facecolors=style.IDLE, edgecolors=style.IDLE_EDGE,
                   linewidth=0.6,
                   hatch='//' if bar.kind == 'initial' else None)
    if bar.seconds > span * 0.06:
        ax.text(bar.at + bar.seconds / 2, 0.5, bar.label, ha='center',
                va='center', fontsize=8)


def draw_mark(ax, mark, span):
    if mark.kind in ('WARNING', 'ERROR'):
        colour = style.WARNING if mark.kind == 'WARNING' else style.ERROR
        ax.plot([mark.at], [0.95], marker='v', color=colour, markersize=7)
        ax.text(mark.at, 1.08, mark.kind, ha='center', fontsize=8,
                color=colour)
        return
    end = mark.kind == 'end'
    colour = style.TEXT if end else style.IDLE_EDGE
    ax.axvline(mark.at, ymin=0.05, ymax=0.92 if end else 0.78,
               color=colour, linestyle='-' if end else '--', linewidth=1)
    right = mark.at > span * 0.6
    ax.text(mark.at + (-1 if right else 1) * span * 0.005,
            1.5 if end else 1.22, shorten(mark.label),
            ha='right' if right else 'left', fontsize=8, color=colour,
            va='bottom')


def shorten(text, most=90):
    return text if len(text) <= most else text[:most - 3] + '...'


def parse_marks(text):
    """``'2.5 timeout; 6 budget'`` -> [(2.5, 'timeout'), (6.0, 'budget')]."""
    marks = []
    for part in filter(None, (p.strip() for p in (text or '').split(';'))):
        at, _, label = part.partition(' ')
        marks.append((float(at), label.strip()))
    return marks


def run_scenario(code, source):
    """Run a scenario's code; return the Timeline it leaves."""
    from oslo_loopingcall import loopingcall
    from timeline import Timeline

    namespace = {'__name__': '__main__', 'loopingcall': loopingcall,
                 'Timeline': Timeline}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, source, 'exec'), namespace)
    return namespace['timeline']
