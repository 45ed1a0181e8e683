#!/usr/bin/env python3
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

"""Check the built sdist and wheel as a user of them would.

* both are in ``dist/``, with the same version, and that version is the
  one pbr gives this checkout;
* each holds what it must (the package, ``py.typed``, the licence);
* the wheel installs into a fresh virtualenv (its dependencies from the
  package index), and there, away from the source tree, the package
  imports, reports its version and runs a looping call to its end.

    python tools/check_dist.py dist
"""

import pathlib
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile

MUST_HAVE = ('oslo_loopingcall/__init__.py', 'oslo_loopingcall/py.typed',
             'oslo_loopingcall/loopingcall.py', 'oslo_loopingcall/fixture.py')

# Run in the fresh virtualenv: one loop, to its end, in a few milliseconds.
SMOKE = r'''
import importlib.metadata, sys, warnings
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
import oslo_loopingcall
from oslo_loopingcall import loopingcall
assert 'site-packages' in oslo_loopingcall.__file__, oslo_loopingcall.__file__
runs = []
def tick():
    runs.append(1)
    if len(runs) == 3:
        raise loopingcall.LoopingCallDone('three runs')
result = loopingcall.FixedIntervalLoopingCall(tick).start(0.01).wait()
assert result == 'three runs', result
print(importlib.metadata.version('oslo.loopingcall'), result)
'''


def fail(text):
    sys.exit(f'check_dist: {text}')


def find(dist, pattern):
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        fail(f'expected one {pattern} in {dist}, found {found}')
    return found[0]


def check_contents(sdist, wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    missing = [n for n in MUST_HAVE if n not in names]
    if not any(n.endswith('.dist-info/LICENSE') or '/licenses/' in n
               for n in names):
        missing.append('LICENSE')
    if missing:
        fail(f'{wheel.name} lacks {missing}')
    with tarfile.open(sdist) as t:
        names = {n.split('/', 1)[1] for n in t.getnames() if '/' in n}
    missing = [n for n in MUST_HAVE + ('LICENSE', 'README.rst', 'PKG-INFO',
                                       'requirements.txt', 'setup.cfg')
               if n not in names]
    if missing:
        fail(f'{sdist.name} lacks {missing}')


def smoke_test(wheel):
    with tempfile.TemporaryDirectory(prefix='check-dist-') as tmp:
        env_dir = pathlib.Path(tmp, 'venv')
        venv.create(env_dir, with_pip=True)
        python = str(env_dir / 'bin' / 'python')
        run([python, '-m', 'pip', 'install', '--quiet',
             '--disable-pip-version-check', str(wheel)], timeout=600)
        return run([python, '-c', SMOKE], cwd=tmp, timeout=60).strip()


def run(cmd, **kwargs):
    """Run a command quietly; on failure show what it said, and stop."""
    out = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if out.returncode:
        fail(f'{" ".join(cmd[:4])}... failed ({out.returncode}):\n'
             f'{out.stdout}{out.stderr}')
    return out.stdout


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    dist = pathlib.Path(argv[0] if argv else 'dist')
    sdist = find(dist, 'oslo_loopingcall-*.tar.gz')
    wheel = find(dist, 'oslo_loopingcall-*-py3-none-any.whl')
    version = wheel.name.split('-')[1]
    if sdist.name != f'oslo_loopingcall-{version}.tar.gz':
        fail(f'{sdist.name} and {wheel.name} differ in version')
    if version == '0.0.0':
        fail('version 0.0.0: no git history (a shallow clone?); see the '
             'Installation page of the docs')
    check_contents(sdist, wheel)
    print(f'check_dist: {sdist.name} and {wheel.name} hold what they must')
    got = smoke_test(wheel)
    if got != f'{version} three runs':
        fail(f'the installed wheel said {got!r}')
    print(f'check_dist: the wheel installs in a fresh virtualenv, imports '
          f'as {version} and runs a loop')
    return 0


if __name__ == '__main__':
    sys.exit(main())
