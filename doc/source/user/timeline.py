"""Timeline: run a looping call in virtual time and print what it does.

The loop's own code decides when ``f`` runs and how long it idles; the
timing comes from :class:`oslo_loopingcall.fixture.VirtualTimeFixture`,
active for the duration of a ``with`` block:

* nothing really sleeps: the virtual clock jumps from one due time to the
  next, and every idle period is recorded (``clock.records``) and printed
  as ``idle <seconds> s``; an idle period shortened to make up for a late
  run (see the fixed-interval page) also shows what the loop's policy
  asked for;
* each run of ``f`` takes the simulated run time given to the Timeline
  (``clock.spend()``), which the loop measures on the virtual clock;
* the jitter factor of ``BackOffLoopingCall`` can be pinned (``gauss``);
* the timeout of ``FixedIntervalWithTimeoutLoopingCall`` is measured on
  the virtual clock.

Log records of the library (WARNING and above) are printed in the timeline.
Besides printing, the Timeline keeps what it saw (``runs``, ``idles`` and
``notes``): the pictures of the documentation are drawn from them.
"""

import contextlib
import functools
import logging
import typing

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall


class Run(typing.NamedTuple):
    """One run of ``f``: when it began, how long it took, how it ended."""

    at: float
    seconds: float
    outcome: str  # 'returned', 'done' (LoopingCallDone) or 'raised'
    value: object  # what f returned, the LoopingCallDone value, or the error


class Idle(typing.NamedTuple):
    """One idle period: when it began, how long it lasted, what was asked."""

    at: float
    seconds: float
    asked: float  # the policy's idle time (``IdleRecord.seconds``)


class Timeline(contextlib.ExitStack):
    """Run looping calls in virtual time; print runs, idles, logs, results.

    :param run_time: seconds each run of ``f`` takes: a number, or a list
        with one entry per run (the last entry is repeated).
    :param gauss: the jitter factor for BackOffLoopingCall (what
        ``random.SystemRandom.gauss`` would return); None leaves it random.
    """

    def __init__(self, run_time=0.0, gauss=None):
        super().__init__()
        if isinstance(run_time, (int, float)):
            run_time = [run_time]
        self.run_times = list(run_time)
        self.gauss = gauss
        self.runs = []  # a Run per run of f
        self.idles = []  # an Idle per idle period printed
        self.notes = []  # (time, text) of the other lines printed
        self.printed = 0  # idle records printed so far

    def __enter__(self):
        super().__enter__()
        self.clock = self.enter_context(
            fixture.VirtualTimeFixture(jitter=self.gauss))
        self.enter_context(_PrintedLogs(self))
        return self

    def print_idles(self):
        """Print the idle periods recorded since the last line."""
        records = self.clock.records
        for index in range(self.printed, len(records)):
            record = records[index]
            seconds = self.lasted(record, records[index + 1:])
            idle = Idle(record.at, seconds, record.seconds)
            self.idles.append(idle)
            text = f'idle {seconds:.2f} s'
            if not self.runs:
                text += ' (initial delay)'
            elif seconds != record.seconds:
                late = record.seconds - seconds
                text += f' ({record.seconds:.2f} s asked, {late:.2f} s late)'
            print(f't={record.at:5.2f}  {text}')
        self.printed = len(records)

    def lasted(self, record, later):
        """How long the idle period of ``record`` lasts.

        What the policy asked for, unless the loop made up for a late run
        by idling less: its statistics say so while this is its last idle
        period.
        """
        loop = record.loop
        stats = loop.statistics
        if stats['runs'] and not any(r.loop is loop for r in later):
            made_up = record.seconds - stats['last_idle_seconds']
            if made_up > 1e-9:  # more than a rounding error
                return record.seconds - made_up
        return record.seconds

    def say(self, text, at=None):
        self.print_idles()
        at = self.clock.now() if at is None else at
        print(f't={at:5.2f}  {text}')
        return at

    def wrap(self, f):
        """Return ``f`` taking its run time and printing each run."""
        @functools.wraps(f)
        def run(*args, **kwargs):
            started = self.clock.now()
            index = min(len(self.runs), len(self.run_times) - 1)
            run_time = self.run_times[index]
            self.print_idles()
            self.clock.spend(run_time)
            took = f' ({run_time:.2f} s)' if run_time else ''
            try:
                result = f(*args, **kwargs)
            except loopingcall.LoopingCallDone as done:
                run = Run(started, run_time, 'done', done.retvalue)
                text = f'raised LoopingCallDone({done.retvalue!r})'
                raise
            except BaseException as exc:
                run = Run(started, run_time, 'raised', exc)
                text = f'raised {exc!r}'
                raise
            else:
                run = Run(started, run_time, 'returned', result)
                text = f'returned {result!r}'
            finally:
                self.runs.append(run)
                self.say(f'run f{took}: {text}', at=started)
            return result
        return run

    def wait(self, timer):
        """Print what ``timer.wait()`` returns or raises."""
        try:
            result = timer.wait()
        except Exception as exc:
            self.note(f'wait() raised {exc!r}')
        else:
            self.note(f'wait() returned {result!r}')

    def note(self, text):
        """Print a line of text at the current time, and keep it."""
        self.notes.append((self.say(text), text))


class _PrintedLogs(logging.Handler):
    """Print the library's log records of WARNING and above."""

    def __init__(self, timeline):
        super().__init__(logging.WARNING)
        self.timeline = timeline
        self.logger = logging.getLogger('oslo.loopingcall.loopingcall')

    def emit(self, record):
        self.timeline.note(f'log {record.levelname}: {record.getMessage()}')

    def __enter__(self):
        self.propagate = self.logger.propagate
        self.logger.propagate = False
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc_info):
        self.logger.removeHandler(self)
        self.logger.propagate = self.propagate
