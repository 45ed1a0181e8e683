"""A process running one looping call of each kind; its report section.

The loops run in virtual time (VirtualTimeFixture), so that the report
shows ten minutes of a service, made in a moment: the documentation runs
this script each time it is built, and shows what it prints.
"""

import contextlib
import logging
import sys
import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from oslo_reports import guru_meditation_report as gmr  # noqa: E402

import oslo_loopingcall  # noqa: E402
from oslo_loopingcall import fixture  # noqa: E402
from oslo_loopingcall import loopingcall  # noqa: E402


class Compute:
    """What the loops run: run times and failures in virtual time."""

    def __init__(self, clock):
        self.clock = clock
        self.polls = 0

    def report_state(self):
        # Usually quick; once, the database was slow.
        self.clock.spend(14 if 300 <= self.clock.now() < 310 else 0.2)

    def poll_volume(self):
        self.polls += 1
        self.clock.spend(0.05)
        if self.polls % 4 == 0:
            raise ConnectionError('volume service unreachable')

    def run_periodic_tasks(self):
        self.clock.spend(1.5)
        return 40

    def heartbeat(self):
        # The server stopped answering at 500 s: backing off since.
        return self.clock.now() < 500


def main():
    # The library's ERROR records of poll_volume's failures (with their
    # tracebacks) are not what this shows.
    logging.getLogger('oslo.loopingcall').setLevel(logging.CRITICAL)

    oslo_loopingcall.reports.register()  # the line a service adds

    with fixture.VirtualTimeFixture(jitter=1.0) as clock, \
            contextlib.ExitStack() as frozen:
        compute = Compute(clock)
        loops = [
            loopingcall.FixedIntervalLoopingCall(compute.report_state),
            loopingcall.FixedIntervalWithTimeoutLoopingCall(
                compute.poll_volume),
            loopingcall.DynamicLoopingCall(compute.run_periodic_tasks),
            loopingcall.BackOffLoopingCall(compute.heartbeat),
        ]
        with clock.paused():
            loops[0].start(interval=10)
            loops[1].start(interval=5, timeout=3600, stop_on_exception=False)
            loops[2].start(initial_delay=30, periodic_interval_max=60)
            loops[3].start(starting_interval=20, timeout=900)

        def ten_minutes_later():
            # Time stands still from here on, while the report is made.
            frozen.enter_context(clock.paused())
            raise loopingcall.LoopingCallDone()

        # The clock jumps from one due time to the next while this waits.
        timer = loopingcall.FixedIntervalLoopingCall(ten_minutes_later)
        timer.start(interval=1, initial_delay=593.5).wait()

        report = gmr.TextGuruMeditation(None).run()
        sys.stdout.write(_section(report, oslo_loopingcall.reports.TITLE))
        for loop in loops:
            loop.stop()
        for loop in loops:
            loop.wait()


def _section(report, title):
    """The section of ``report`` with that title, heading included."""
    lines = report.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines)
                 if line.strip('= \n') == title) - 1
    end = next((i for i in range(start + 3, len(lines))
                if lines[i].startswith('=' * 72)), len(lines))
    return ''.join(lines[start:end])


if __name__ == '__main__':
    main()
