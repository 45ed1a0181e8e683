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

"""The first code of a scenario's process (see scenario_runner.py).

Usage: ``python -m tests.envs._boot CONFIG_JSON``, from the root. Run as
the main module, not imported: what a real service does first
(``eventlet.monkey_patch()``, or having no eventlet at all) must happen
before any of our modules load.
"""

import json
import sys

CONFIG = json.loads(sys.argv[1])


class NoEventlet:
    """A meta path finder that makes eventlet (and greenlet) uninstalled.

    Every attempt is recorded with the module that made it, so that a test
    can tell which code tried.
    """

    blocked = ('eventlet', 'greenlet')

    def __init__(self):
        self.attempts = []

    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] not in self.blocked:
            return None
        frame = sys._getframe(1)
        while frame is not None and (
                frame.f_code.co_filename.startswith('<frozen') or
                frame.f_globals.get('__name__', '').startswith('importlib')):
            frame = frame.f_back
        importer = frame.f_globals.get('__name__') if frame else None
        self.attempts.append([name, importer])
        raise ModuleNotFoundError(f'No module named {name!r}', name=name)


blocker = None
if CONFIG['block_eventlet']:
    blocker = NoEventlet()
    sys.meta_path.insert(0, blocker)

if CONFIG['monkey_patch']:
    import warnings
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    import eventlet
    eventlet.monkey_patch()

import faulthandler  # noqa: E402
import importlib  # noqa: E402

from harness import report  # noqa: E402

# Stacks of every thread on stderr, then exit, shortly before the parent's
# deadline: a hang shows where it is.
faulthandler.dump_traceback_later(CONFIG['dump_after'], exit=True)

module = importlib.import_module('tests.envs.scenarios.' + CONFIG['module'])
result = getattr(module, CONFIG['scenario'])(**CONFIG['args'])
if blocker is not None:
    result['eventlet_imports'] = blocker.attempts
# Threads a failed scenario left blocked must not keep the process alive.
report.emit(result, 'ENV-RESULT ')
report.exit_now(0)
