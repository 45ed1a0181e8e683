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

"""The mode of this worker process, chosen before anything else loads.

``python stress/_worker.py MODE CONFIG_JSON``: the first import of this
module (before any loop exists) sets the library's mode to MODE, since
the mode is per process.
"""

import sys
import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from harness import modes  # noqa: E402
from oslo_loopingcall import backend  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else 'eventlet'
backend.set_backend(MODE)

#: Whether loops run in eventlet greenthreads.
GREEN = MODE == 'eventlet'
#: How the suite's greenthreads (or threads) sleep and start siblings.
mode = modes.Mode(MODE)
