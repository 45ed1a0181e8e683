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

"""An adopted service with timers, run by tests in a subprocess.

    python -m tests.adopt_service BACKEND LAUNCHER

BACKEND is oslo.service's backend (eventlet or threading), LAUNCHER is
ServiceLauncher or ProcessLauncher (one forked worker). Each event is one
JSON line on stdout; the test stops the service with SIGTERM.
"""

import json
import os
import sys
import warnings

warnings.simplefilter('ignore')
BACKEND, LAUNCHER = sys.argv[1:3]
if BACKEND == 'eventlet':
    import eventlet
    eventlet.monkey_patch()

# As a service does: choose the backend first, then adopt.
from oslo_service import backend  # noqa: E402
backend.init_backend(backend.BackendType(BACKEND))

import oslo_loopingcall  # noqa: E402
oslo_loopingcall.adopt()

from oslo_config import cfg  # noqa: E402
from oslo_service import service  # noqa: E402

from oslo_loopingcall import backend as our_backend  # noqa: E402


def say(event, **details):
    # One write of one line: the service's threads also report, and a
    # print() writes the line and its end apart.
    sys.stdout.write(
        json.dumps(dict(details, event=event, pid=os.getpid())) + '\n')
    sys.stdout.flush()


def name(obj):
    cls = type(obj)
    return f'{cls.__module__}.{cls.__qualname__}'


class Ticker(service.Service):
    """Two timers: a fixed one that reports every run, a dynamic one."""

    def start(self):
        super().start()
        self.fixed = self.tg.add_timer(0.02, say, None, 'tick')
        self.dynamic = self.tg.add_dynamic_timer_args(
            lambda: 0.02, periodic_interval_max=1)
        self.timers = [self.fixed, self.dynamic]
        say('started', fixed=name(self.fixed), dynamic=name(self.dynamic),
            mode=our_backend.get_backend())

    def stop(self, graceful=False):
        super().stop(graceful)
        # A ProcessLauncher also stops its own copy, never started, and a
        # worker may be stopped twice: report the first real stop only.
        timers = self.__dict__.pop('timers', None)
        if timers:
            # Stopped by the ThreadGroup: waiting returns at once.
            say('stopped', results=[timer.wait() for timer in timers])


launcher_class = getattr(service, LAUNCHER)
launcher = launcher_class(cfg.ConfigOpts())
launcher.launch_service(Ticker(), workers=1)
say('launched', launcher=name(launcher))
launcher.wait()
say('exit')
