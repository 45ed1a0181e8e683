"""Timeline: run a looping call in virtual time and print what it does.

The loop's own code decides when ``f`` runs and how long it idles; only the
seams that touch real time are replaced, for the duration of a ``with``
block:

* ``LoopingCallBase._sleep(timeout)`` prints ``idle <timeout> s`` and moves
  a virtual clock forward instead of sleeping;
* ``LoopingCallBase._elapsed(watch)`` reports the simulated run time of the
  last run of ``f``;
* ``random.SystemRandom.gauss`` returns a fixed jitter factor (optional);
* the module clock (``loopingcall._monotonic``, which the timeout of
  ``FixedIntervalWithTimeoutLoopingCall`` reads) is the virtual clock.

Log records of the library (WARNING and above) are printed in the timeline.
"""

import contextlib
import functools
import logging
from unittest import mock

from oslo_loopingcall import loopingcall


class Timeline(contextlib.ExitStack):
    """Patch the time seams; print runs, idle periods, logs and the result.

    :param run_time: seconds each run of ``f`` takes: a number, or a list
        with one entry per run (the last entry is repeated).
    :param gauss: the jitter factor ``random.SystemRandom.gauss`` returns
        (for BackOffLoopingCall); None leaves it alone.
    """

    def __init__(self, run_time=0.0, gauss=None):
        super().__init__()
        if isinstance(run_time, (int, float)):
            run_time = [run_time]
        self.run_times = list(run_time)
        self.gauss = gauss
        self.now = 0.0
        self.runs = 0
        self.last_run_time = 0.0

    def say(self, text):
        print(f't={self.now:5.2f}  {text}')

    def __enter__(self):
        super().__enter__()
        timeline = self

        def _sleep(loop, timeout):
            first = ' (initial delay)' if timeline.runs == 0 else ''
            timeline.say(f'idle {timeout:.2f} s{first}')
            timeline.now += max(timeout, 0)

        def _elapsed(loop, watch):
            return timeline.last_run_time

        base = loopingcall.LoopingCallBase
        self.enter_context(mock.patch.object(base, '_sleep', _sleep))
        self.enter_context(mock.patch.object(base, '_elapsed', _elapsed))
        self.enter_context(
            mock.patch.object(loopingcall, '_monotonic', lambda: self.now))
        if self.gauss is not None:
            self.enter_context(mock.patch('random.SystemRandom.gauss',
                                          return_value=self.gauss))
        self.enter_context(_PrintedLogs(self))
        return self

    def wrap(self, f):
        """Return ``f`` taking its run time and printing each run."""
        @functools.wraps(f)
        def run(*args, **kwargs):
            started = self.now
            run_time = self.run_times[min(self.runs, len(self.run_times) - 1)]
            self.runs += 1
            self.now += run_time
            self.last_run_time = run_time
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
                print(f't={started:5.2f}  run f{took}: {outcome}')
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
