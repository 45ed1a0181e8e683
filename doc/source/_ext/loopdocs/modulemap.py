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

"""The map of the package's modules, drawn from its imports at build time.

grimp (the import graph import-linter checks its contracts on) reads the
imports of the installed source; no module of the package is run. The
graph has no cycles (import-linter's no-cycles contract), so every
module gets a floor: one above the highest of the modules it imports.
Each module is a box on its floor, coloured by the part of the package it
belongs to, with an arrow to each module it imports.
"""

import dataclasses

PACKAGE = 'oslo_loopingcall'

#: The parts of the package, the most specific first: (prefix, label).
PARTS = (
    ('_backends.greenthreads', 'eventlet mode'),
    ('_backends.osthreads', 'native-thread mode'),
    ('_backends', 'backend layer'),
    ('', 'loop core and public modules'),
)


@dataclasses.dataclass
class ModuleMap:
    """Modules (short names, package prefix cut), floors and imports."""

    floors: dict
    imports: list

    def rows(self):
        """The modules floor by floor, the top floor first.

        On a floor, the modules of one part stand together, in the order
        of :data:`PARTS` from the right (the core on the left), then by
        name.
        """
        top = max(self.floors.values(), default=0)
        order = {label: i for i, (_, label) in enumerate(reversed(PARTS))}
        return [sorted((m for m, f in self.floors.items() if f == floor),
                       key=lambda m: (order[part_of(m)], m))
                for floor in range(top, -1, -1)]


def short(module):
    """The module's name inside the package ('' for the package itself)."""
    return module[len(PACKAGE) + 1:] if module != PACKAGE else PACKAGE


def label(name):
    """The name shown in a box: the part's colour says ``_backends``."""
    return name[len('_backends.'):] if name.startswith('_backends.') \
        else name


def part_of(name):
    """The label of the part of the package a short name belongs to."""
    for prefix, label in PARTS:
        if name == prefix or name.startswith(prefix + '.') or not prefix:
            return label
    raise AssertionError(name)


def build(graph):
    """A ModuleMap of graph (a grimp graph of the package).

    Packages' __init__ modules that only hold a docstring are left
    out, as are imports of them (grimp records an import of a submodule's
    parent too).
    """
    modules = {m for m in graph.modules if m.startswith(PACKAGE)}
    code = {m for m in modules if m == PACKAGE or not _empty(graph, m)}
    imports = sorted({(short(a), short(b)) for a in code
                      for b in graph.find_modules_directly_imported_by(a)
                      if b in code and a != b})
    floors = {}

    def floor(name):
        if name not in floors:
            # Set first, so that a cycle (which import-linter forbids)
            # ends instead of recursing for ever.
            floors[name] = 0
            below = [floor(b) for a, b in imports if a == name]
            floors[name] = 1 + max(below) if below else 0
        return floors[name]

    for module in code:
        floor(short(module))
    return ModuleMap(floors, imports)


def _empty(graph, module):
    """A package whose __init__ imports nothing (only a docstring)."""
    return (graph.find_children(module) and
            not graph.find_modules_directly_imported_by(module))


def load():
    """The ModuleMap of the package as its source stands."""
    import grimp

    return build(grimp.build_graph(PACKAGE))


def draw(mmap, plt):
    """A matplotlib figure of mmap, and its alt text."""
    from loopdocs import style

    rows = mmap.rows()
    colours = dict(zip([title for _, title in PARTS], style.PARTS))
    height = 0.75 * len(rows) + 0.6
    fig, ax = plt.subplots(figsize=(style.WIDTH, height))
    where = {}
    for y, row in enumerate(reversed(rows)):
        for x, name in enumerate(row):
            cx = (x + 0.5) / len(row)
            where[name] = (cx, y)
            ax.text(cx, y, label(name), ha='center', va='center',
                    fontsize=7.5,
                    bbox={'boxstyle': 'round,pad=0.3', 'linewidth': 0.6,
                          'facecolor': colours[part_of(name)],
                          'edgecolor': style.IDLE_EDGE}, zorder=3)
    for a, b in mmap.imports:
        (xa, ya), (xb, yb) = where[a], where[b]
        ax.annotate('', xy=(xb, yb + 0.22), xytext=(xa, ya - 0.22),
                    arrowprops={'arrowstyle': '->', 'linewidth': 0.5,
                                'color': style.IDLE_EDGE}, zorder=1)
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=c,
                             edgecolor=style.IDLE_EDGE)
               for c in colours.values()]
    ax.legend(handles, list(colours), loc='upper center', ncol=4,
              bbox_to_anchor=(0.5, 1.02 + 0.25 / height), fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, len(rows) - 0.5)
    ax.axis('off')
    alt = (f'The {len(mmap.floors)} modules of {PACKAGE} on '
           f'{len(rows)} floors, each importing only modules below it; '
           f'{len(mmap.imports)} imports.')
    return fig, alt
