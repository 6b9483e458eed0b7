"""The trajectory's first draw on a ward tablet: Debian's Chromium (never a
downloaded browser) with its CPU slowed down 4x and an empty cache, from the
request until the first chart (the grades, drawn on the server) is painted;
then on until the first Plotly figure has drawn its SVG, reported beside it."""

import statistics
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FIRST_CHART = ".grade-chart-svg"
PLOTLY_DRAWN = ".js-plotly-plot .main-svg"
# Resolves after the next paint: the chart is on screen, not only in the DOM.
PAINTED = """() => new Promise(done =>
  requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now()))))"""


# Where the time went, from the page's own clock (ms since navigation).
MILESTONES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const plotly = performance.getEntriesByType("resource").find(r => r.name.includes("plotly"));
  return {
    "page received": nav.responseEnd,
    "plotly.js received": plotly ? plotly.responseEnd : null,
    "DOM ready": nav.domContentLoadedEventEnd,
    "plotly figure drawn": performance.now(),
  };
}"""


def first_draw(
    url: str, cookie: dict, runs: int, slowdown: int = 4, milestones: list | None = None
) -> list[float]:
    """Seconds from navigation to the first drawn chart, one fresh browser
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
                started = time.perf_counter()
                response = page.goto(url, wait_until="commit")
                if response is None or response.status != 200:
                    raise RuntimeError(f"{url} answered {response and response.status}")
                page.wait_for_selector(FIRST_CHART, state="visible", timeout=60_000)
                painted = page.evaluate(PAINTED)
                samples.append(time.perf_counter() - started)
                page.wait_for_selector(PLOTLY_DRAWN, state="attached", timeout=60_000)
                if milestones is not None:
                    milestones.append({"first chart painted": painted, **page.evaluate(MILESTONES)})
                context.close()
        finally:
            browser.close()
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)
