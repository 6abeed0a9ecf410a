"""The RGAA sweep's crawler: every page a role reaches by following links, checked by axe-core.

Used by tests/e2e/test_rgaa_sweep.py. Kept apart so that the crawl can also be run by hand
against a running server (see the docstring of `crawl`).
"""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

# WCAG 2.1 levels A and AA: the rules RGAA 4.1 maps onto.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
NO_CONTRAST = {"color-contrast": {"enabled": False}}
# How many distinct URLs of one pattern (/menages/{id}/, /menages/?page=) are checked.
CAP_PER_PATTERN = 2
# Not ours to audit (Django's admin is the technical administrator's tool), or not pages.
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/sante/")
NARROW_WIDTHS = (320, 360)

# Collects every same-origin link of the page, and the ids used more than once.
LINKS_JS = """() => [...document.querySelectorAll('a[href]')]
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.href)"""
DUPLICATE_IDS_JS = """() => {
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} (×${n})`);
}"""
# Focus indicator (RGAA 10.7, 3.3): on the first visible element of each kind, the computed
# outline must be drawn, at least 2 px wide, and at least 3:1 against the colour around it.
FOCUS_KINDS = {
    "lien d'évitement": "body > a.visually-hidden-focusable",
    "lien de l'en-tête": "header a.navbar-brand",
    "lien du menu": "header .nav-link",
    "bouton du menu": "header button",
    "lien": "main a:not(.btn):not(.alert a), footer a",
    "lien dans un encadré coloré": "main .alert a:not(.btn)",
    "champ": "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select,"
    " main textarea",
    "case à cocher": "main input[type=checkbox], main input[type=radio]",
    "bouton": "main button, main .btn",
}
# Colours as the browser computed them: parse, what is painted behind an element (alpha layers
# blended from the page's white), and the WCAG contrast ratio of two colours.
COLOUR_JS = r"""
    const parse = (c) => {
        const m = c.match(/rgba?\(([^)]+)\)/);
        if (!m) return null;
        const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const behind = (node) => {
        const layers = [];
        for (let a = node; a; a = a.parentElement) {
            const c = parse(getComputedStyle(a).backgroundColor);
            if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
        }
        let rgb = [255, 255, 255];
        for (const l of layers.reverse()) rgb = rgb.map((v, i) => l[i] * l[3] + v * (1 - l[3]));
        return rgb;
    };
    const lum = (rgb) => {
        const [r, g, b] = rgb.map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100;
    };
"""
# What a focused element's outline looks like: drawn or not, its width, and its contrast with
# the colour painted around the element (the outline sits outside it, RGAA 10.7 and 3.3).
FOCUS_MEASURE = (
    "(el) => {"
    + COLOUR_JS
    + r"""
    const style = getComputedStyle(el);
    const outline = parse(style.outlineColor);
    const width = parseFloat(style.outlineWidth) || 0;
    const drawn = style.outlineStyle !== "none" && width > 0 && !!outline && outline[3] > 0;
    return {
        width, drawn,
        ratio: drawn ? ratio(outline.slice(0, 3), behind(el.parentElement)) : 0,
        focused: document.activeElement === el, visible: el.matches(":focus-visible"),
        what: el.outerHTML.slice(0, 80),
    };
}"""
)
# On the first visible element of each kind of the page: focus it, measure, leave it.
FOCUS_JS = (
    r"""(kinds) => {
    const measure = """
    + FOCUS_MEASURE
    + r""";
    const rows = [];
    for (const [kind, selector] of Object.entries(kinds)) {
        const el = [...document.querySelectorAll(selector)].find((e) => !e.disabled
            && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden");
        if (!el) continue;
        el.focus({ focusVisible: true, preventScroll: true });
        if (document.activeElement !== el) continue;
        rows.push({ kind, ...measure(el) });
        el.blur();
    }
    return rows;
}"""
)
# Every data table has a caption and scrolls inside its own container (RGAA 5.4, 10.11).
TABLES_JS = """() => [...document.querySelectorAll('main table')].flatMap((table) => {
    const problems = [];
    if (!table.querySelector(':scope > caption')) problems.push('sans légende (caption)');
    let box = table.parentElement;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    if (!box || box === document.documentElement || box === document.body)
        problems.push('sans conteneur défilant');
    const name = (table.caption && table.caption.textContent.trim()) || table.outerHTML.slice(0, 60);
    return problems.map((p) => `tableau « ${name} » ${p}`);
})"""
# The page's frame (RGAA 8.3, 9.1, 12.6, 12.7): French, one h1, one main, and the first thing
# the keyboard reaches is a link to the main content.
STRUCTURE_JS = """() => {
    const problems = [];
    if (document.documentElement.lang !== 'fr') problems.push('langue de la page absente');
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) problems.push(`${h1} titre(s) h1`);
    const main = document.querySelectorAll('main');
    if (main.length !== 1) problems.push(`${main.length} zone(s) main`);
    const first = [...document.body.querySelectorAll('a[href], button, input, select, textarea')]
        .find((el) => el.type !== 'hidden');
    const target = first && first.hash && document.getElementById(first.hash.slice(1));
    if (!target || target.tagName !== 'MAIN') problems.push("pas de lien d'évitement en premier");
    return problems;
}"""
# Forms (RGAA 11.10): a form showing asterisks says once what they mean, and each field marked
# with one is required for assistive technologies too (required or aria-required).
FORMS_JS = """() => [...document.querySelectorAll('form')].flatMap((form) => {
    const problems = [];
    const stars = [...form.querySelectorAll('.asteriskField')];
    const notes = form.querySelectorAll('.required-note').length;
    if (stars.length && notes !== 1) problems.push(`formulaire ${form.action} : ${notes} explication(s) de l'astérisque`);
    for (const star of stars) {
        const label = star.closest('label');
        const field = label && label.htmlFor && document.getElementById(label.htmlFor);
        if (field && !field.required && field.getAttribute('aria-required') !== 'true')
            problems.push(`champ ${field.id} marqué d'un astérisque mais pas obligatoire`);
    }
    return problems;
})"""
# A container that scrolls is reachable with the keyboard (static/js/app.js).
SCROLLERS_JS = """async () => {
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    return [...document.querySelectorAll('.table-responsive')]
        .filter((box) => box.scrollWidth > box.clientWidth + 1 && box.tabIndex < 0)
        .map((box) => (box.querySelector('caption') || box).textContent.trim().slice(0, 60));
}"""
MIN_FOCUS_RATIO = 3
MIN_FOCUS_WIDTH = 2

# Page wider than the viewport: the page scrolls sideways (what a table container must prevent).
OVERFLOW_JS = (
    """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""
)


def pattern(url):
    """/menages/42/contacts/?page=2&q=x → /menages/{id}/contacts/?page&q"""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", parts.path)
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}(?=/|$)", "/{uuid}", path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def canonical(url):
    """Same page, same string: no fragment, query keys sorted."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + ("?" + query if query else "")


@dataclass
class Sweep:
    pages: list = field(default_factory=list)  # paths checked
    focus_kinds: set = field(default_factory=set)  # kinds of focusable elements measured
    axe_runs: int = 0
    problems: list = field(default_factory=list)  # French lines, one per problem

    def report(self, role):
        return f"{role} : {len(self.problems)} problème(s) sur {len(self.pages)} page(s)\n" + (
            "\n".join(self.problems)
        )


def crawl(page, starts, axe, contrasted=None, cap=CAP_PER_PATTERN, skipped=SKIPPED_PREFIXES):
    """Visit every page reachable from `starts` by GET links, `cap` URLs per pattern.

    `page` is a logged-in Playwright page whose context has a base_url; `axe` an
    axe_playwright_python Axe. axe-core runs on the first URL of each pattern; its contrast rule
    (most of its time) only on patterns not in `contrasted`, a set shared by the crawls of the
    several roles and filled here. Returns a Sweep with every problem found.
    """
    contrasted = set() if contrasted is None else contrasted
    sweep = Sweep()
    queue = list(dict.fromkeys(canonical(start) for start in starts))
    seen = set(queue)
    checked = set()
    per_pattern = {}
    while queue:
        url = queue.pop(0)
        key = pattern(url)
        if per_pattern.get(key, 0) >= cap:
            continue
        response = visit(page, url)
        if response is None:
            continue
        landed = canonical(page.url)  # after redirects ("/" → the role's home page)
        if landed.startswith(skipped) or (landed != url and landed in checked):
            continue
        checked.add(landed)
        per_pattern[key] = per_pattern.get(key, 0) + 1
        sweep.pages.append(url)
        if response.status >= 400:
            sweep.problems.append(f"{url} : réponse {response.status} à un lien de l'application")
            continue
        for target in links(page):
            if target not in seen and target not in checked and not target.startswith(skipped):
                seen.add(target)
                queue.append(target)
        # axe-core is most of the time spent: once per pattern; the quick checks on every URL.
        run_axe = per_pattern[key] == 1
        check_page(page, url, axe if run_axe else None, sweep, contrast=key not in contrasted)
        if run_axe:
            contrasted.add(key)
        check_narrow(page, url, sweep)
    return sweep


def visit(page, url):
    """The response to GET `url` when it is an HTML page; None for a download (PDF, CSV)."""
    try:
        response = page.goto(url)
    except Exception as exc:
        if "Download is starting" in str(exc):
            return None
        raise
    if response is None or "text/html" not in response.headers.get("content-type", ""):
        return None
    return response


def links(page):
    """The page's links to the application itself, canonical."""
    origin = urlsplit(page.url).netloc
    for href in page.evaluate(LINKS_JS):
        parts = urlsplit(urljoin(page.url, href))
        if parts.scheme in ("http", "https") and parts.netloc == origin:
            yield canonical(parts.geturl())


def check_narrow(page, url, sweep):
    size = page.viewport_size
    for narrow in NARROW_WIDTHS:
        page.set_viewport_size({"width": narrow, "height": 800})
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow > 0:
            sweep.problems.append(
                f"{url} : la page défile horizontalement à {narrow} px (+{overflow} px)"
            )
        for name in page.evaluate(SCROLLERS_JS):
            sweep.problems.append(
                f"{url} : à {narrow} px, le tableau « {name} » défile sans être atteignable "
                "au clavier"
            )
    page.set_viewport_size(size)


def check_page(page, url, axe, sweep, contrast=True):
    if axe is not None:
        sweep.axe_runs += 1
        options = AXE_OPTIONS if contrast else {**AXE_OPTIONS, "rules": NO_CONTRAST}
        for violation in axe.run(page, options=options).response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            sweep.problems.append(
                f"{url} : {violation['id']} ({violation['impact']}) {violation['help']} — {targets}"
            )
    duplicates = page.evaluate(DUPLICATE_IDS_JS)
    if duplicates:
        sweep.problems.append(f"{url} : identifiants en double {duplicates}")
    problems = page.evaluate(STRUCTURE_JS) + page.evaluate(TABLES_JS) + page.evaluate(FORMS_JS)
    for problem in problems:
        sweep.problems.append(f"{url} : {problem}")
    for row in page.evaluate(FOCUS_JS, FOCUS_KINDS):
        sweep.focus_kinds.add(row["kind"])
        if not row["drawn"] or row["width"] < MIN_FOCUS_WIDTH or row["ratio"] < MIN_FOCUS_RATIO:
            sweep.problems.append(
                f"{url} : focus peu visible sur « {row['kind']} » (contour {row['width']} px, "
                f"contraste {row['ratio']}:1) — {row['what']}"
            )
