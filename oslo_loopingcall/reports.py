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

"""Seeing the looping calls of a process, for operators.

:func:`running_loops` lists them, :func:`log_statistics` logs a summary of
each, and :func:`register` adds a "Looping calls" section to the service's
Guru Meditation Reports (oslo.reports, an optional extra: imported only
by :func:`register` and the section itself, never needed otherwise).
"""

from __future__ import annotations

import importlib
import logging
import math
import time
import typing as ty

from oslo_log import log as oslo_logging

from oslo_loopingcall._backends import loops as _loops
from oslo_loopingcall import _naming

if ty.TYPE_CHECKING:
    from oslo_loopingcall import loopingcall

__all__ = ['LoopingCallsReportGenerator', 'TITLE', 'log_statistics',
           'register', 'running_loops']

# oslo.log names it oslo.loopingcall.reports, as the library's other logs.
LOG = oslo_logging.getLogger(__name__)

#: The title of the report section.
TITLE = 'Looping calls'


def running_loops() -> list[loopingcall.LoopingCallBase]:
    """The looping calls running in this process, in the order they started.

    Every looping call started and not ended yet (``stopping`` ones
    included), in either mode; not the retries of a
    :class:`~oslo_loopingcall.loopingcall.RetryDecorator`, which run in
    their caller. The list holds them (the process does not): a loop that
    ended and that nothing else refers to is freed as usual.
    """
    return [handle.owner for handle in _loops.running()]


def _describe(handle: _loops.Handle) -> dict[str, ty.Any]:
    """What reports show of a loop: its identity and its statistics."""
    loop, thread = handle.owner, handle.thread
    if thread is None:
        where = None
    elif handle.backend.name == 'eventlet':
        where = 'a greenthread'
    else:
        where = f'thread #{getattr(thread, "ident", None)}'
    return dict(loop.statistics, kind=type(loop).__name__,
                function=_naming.callable_name(loop.f), where=where)


def log_statistics(logger: ty.Any = None, level: int = logging.INFO
                   ) -> None:
    """Log a summary of every running looping call, one record each.

    A first record says how many there are.

    :param logger: the logger to use (a :class:`logging.Logger` or an
        oslo.log adapter); by default ``oslo.loopingcall.reports``.
    :param level: the level of the records.
    """
    logger = LOG if logger is None else logger
    if not logger.isEnabledFor(level):
        return
    loops = [_describe(handle) for handle in _loops.running()]
    logger.log(level, '%s', _count(loops))
    for info in loops:
        logger.log(level, '%s', _log_line(info))


class LoopingCallsReportGenerator:
    """The generator of the "Looping calls" section of a report.

    An oslo.reports generator: called when a report is made, it returns a
    model of every running looping call (kind, function, statistics), with
    a text view of its own; oslo.reports' generic views show it as JSON or
    XML.
    """

    def __call__(self) -> ty.Any:
        models = importlib.import_module(
            'oslo_reports.models.with_default_views')
        data = {'loops': [_describe(handle)
                          for handle in _loops.running()],
                'at': time.time()}
        return models.ModelWithDefaultViews(data, text_view=_TextView())


def register(report_class: ty.Any = None, title: str = TITLE) -> None:
    """Add the "Looping calls" section to Guru Meditation Reports.

    One line, next to the service's own Guru Meditation Report set-up::

        oslo_loopingcall.reports.register()

    Registering twice adds the section once.

    :param report_class: the report class to add it to; by default
        oslo.reports' ``TextGuruMeditation``.
    :param title: the title of the section.
    :raises ImportError: if oslo.reports is not installed (it is the
        ``reports`` extra: ``pip install oslo.loopingcall[reports]``).
    """
    if report_class is None:
        try:
            gmr = importlib.import_module(
                'oslo_reports.guru_meditation_report')
        except ImportError as exc:
            raise ImportError(
                'the looping calls report section needs oslo.reports: '
                'pip install oslo.loopingcall[reports]') from exc
        report_class = gmr.TextGuruMeditation
    sections = getattr(report_class, 'persistent_sections', ())
    if not any(isinstance(generator, LoopingCallsReportGenerator)
               for _, generator in sections):
        report_class.register_section(title, LoopingCallsReportGenerator())


# -- text ---------------------------------------------------------------------

class _TextView:
    """The text view of the section's model."""

    def __call__(self, model: ty.Any) -> str:
        return _section_text(list(model['loops']), model['at'])


def _section_text(loops: list[dict[str, ty.Any]], at: float) -> str:
    """The text of the report section: a block per loop.

    Lines stay within the 72 columns of the report's headers, but for
    long function names.
    """
    lines = [f'{_count(loops)}, at {_clock(at)}.']
    for info in loops:
        lines.append('')
        lines.extend(_block(info))
    if loops:
        lines += ['', 'Stacks: under "Threads" (by thread number) or "Green '
                  'Threads" (in', 'the frame named '
                  '"loopingcall:<function>").']
    return '\n'.join(lines) + '\n'


def _block(info: dict[str, ty.Any]) -> list[str]:
    started = info['started_at']
    ago = '' if started is None else f' ({_s(info["now"] - started)} ago)'
    lines = [
        f'{info["kind"]} {info["function"]!r}',
        f'    {_now(info)}',
        f'    {_counts(info)}',
        f'    run time: {_run_times(info)}',
        f'    last idle {_s(info["last_idle_seconds"])}',
        f'    started {_clock(info["started_at_wall"])}{ago}',
    ]
    if info['where']:
        lines.append(f'    in {info["where"]}')
    return lines


def _log_line(info: dict[str, ty.Any]) -> str:
    """One loop's summary on one line, as :func:`log_statistics` logs it."""
    return (f'{info["kind"]} {info["function"]!r}: {_now(info)}; '
            f'{_counts(info)}; run time {_run_times(info)}')


def _count(loops: list[ty.Any]) -> str:
    n = len(loops)
    return f'{n} looping call{"" if n == 1 else "s"} running'


def _now(info: dict[str, ty.Any]) -> str:
    """The state, the interval, and when the next run is due."""
    state = info['state']
    parts = [state]
    if info['interval'] is not None:
        parts.append(f'every {info["interval"]:g} s')
    due = info['next_run_at']
    if due is not None and state != 'stopping':
        ahead = due - info['now']
        when = 'at ' + _clock(info['next_run_at_wall'], date=False)
        if ahead == math.inf:
            # A dynamic loop told to idle for ever.
            parts.append('no run due until stopped')
        elif state == 'running':
            if ahead > 0:
                # Woken early, by a test's patched sleep.
                parts.append(f'this run started {_s(ahead)} before it '
                             f'was due ({when})')
            else:
                parts.append(f'this run was due {_s(-ahead)} ago ({when})')
        elif ahead < 0:
            # The hub or the CPU is busy elsewhere (or a report is being
            # made in the loop's own OS thread).
            parts.append(f'next run overdue by {_s(-ahead)} ({when})')
        else:
            parts.append(f'next run in {_s(ahead)} ({when})')
    return ', '.join(parts)


def _counts(info: dict[str, ty.Any]) -> str:
    overruns = info['overruns']
    text = (f'{_plural(info["runs"], "run")}, '
            f'{_plural(info["failures"], "failure")}, '
            f'{_plural(overruns, "overrun")}')
    if overruns:
        text += f' ({_s(info["overrun_seconds"])} over in all)'
    return text


def _run_times(info: dict[str, ty.Any]) -> str:
    return (f'last {_s(info["last_run_seconds"])}, '
            f'mean {_s(info["mean_run_seconds"])}, '
            f'max {_s(info["max_run_seconds"])}')


def _plural(n: int, word: str) -> str:
    return f'{n} {word}{"" if n == 1 else "s"}'


def _s(seconds: float) -> str:
    """A duration, to three digits or to the millisecond; any float."""
    if seconds < 0:
        return '-' + _s(-seconds)
    if seconds == 0:
        return '0 s'
    if not math.isfinite(seconds):
        return f'{seconds} s'   # inf s, nan s
    if seconds < 0.0000005:
        return '<1 us'
    if seconds < 0.0009995:
        return f'{seconds * 1e6:.0f} us'
    if seconds < 0.99995:
        return f'{seconds * 1e3:.1f} ms'
    if seconds < 1e9:
        return f'{seconds:.3f} s'
    return f'{seconds:.3g} s'


def _clock(wall: float | None, date: bool = True) -> str:
    """A wall-clock time in UTC; any float."""
    if wall is None or wall == math.inf:
        return 'never'
    try:
        return time.strftime(
            '%Y-%m-%d %H:%M:%S UTC' if date else '%H:%M:%S UTC',
            time.gmtime(wall))
    except (OverflowError, OSError, ValueError):
        # NaN, or out of the platform's range (year 10000 on).
        return f'{wall:g} s from the epoch'
