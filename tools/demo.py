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
          'gives up after 0.35 s')
    timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(
        lambda: say('still not ready'))
    try:
        timer.start(interval=0.1, timeout=0.35).wait()
    except loopingcall.LoopingCallTimeOut as exc:
        say(f'wait() raised LoopingCallTimeOut: {exc}')


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
    print('BackOffLoopingCall: backs off while the function fails '
          '(returns False)')
    outcomes = iter([False, False, False, True])

    def probe():
        ok = next(outcomes, None)
        if ok is None:
            raise loopingcall.LoopingCallDone('recovered')
        say('probe ' + ('succeeded' if ok else 'failed'))
        return ok

    result = loopingcall.BackOffLoopingCall(probe).start(
        starting_interval=0.05, jitter=None).wait()
    say(f'wait() -> {result!r}')


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
