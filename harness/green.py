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

"""Probes of eventlet: the hub's timers, greenlets, an idle listener.

Importing this module imports eventlet (quietly: its deprecation warning
is no news to a worker). The native-thread workers never import it.
"""

import gc
import time
import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import eventlet  # noqa: E402
from eventlet import greenthread  # noqa: E402
from eventlet import hubs  # noqa: E402
import greenlet  # noqa: E402

from harness import probes  # noqa: E402


def install_listener():
    """Register one idle socket with the hub, as any real service has.

    With no descriptor at all the epolls hub sleeps with ``time.sleep``
    (nanosecond timeouts); with one it calls ``epoll_wait``, whose timeout
    is whole milliseconds, rounded up by CPython. Services always have
    sockets. Returns what must stay referenced for the socket to stay.
    """
    from eventlet.green import socket
    a, b = socket.socketpair()
    gt = eventlet.spawn(a.recv, 1)
    eventlet.sleep(0)
    return a, b, gt


def spin_until(cond, limit=30.0):
    """Yield to the hub until ``cond()`` holds; False after ``limit`` s."""
    return probes.wait_until(cond, limit, 0, eventlet.sleep)


def _census(kind, kept):
    """(``kind`` objects alive, of them and the dead ones: ``kept`` ones)."""
    alive = count = 0
    for obj in gc.get_objects():
        if isinstance(obj, kind):
            if not obj.dead:
                alive += 1
            if isinstance(obj, kept):
                count += 1
    return alive, count


def greenlet_counts():
    """(live greenlets, GreenThread objects still referenced)."""
    return _census(greenlet.greenlet, greenthread.GreenThread)


def loop_greenthreads():
    """(GreenThreads alive, loop greenthreads of ours still referenced).

    The second count takes the library's own greenthread class, dead or
    alive: a loop that ended must not be kept. Collects garbage first.
    """
    from oslo_loopingcall._backends.greenthreads import backend as _eventlet
    gc.collect()
    return _census(greenthread.GreenThread, _eventlet._LoopThread)


def hub_timers(hub=None):
    """(timers in the hub, of which not yet called nor cancelled)."""
    hub = hub or hubs.get_hub()
    items = list(hub.timers) + list(hub.next_timers)
    return len(items), sum(1 for _, t in items if not t.called)


def settle_timers(baseline, hub=None, limit=5.0):
    """Let cancelled timers expire; return (timers, seconds it took).

    Cancelled timers stay in eventlet's heap until they are due.
    """
    t0 = time.monotonic()
    while True:
        count = hub_timers(hub)[0]
        if count <= baseline or time.monotonic() - t0 > limit:
            return count, time.monotonic() - t0
        eventlet.sleep(0.05)


def other_hub_fds(main_hub=None):
    """The epoll fds of the hubs eventlet made for other OS threads."""
    main_hub = main_hub or hubs.get_hub()
    result = set()
    for obj in gc.get_objects():
        if (isinstance(obj, hubs.hub.BaseHub) and obj is not main_hub and
                hasattr(obj, 'poll') and hasattr(obj.poll, 'fileno')):
            try:
                result.add(obj.poll.fileno())
            except (OSError, ValueError):
                pass
    return result
