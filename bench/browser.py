"""The trajectory's first draw on a ward tablet: Debian's Chromium (never a
downloaded browser) with its CPU slowed down 4x and an empty cache, from the
navigation until the first chart (the grades, drawn on the server) is
painted, on the page's own clock; then on until the first Plotly figure has
drawn its SVG, reported beside it."""

import statistics
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PLOTLY_DRAWN = ".js-plotly-plot .main-svg"
# Installed before the page's own scripts: the moment the frame that first
# holds the grades chart is rendered (a frame's animation callbacks run just
# before its paint), in ms since the navigation began. Measured in the page,
# so a long script that runs after that paint does not hide it.
FIRST_CHART_WATCH = """
window.__firstChartPainted = null;
new MutationObserver((records, observer) => {
  if (document.querySelector(".grade-chart-svg")) {
    observer.disconnect();
    requestAnimationFrame(() => { window.__firstChartPainted = performance.now(); });
  }
}).observe(document, { childList: true, subtree: true });
"""


# Where the time went, from the page's own clock (ms since navigation).
MILESTONES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const plotly = performance.getEntriesByType("resource").find(r => r.name.includes("plotly"));
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    "page received": nav.responseEnd,
    "first contentful paint": paint ? paint.startTime : null,
    "plotly.js received": plotly ? plotly.responseEnd : null,
    "DOM ready": nav.domContentLoadedEventEnd,
    "plotly figure drawn": performance.now(),
  };
}"""


def first_draw(
    url: str, cookie: dict, runs: int, slowdown: int = 4, milestones: list | None = None
) -> list[float]:
    """Seconds from navigation to the first chart painted, one fresh browser
    context (so an empty cache) per run; each run's milestones are appended
    to `milestones` when given. Make `cookie` before calling: the ORM may not
    run inside Playwright's event loop."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1024, "height": 768})
                context.add_cookies([{**cookie, "url": url}])
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.clearBrowserCache")
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
                page.add_init_script(FIRST_CHART_WATCH)
                response = page.goto(url, wait_until="commit")
                if response is None or response.status != 200:
                    raise RuntimeError(f"{url} answered {response and response.status}")
                painted = _first_chart_painted(page)
                samples.append(painted / 1000)
                page.wait_for_selector(PLOTLY_DRAWN, state="attached", timeout=60_000)
                if milestones is not None:
                    milestones.append({"first chart painted": painted, **page.evaluate(MILESTONES)})
                context.close()
        finally:
            browser.close()
    return samples


def _first_chart_painted(page, timeout_s: float = 60) -> float:
    # Asked from here: Playwright's in-page polling evaluates a string, which
    # the page's Content-Security-Policy (rightly) refuses.
    for _ in range(int(timeout_s / 0.02)):
        painted = page.evaluate("window.__firstChartPainted")
        if painted is not None:
            return painted
        page.wait_for_timeout(20)
    raise RuntimeError("the grades chart was never painted")


def median(samples: list[float]) -> float:
    return statistics.median(samples)
