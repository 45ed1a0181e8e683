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

"""Each kind of looping call at work, in a few seconds of real time."""

import logging
import os
import subprocess
import sys
import textwrap
import time
import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from oslo_loopingcall import loopingcall  # noqa: E402

T0 = time.monotonic()
T_WALL = time.time()


class _BriefFormatter(logging.Formatter):
    # The library logs failures with their traceback; the demo keeps the
    # first line only.
    def formatException(self, ei):
        return ''

    def format(self, record):
        return (f'  {record.created - T_WALL:6.3f}s  log '
                + super().format(record).rstrip())


def say(text):
    print(f'  {time.monotonic() - T0:6.3f}s  {text}', flush=True)


def explain(text):
    """Print why the output looks the way it does, as an indented note."""
    print(textwrap.fill(' '.join(text.split()), 76, initial_indent='  > ',
                        subsequent_indent='    '), flush=True)


def fixed():
    print('FixedIntervalLoopingCall: every 0.2 s, stopped after 5 runs')
    runs = []

    def tick():
        runs.append(time.monotonic())
        say(f'run {len(runs)}')
        if len(runs) == 5:
            raise loopingcall.LoopingCallDone('five runs')

    result = loopingcall.FixedIntervalLoopingCall(tick).start(0.2).wait()
    periods = [b - a for a, b in zip(runs, runs[1:])]
    say(f'wait() -> {result!r}; periods '
        + ', '.join(f'{p * 1000:.1f} ms' for p in periods))


def fixed_with_timeout():
    print('FixedIntervalWithTimeoutLoopingCall: polls every 0.1 s, '
          'timeout=0.35 s')
    started = time.monotonic()

    def check_ready():
        say(f'still not ready ({time.monotonic() - started:.2f} s after '
            f'start())')

    timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(check_ready)
    try:
        timer.start(interval=0.1, timeout=0.35).wait()
    except loopingcall.LoopingCallTimeOut as exc:
        say(f'wait() raised LoopingCallTimeOut: {exc}')
    explain('Why 0.40 s and not 0.35 s: the timeout is checked after each '
            'run of f, not by a timer. The run at 0.30 s ended before the '
            'timeout, so the loop idled until its next run, at 0.40 s, and '
            'the check after that run gave up. A loop can overshoot its '
            'timeout by up to one interval plus one run, and f always runs '
            'at least once.')
    explain('Why an ERROR record: the loop ended in failure, and the '
            'library logs the end of a failed loop at ERROR, with the same '
            'message and level as oslo.service; the caller also gets the '
            'LoopingCallTimeOut from wait(). Code that expects timeouts can '
            'raise the level of the "oslo.loopingcall.loopingcall" logger, '
            'or end the loop itself with LoopingCallDone before the '
            'timeout.')


def dynamic():
    print('DynamicLoopingCall: the function says how long to idle')
    delays = iter([0.05, 0.2, 0.1])

    def poll():
        delay = next(delays, None)
        if delay is None:
            raise loopingcall.LoopingCallDone('done')
        say(f'next run in {delay} s')
        return delay

    result = loopingcall.DynamicLoopingCall(poll).start().wait()
    say(f'wait() -> {result!r}')


def backoff():
    print('BackOffLoopingCall: backs off while f fails (returns False); '
          'starting_interval=0.05 s, jitter=None')
    outcomes = iter([False, False, False, True, True])

    def probe():
        ok = next(outcomes, None)
        if ok is None:
            say('probe has seen enough: raises LoopingCallDone')
            raise loopingcall.LoopingCallDone('recovered')
        say('probe ' + ('succeeded' if ok else 'failed'))
        return ok

    result = loopingcall.BackOffLoopingCall(probe).start(
        starting_interval=0.05, jitter=None).wait()
    say(f'wait() -> {result!r}')
    explain('While the probe fails, the idle time doubles (0.1, 0.2, '
            '0.4 s: jitter=None makes the factor exactly 2). A success does '
            'not end the loop: it resets the back-off and idles '
            'starting_interval (0.05 s), then polls again, as a heartbeat '
            'should. Only three things end a BackOffLoopingCall: f raising '
            'LoopingCallDone (as here), stop(), or the time spent failing '
            'exceeding the timeout (LoopingCallTimeOut).')


def retry():
    print('RetryDecorator: retries IOError with growing sleeps')
    attempts = []

    @loopingcall.RetryDecorator(max_retry_count=5, inc_sleep_time=0.1,
                                max_sleep_time=0.3, exceptions=(IOError,))
    def flaky():
        attempts.append(time.monotonic())
        if len(attempts) < 4:
            say(f'attempt {len(attempts)} fails')
            raise IOError('not yet')
        say(f'attempt {len(attempts)} succeeds')
        return 'payload'

    say(f'flaky() -> {flaky()!r}')


def stop():
    print('stop(): wakes a sleeping loop at once')
    timer = loopingcall.FixedIntervalLoopingCall(lambda: say('run'))
    timer.start(interval=60)
    import eventlet
    eventlet.sleep(0.1)
    started = time.monotonic()
    timer.stop()
    result = timer.wait()
    say(f'wait() -> {result!r} {1000 * (time.monotonic() - started):.2f} ms '
        'after stop(), although the interval is 60 s')


def threads():
    print('Native-thread mode (OSLO_LOOPINGCALL_BACKEND=threading), '
          'in a child process:', flush=True)
    env = dict(os.environ, OSLO_LOOPINGCALL_BACKEND='threading')
    subprocess.run([sys.executable, __file__, '--threads-part'], env=env,
                   check=True, timeout=60)


def threads_part():
    from oslo_loopingcall import backend
    say(f'backend: {backend.get_backend()}; eventlet imported: '
        f'{"eventlet" in sys.modules}')
    fixed()
    retry()
    print('stop() from the main thread wakes the loop thread at once')
    timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
    timer.start(interval=60)
    time.sleep(0.1)
    started = time.monotonic()
    timer.stop()
    timer.wait()
    say(f'wait() returned {1000 * (time.monotonic() - started):.2f} ms '
        f'after stop(); loop thread alive: {timer._thread is not None}')


def main():
    handler = logging.StreamHandler()
    handler.setFormatter(_BriefFormatter(
        '%(levelname)s: %(message)s'))
    logging.basicConfig(handlers=[handler], level=logging.WARNING)
    if '--threads-part' in sys.argv:
        threads_part()
        return
    for demo in (fixed, fixed_with_timeout, dynamic, backoff, retry, stop,
                 threads):
        demo()
        print()


if __name__ == '__main__':
    main()
