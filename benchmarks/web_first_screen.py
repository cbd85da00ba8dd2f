#!/usr/bin/env python3
"""The rep's first screen in a phone-sized headless Chromium: how many bytes it loads and how long until it shows.

    python3 benchmarks/web_first_screen.py --base-url http://127.0.0.1:8080 --username U --password P [--runs 15]

Each run is a fresh browser profile (a cold cache, as on a rep's first visit):
  sign-in  — from navigation start to the sign-in form on screen (`/`, no session);
  inbox    — signed in (cookie session), from navigation start to the inbox with its notifications loaded.
Bytes are the app's own files as resource timing reports them (decoded size; the API's JSON excluded), so the
figure is the page weight whatever the transfer encoding. Prints medians and worst runs. A benchmark: it asserts
nothing; benchmarks/run prints its result block for benchmarks/README.md.
"""
import argparse
import statistics
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

SHOWN = """
const selector = arguments[0], done = arguments[arguments.length - 1];
const start = performance.timeOrigin;
function check() {
  const el = document.querySelector(selector);
  if (el && el.getBoundingClientRect().height > 0) {
    const files = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .filter(e => !e.name.includes('/api/'));
    done({ ms: performance.now(), bytes: files.reduce((n, e) => n + (e.decodedBodySize || 0), 0), files: files.length });
  } else {
    requestAnimationFrame(check);
  }
}
check();
"""


def browser(args):
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=390,844"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    driver.set_script_timeout(30)
    return driver


def measure(driver, url, selector):
    # From a blank page, so that a URL differing only by its #fragment is a new document, not a hash change.
    driver.get("about:blank")
    driver.get(url)
    return driver.execute_async_script(SHOWN, selector)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    results = {"sign-in": [], "inbox": []}
    for _ in range(args.runs):
        driver = browser(args)
        try:
            results["sign-in"].append(measure(driver, base + "/", '[data-test="signin-form"]'))
            driver.find_element(By.CSS_SELECTOR, '[data-test="field-username"]').send_keys(args.username)
            driver.find_element(By.CSS_SELECTOR, '[data-test="field-password"]').send_keys(args.password)
            driver.find_element(By.CSS_SELECTOR, '[data-test="signin-submit"]').click()
            WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-test="tabbar"]')))
            # A second cold start, signed in: a new profile would lose the cookies, so clear the cache instead.
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            results["inbox"].append(measure(driver, base + "/#/inbox", '[data-test="notification"], [data-test="empty"]'))
        finally:
            driver.quit()
    for screen, runs in results.items():
        times = sorted(r["ms"] for r in runs)
        print(
            f"web first screen ({screen}, 390x844, cold cache, {len(runs)} runs): "
            f"median {statistics.median(times):.0f} ms, worst {times[-1]:.0f} ms; "
            f"{runs[0]['files']} files, {runs[0]['bytes'] / 1024:.1f} kB"
        )


if __name__ == "__main__":
    sys.exit(main())
