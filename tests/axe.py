"""An automated WCAG 2.2 AA scan of the page in a Playwright page: axe-core
(web/node_modules, pinned in web/package.json) injected into it. The
page's context must be made with bypass_csp=True: our CSP rightly refuses the
injected script."""

from clinicbot.settings import PROJECT_ROOT

AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const where = (v) => v.nodes.map(n => n.target.join(" ")).slice(0, 4).join(", ");
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${where(v)}`);
}"""


def violations(page) -> list[str]:
    """What axe-core finds on the page as it is now, one line per rule."""
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: run `make web-install`.")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN, WCAG_22_AA)
