"""Timeline: run a looping call in virtual time and print what it does.

The loop's own code decides when ``f`` runs and how long it idles; the
timing comes from :class:`oslo_loopingcall.fixture.VirtualTimeFixture`,
active for the duration of a ``with`` block:

* nothing really sleeps: the virtual clock jumps from one due time to the
  next, and every idle period is recorded (``clock.records``) and printed
  as ``idle <seconds> s``;
* each run of ``f`` takes the simulated run time given to the Timeline
  (``clock.spend()``), which the loop measures on the virtual clock;
* the jitter factor of ``BackOffLoopingCall`` can be pinned (``gauss``);
* the timeout of ``FixedIntervalWithTimeoutLoopingCall`` is measured on
  the virtual clock.

Log records of the library (WARNING and above) are printed in the timeline.
"""

import contextlib
import functools
import logging

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall


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
        self.runs = 0
        self.printed = 0  # idle records printed so far

    def __enter__(self):
        super().__enter__()
        self.clock = self.enter_context(
            fixture.VirtualTimeFixture(jitter=self.gauss))
        self.enter_context(_PrintedLogs(self))
        return self

    def print_idles(self):
        """Print the idle periods recorded since the last line."""
        for record in self.clock.records[self.printed:]:
            first = ' (initial delay)' if self.runs == 0 else ''
            print(f't={record.at:5.2f}  idle {record.seconds:.2f} s{first}')
        self.printed = len(self.clock.records)

    def say(self, text, at=None):
        self.print_idles()
        at = self.clock.now() if at is None else at
        print(f't={at:5.2f}  {text}')

    def wrap(self, f):
        """Return ``f`` taking its run time and printing each run."""
        @functools.wraps(f)
        def run(*args, **kwargs):
            started = self.clock.now()
            run_time = self.run_times[min(self.runs, len(self.run_times) - 1)]
            self.print_idles()
            self.runs += 1
            self.clock.spend(run_time)
            took = f' ({run_time:.2f} s)' if run_time else ''
            try:
                result = f(*args, **kwargs)
            except loopingcall.LoopingCallDone as done:
                outcome = f'raised LoopingCallDone({done.retvalue!r})'
                raise
            except BaseException as exc:
                outcome = f'raised {exc!r}'
                raise
            else:
                outcome = f'returned {result!r}'
            finally:
                self.say(f'run f{took}: {outcome}', at=started)
            return result
        return run

    def wait(self, timer):
        """Print what ``timer.wait()`` returns or raises."""
        try:
            result = timer.wait()
        except Exception as exc:
            self.say(f'wait() raised {exc!r}')
        else:
            self.say(f'wait() returned {result!r}')


class _PrintedLogs(logging.Handler):
    """Print the library's log records of WARNING and above."""

    def __init__(self, timeline):
        super().__init__(logging.WARNING)
        self.timeline = timeline
        self.logger = logging.getLogger('oslo.loopingcall.loopingcall')

    def emit(self, record):
        self.timeline.say(f'log {record.levelname}: {record.getMessage()}')

    def __enter__(self):
        self.propagate = self.logger.propagate
        self.logger.propagate = False
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc_info):
        self.logger.removeHandler(self)
        self.logger.propagate = self.propagate
