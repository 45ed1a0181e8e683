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

"""What a script prints, for the ``script-output`` directive.

The script runs in a fresh interpreter (the one building the docs), from
its own directory, so that the page shows what a reader running it would
see; no Sphinx needed.
"""

import os
import subprocess
import sys

#: Seconds a script may take.
TIMEOUT = 120


def output_of(path, timeout=TIMEOUT):
    """Run the Python script at ``path``; return what it printed.

    :raises RuntimeError: if it fails or takes too long, with its error
        output.
    """
    try:
        done = subprocess.run(
            [sys.executable, path], cwd=os.path.dirname(path) or '.',
            capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f'{path} did not finish within {timeout} s')
    if done.returncode:
        raise RuntimeError(f'{path} failed (exit status {done.returncode}):'
                           f'\n{done.stderr}')
    return done.stdout
