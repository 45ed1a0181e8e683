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

"""Which backend function implements each method of the backend contract.

Read from the classes themselves when the docs are built: for each
member of ``contract.Backend``, the class (in each backend's method
resolution order) that defines it. A virtual backend that hands a call on
to the real one says so in its own method, and the table shows that
method.
"""

import importlib

from loopdocs import tables

CONTRACT = 'oslo_loopingcall._backends.contract'

#: The backends, as (column title, module, class name).
BACKENDS = (
    ('``greenthreads.backend``',
     'oslo_loopingcall._backends.greenthreads.backend', 'EventletBackend'),
    ('``osthreads.backend``',
     'oslo_loopingcall._backends.osthreads.backend', 'ThreadingBackend'),
    ('``greenthreads.virtual``',
     'oslo_loopingcall._backends.greenthreads.virtual',
     'GreenVirtualBackend'),
    ('``osthreads.virtual``',
     'oslo_loopingcall._backends.osthreads.virtual', 'ThreadVirtualBackend'),
)


def members(protocol):
    """The names a Protocol class declares, in the order declared."""
    names = list(protocol.__dict__.get('__annotations__', {}))
    names += [name for name, value in vars(protocol).items()
              if not name.startswith('_') and callable(value)
              or isinstance(value, property)]
    return list(dict.fromkeys(n for n in names if not n.startswith('_')))


def defined_by(cls, name):
    """The class of ``cls``'s MRO that defines ``name`` (its method)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return f'``{klass.__qualname__}``'
    # Set on each object: a virtual backend copies the real one's.
    return 'the real one\'s'


def table():
    """The contract table, a loopdocs.tables.Table."""
    protocol = importlib.import_module(CONTRACT).Backend
    classes = [getattr(importlib.import_module(module), name)
               for _, module, name in BACKENDS]
    rows = [[f'``{name}``'] + [defined_by(cls, name) for cls in classes]
            for name in members(protocol)]
    header = ['Contract'] + [title for title, _, _ in BACKENDS]
    return tables.Table(header, rows, [20, 20, 20, 20, 20])
