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

"""Check that every page of the built HTML docs fits a browser window.

Each page is opened in headless Chromium, 1,280 px wide, and measured:

* the page must not scroll sideways (its content no wider than the window);
* every table and figure must fit the text column it sits in;
* every code block must show its longest line without scrolling;
* no entry of the sidebar may be cut short;
* no table cell may be centred, no image lack its alt text.

The widest table of each page is printed, fitting or not, so that a
change can be compared before and after. Exit status 1 if anything does
not fit.

    python tools/check_doc_widths.py doc/build/html
    python tools/check_doc_widths.py --width 1024 doc/build/html

Chromium and its driver come from the distribution (``chromium`` and
``chromium-driver`` on Debian); ``tools/install-chromium.sh`` installs them
when they are missing. The driver is driven through Selenium with the
binaries given explicitly, so nothing is downloaded.
"""

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile

# A px of slack: sub-pixel rounding of borders.
SLACK = 1

# What the page measures, in the page. Tables and figures are compared with
# the text column (the theme's ``docs-body``), code blocks with their own
# box (they scroll rather than overflow).
MEASURE = r"""
const column = document.querySelector('.docs-body') || document.body;
const colWidth = column.getBoundingClientRect().width;
const out = {
  viewport: document.documentElement.clientWidth,
  page: document.documentElement.scrollWidth,
  column: Math.round(colWidth),
  tables: [], figures: [], code: [],
};
const label = (el) => {
  let h = el.previousElementSibling;
  const sec = el.closest('section, div.section');
  const title = sec && sec.querySelector('h1, h2, h3, h4');
  return (title ? title.textContent.replace(/[\u00b6#]$/, '') : '').trim();
};
for (const t of column.querySelectorAll('table')) {
  if (t.closest('table') !== t) continue;   // only outermost tables
  out.tables.push({
    where: label(t),
    width: Math.round(Math.max(t.getBoundingClientRect().width,
                               t.scrollWidth)),
    centred: Array.from(t.querySelectorAll('td, th')).filter(
      (c) => getComputedStyle(c).textAlign === 'center').length,
  });
}
for (const f of column.querySelectorAll('figure, div.figure, img')) {
  out.figures.push({
    where: label(f),
    width: Math.round(f.getBoundingClientRect().width),
    alt: f.tagName === 'IMG' ? (f.getAttribute('alt') || '') : null,
  });
}
out.truncated = Array.from(
  document.querySelectorAll('.docs-sidebar li, .docs-sidebar a')).filter(
  (e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
).map((e) => e.textContent.trim().split('\n')[0]);
for (const p of column.querySelectorAll('pre')) {
  out.code.push({
    where: label(p),
    width: p.scrollWidth, box: p.clientWidth,
    line: (p.textContent.split('\n').reduce(
      (a, b) => (b.length > a.length ? b : a), '')).slice(0, 60),
  });
}
return out;
"""


def find_browser():
    """The Chromium and chromedriver binaries, or exit with a hint."""
    browser = (os.environ.get('CHROMIUM') or shutil.which('chromium') or
               shutil.which('chromium-browser'))
    driver = (os.environ.get('CHROMEDRIVER') or
              shutil.which('chromedriver'))
    if not (browser and driver):
        sys.exit('check_doc_widths: chromium and chromedriver are needed; '
                 'run tools/install-chromium.sh (Debian: apt-get install '
                 'chromium chromium-driver)')
    return browser, driver


def open_browser(width, profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = find_browser()
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ('--headless', '--no-sandbox', '--disable-gpu',
                '--disable-quic', '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                '--hide-scrollbars', f'--window-size={width},900',
                f'--user-data-dir={profile}'):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver),
                            options=opts)


def pages(root):
    skip = {'genindex.html', 'search.html', 'py-modindex.html'}
    for path in sorted(root.rglob('*.html')):
        rel = path.relative_to(root)
        if rel.parts[0].startswith('_') or rel.name in skip:
            continue
        yield rel


def problems(m):
    """What does not fit on one measured page, as sentences."""
    found = []
    if m['page'] > m['viewport'] + SLACK:
        found.append(f'page is {m["page"]} px wide in a {m["viewport"]} px '
                     f'window')
    for t in m['tables']:
        if t['width'] > m['column'] + SLACK:
            found.append(f'table under "{t["where"]}" is {t["width"]} px '
                         f'wide in a {m["column"]} px column')
        if t['centred']:
            found.append(f'table under "{t["where"]}" has {t["centred"]} '
                         f'centred cells')
    for f in m['figures']:
        if f['width'] > m['column'] + SLACK:
            found.append(f'figure under "{f["where"]}" is {f["width"]} px '
                         f'wide in a {m["column"]} px column')
        if f['alt'] is not None and not f['alt'].strip():
            found.append(f'image under "{f["where"]}" has no alt text')
    for text in m['truncated']:
        found.append(f'sidebar entry cut short: {text!r}')
    for c in m['code']:
        if c['width'] > c['box'] + SLACK:
            found.append(f'code under "{c["where"]}" needs {c["width"]} px '
                         f'in a {c["box"]} px box: {c["line"]!r}')
    return found


def measure_all(root, width):
    with tempfile.TemporaryDirectory(prefix='doc-widths-') as profile:
        driver = open_browser(width, profile)
        try:
            driver.set_page_load_timeout(60)
            results = {}
            for rel in pages(root):
                driver.get((root / rel).resolve().as_uri())
                results[str(rel)] = driver.execute_script(MEASURE)
            return results
        finally:
            driver.quit()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('html', help='the built HTML (doc/build/html)')
    ap.add_argument('--width', type=int, default=1280,
                    help='window width in px (default 1280)')
    ap.add_argument('--json', help='also write the measurements here')
    args = ap.parse_args(argv)
    root = pathlib.Path(args.html)
    if not (root / 'index.html').is_file():
        sys.exit(f'check_doc_widths: no index.html under {root}')
    results = measure_all(root, args.width)
    if not results:
        sys.exit('check_doc_widths: no page measured')
    failed = 0
    print(f'{"page":42s} {"widest table":>12s} {"column":>6s}  verdict')
    for rel, m in results.items():
        widest = max((t['width'] for t in m['tables']), default=None)
        found = problems(m)
        failed += bool(found)
        print(f'{rel:42s} {"-" if widest is None else widest:>12} '
              f'{m["column"]:>6}  {"FAIL" if found else "ok"}')
        for text in found:
            print(f'    {text}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    print(f'{len(results) - failed} passed, {failed} failed '
          f'({len(results)} pages at {args.width} px)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
