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

"""What a worker measures with the standard library alone.

Nothing here imports eventlet: greenthreads are counted only if the
process has loaded eventlet already. The counts read ``/proc``, which
monkey patching cannot hide (Linux).
"""

import gc
import os
import sys
import threading
import time

#: What eventlet's epoll descriptors read as under ``/proc/self/fd``.
EPOLL = 'anon_inode:[eventpoll]'


def rss_bytes():
    """Resident set size of this process, or None where /proc lacks it."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return None


def os_thread_count():
    """OS threads of this process (monkey patching cannot hide them)."""
    return len(os.listdir('/proc/self/task'))


def open_fds():
    """Open file descriptors: {fd: what it is}."""
    found = {}
    for name in os.listdir('/proc/self/fd'):
        try:
            found[int(name)] = os.readlink(f'/proc/self/fd/{name}')
        except OSError:
            pass  # the directory listing's own descriptor, now closed
    return found


def live_greenthreads():
    """Greenthreads of eventlet that have not ended (0 without eventlet)."""
    greenthread = sys.modules.get('eventlet.greenthread')
    if greenthread is None:
        return 0
    gc.collect()
    return sum(1 for o in gc.get_objects()
               if isinstance(o, greenthread.GreenThread) and not o.dead)


def snapshot():
    """What a leak check compares: OS threads, fds, greenthreads."""
    return dict(threads=os_thread_count(), fds=open_fds(),
                greenthreads=live_greenthreads())


def growth(before, now):
    """What grew from snapshot ``before`` to ``now``.

    Keys, present only when something grew: ``'threads'`` and
    ``'greenthreads'`` (how many more), ``'hub epolls'`` (new epoll
    descriptors: eventlet keeps one per OS thread that ran a hub, after
    the thread has ended) and ``'fds'`` (what each other new descriptor
    is, in descriptor order).
    """
    found = {}
    if now['threads'] > before['threads']:
        found['threads'] = now['threads'] - before['threads']
    new_fds = [now['fds'][fd]
               for fd in sorted(set(now['fds']) - set(before['fds']))]
    epolls = new_fds.count(EPOLL)
    if epolls:
        found['hub epolls'] = epolls
    new_fds = [fd for fd in new_fds if fd != EPOLL]
    if new_fds:
        found['fds'] = new_fds
    if now['greenthreads'] > before['greenthreads']:
        found['greenthreads'] = now['greenthreads'] - before['greenthreads']
    return found


def leaks(before, *, settle, sleep, poll, ignore=()):
    """What is left since ``before``, waiting up to ``settle`` s for it to go.

    :param sleep: how this thread sleeps meanwhile (letting its loops end).
    :param poll: seconds between two looks.
    :param ignore: keys of :func:`growth` that are no leak to the caller.
    :returns: {} when nothing is left; otherwise what grew.
    """
    deadline = time.monotonic() + settle
    while True:
        found = {key: value for key, value in
                 growth(before, snapshot()).items() if key not in ignore}
        if not found or time.monotonic() > deadline:
            return found
        sleep(poll)


def settle_threads(baseline, limit=5.0):
    """Python threads, once down to ``baseline`` (or after ``limit`` s)."""
    t0 = time.monotonic()
    while (threading.active_count() > baseline and
           time.monotonic() - t0 < limit):
        time.sleep(0.01)
    return threading.active_count()


def wait_until(cond, limit=5.0, step=0.002, sleep=time.sleep):
    """Poll ``cond()`` every ``step`` s; whether it held within ``limit`` s."""
    deadline = time.monotonic() + limit
    while not cond():
        if time.monotonic() > deadline:
            return False
        sleep(step)
    return True
