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

"""Directives whose figure or table is computed when the docs are built.

Subclass :class:`GeneratedFigure` and implement ``make()`` to return a
matplotlib figure and its alt text; subclass :class:`GeneratedTable` and
implement ``make()`` to return a :class:`loopdocs.tables.Table`; subclass
:class:`GeneratedText` and implement ``make()`` to return text. The
figure is written as SVG under ``_generated/`` in the source tree (ignored
by git) and shown with the directive's content as its caption; the table
becomes a ``list-table`` with the given column widths; the text, a literal
block. Declare the directive in loopdocs.directives and register it in
``loopdocs.setup()``.
"""

import hashlib
import os

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from loopdocs.tables import list_table
from loopdocs.tables import slug

GENERATED = '_generated'


class GeneratedFigure(SphinxDirective):
    """A figure computed at build time; the content is its caption.

    Options common to all: ``:alt:`` replaces the generated alt text,
    ``:name:`` gives the figure a label for ``:ref:``.
    """

    has_content = True
    option_spec = {'alt': directives.unchanged, 'name': directives.unchanged}

    def make(self):
        """Return (matplotlib figure, alt text)."""
        raise NotImplementedError

    def caption_text(self):
        """The caption's reStructuredText (a StringList): the content."""
        return self.content

    def basename(self):
        """A file name unique to this figure in the whole documentation."""
        where = f'{self.env.docname}:{self.lineno}:{self.block_text}'
        digest = hashlib.sha1(where.encode()).hexdigest()[:8]
        what = slug(' '.join([self.name] + list(self.arguments)))
        return f'{slug(self.env.docname)}-{what}-{digest}.svg'

    def run(self):
        fig, alt = self.make()
        alt = self.options.get('alt', alt)
        outdir = os.path.join(self.env.srcdir, GENERATED)
        os.makedirs(outdir, exist_ok=True)
        name = self.basename()
        save_svg(fig, os.path.join(outdir, name), alt)
        image = nodes.image(uri=f'/{GENERATED}/{name}', alt=alt,
                            classes=['generated'])
        figure = nodes.figure('', image, classes=['generated'])
        text = self.caption_text()
        if text:
            caption = nodes.caption()
            self.state.nested_parse(text, self.content_offset, caption)
            # A one-paragraph caption: keep its inline nodes only.
            para = caption.children[0] if caption.children else None
            if isinstance(para, nodes.paragraph):
                caption.children = para.children
            figure += caption
        self.add_name(figure)
        return [figure]


def save_svg(fig, path, title):
    """Write ``fig`` as SVG, identical from one build to the next."""
    import matplotlib.pyplot as plt

    fig.savefig(path, format='svg', bbox_inches='tight',
                metadata={'Date': None, 'Title': title[:200]})
    plt.close(fig)


class GeneratedTable(SphinxDirective):
    """A table computed at build time; the argument-less content is unused.

    ``:caption:`` gives the table a title.
    """

    option_spec = {'caption': directives.unchanged}

    def make(self):
        """Return a :class:`loopdocs.tables.Table`."""
        raise NotImplementedError

    def run(self):
        lines = list_table(self.make(), self.options.get('caption', ''))
        node = nodes.container()
        self.state.nested_parse(StringList(lines, self.env.docname),
                                self.content_offset, node)
        return node.children


class GeneratedText(SphinxDirective):
    """Text computed at build time, shown as a literal block."""

    option_spec = {'name': directives.unchanged}

    def make(self):
        """Return the text."""
        raise NotImplementedError

    def run(self):
        text = self.make()
        block = nodes.literal_block(text, text, language='text',
                                    classes=['generated'])
        self.add_name(block)
        return [block]
