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

"""Which class each way of making a loop gives, before and after adopt().

    python -m tests.adopt_probe BACKEND ORDER

BACKEND is oslo.service's backend (eventlet or threading). ORDER ``late``
sets oslo.service up, makes loops, adopts, and makes them again; ``early``
adopts first (before oslo.service chose its backend or imported any of it).
Prints one JSON object: {"before": {...} or null, "after": {...}}.
"""

import json
import sys
import warnings

warnings.simplefilter('ignore')
BACKEND, ORDER = sys.argv[1:3]
if BACKEND == 'eventlet':
    import eventlet
    eventlet.monkey_patch()

import oslo_loopingcall  # noqa: E402
from oslo_loopingcall import backend as our_backend  # noqa: E402

if ORDER == 'early':
    oslo_loopingcall.adopt()

from oslo_service import backend  # noqa: E402
backend.init_backend(backend.BackendType(BACKEND))

from oslo_service import threadgroup  # noqa: E402

from tests import adopt_standin  # noqa: E402


def name(cls):
    return f'{cls.__module__}.{cls.__qualname__}'


def probe():
    from oslo_service import loopingcall
    group = threadgroup.ThreadGroup()
    made = {
        'ThreadGroup.add_timer': group.add_timer(0.01, lambda: None),
        'ThreadGroup.add_timer_args': group.add_timer_args(
            0.01, lambda: None),
        'ThreadGroup.add_dynamic_timer': group.add_dynamic_timer(
            lambda: 0.01),
        'ThreadGroup.add_dynamic_timer_args': group.add_dynamic_timer_args(
            lambda: 0.01),
        'stand-in imported first': adopt_standin.poll(lambda: None),
        'stand-in imported now': adopt_standin.load().poll(lambda: None),
    }
    classes = {key: name(type(loop)) for key, loop in made.items()}
    classes['oslo_service.loopingcall.FixedIntervalLoopingCall'] = name(
        loopingcall.FixedIntervalLoopingCall)
    classes['get_component("DynamicLoopingCall")'] = name(
        backend.get_component('DynamicLoopingCall'))
    results = []
    for loop in made.values():
        loop.stop()
        results.append(loop.wait())
    group.stop()
    classes['results'] = results
    return classes


before = probe() if ORDER == 'late' else None
if ORDER == 'late':
    oslo_loopingcall.adopt()
after = probe()
print(json.dumps({'before': before, 'after': after,
                  'mode': our_backend.get_backend()}))
