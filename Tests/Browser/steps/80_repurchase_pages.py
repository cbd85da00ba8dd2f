"""Re-purchase forecast in pages with status tiles (issue 14), after the main story.

A year of the story customer's orders is written straight into reporting's tables, the way `salesdesk-admin seed-demo`
writes its history (a contract is signed "now" through the API, so past purchases cannot come that way): 25 product
lines bought three times each, 30 days apart, so that 9 are overdue, 8 coming up within the 7-day window and 8 expected
later. The projection's triggers compute the forecast. The rep opens 复购预测 on a phone: the three tiles count 9 / 8 /
8, the list shows the first page of 20 with 加载更多, which brings the other 5 and goes away; tapping 已逾期 shows only the
9 overdue orders (one page), tapping it again shows all. The GM sees the same counts on a desktop. Screenshots.

Needs the system's database URL in SALESDESK_STORY_DATABASE_URL (BrowserStoryTests sets it) and psql.
"""
import datetime
import os
import subprocess
import urllib.parse

import story
from story import Step, StoryFailure, css

LINES = 25
GAP = 30
PAGE = 20
# Days before today of each line's last purchase, by line number % 3: next = last + 30 is 10 days ago (overdue),
# in 3 days (inside the 7-day window) or in 25 days (expected).
LAST_AGO = {0: 40, 1: 27, 2: 5}
WANTED = {"overdue": 9, "upcoming": 8, "expected": 8}


def seed_history(customer_id, customer_name, owner_id, region):
    url = os.environ.get("SALESDESK_STORY_DATABASE_URL")
    if not url:
        raise StoryFailure("SALESDESK_STORY_DATABASE_URL is not set (BrowserStoryTests sets it to the system's database)")
    sql = f"""
    INSERT INTO reporting.signed_contracts (contract_id, number, deal_id, owner_id, region, amount_fen, cost_fen, signed_at,
                                            customer_id, customer_name)
    SELECT 'story-rp-' || j || '-' || k, 'HT-RP-' || j || '-' || k, 'story-rp-deal-' || j || '-' || k, :'owner', :'region',
           100, 60,
           ((now() AT TIME ZONE 'Asia/Shanghai')::date - ({LAST_AGO[0]} * (j % 3 = 0)::int + {LAST_AGO[1]} * (j % 3 = 1)::int
               + {LAST_AGO[2]} * (j % 3 = 2)::int) - {GAP} * k + time '10:00') AT TIME ZONE 'Asia/Shanghai',
           :'customer', :'name'
    FROM generate_series(0, {LINES - 1}) AS j CROSS JOIN generate_series(0, 2) AS k;
    INSERT INTO reporting.signed_contract_lines (contract_id, line_no, product_id, product_line, quantity, amount_fen, cost_fen)
    SELECT 'story-rp-' || j || '-' || k, 1, 'story-rp-product', '复购线-' || lpad((j + 1)::text, 2, '0'), 1, 100, 60
    FROM generate_series(0, {LINES - 1}) AS j CROSS JOIN generate_series(0, 2) AS k;
    """
    result = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-v", f"owner={owner_id}", "-v", f"region={region}",
         "-v", f"customer={customer_id}", "-v", f"name={customer_name}"],
        input=sql, text=True, capture_output=True)
    if result.returncode != 0:
        raise StoryFailure(f"writing the purchase history failed: {result.stderr[-2000:]}")


def shown(browser, name):
    return [e for e in browser.all(css(name)) if e.is_displayed()]


def tile_counts(browser):
    counts = {}
    for status in WANTED:
        tiles = shown(browser, f"repurchase-{status}")
        if len(tiles) != 1:
            return None
        counts[status] = tiles[0].find_element("css selector", ".value").text.strip()
    return counts


def items(browser):
    return shown(browser, "repurchase-item")


def run(context):
    rep_user, _ = context.names["rep"]
    gm_user, _ = context.names["gm"]
    wanted_tiles = {k: str(v) for k, v in WANTED.items()}

    rep = context.browser("rep-repurchase-pages", story.PHONE, phone=True)
    try:
        with Step("a year of the story customer's orders goes in as seed-demo writes history"):
            rep.sign_in(rep_user, story.PASSWORD)
            found = story.page_api(rep, "GET", "/customers?q=" + urllib.parse.quote(context.customer) + "&limit=5")
            matches = [c for c in (found["body"] or {}).get("items", []) if c["name"] == context.customer]
            if found["status"] != 200 or len(matches) != 1:
                raise StoryFailure(f"the story's customer: {str(found)[:500]}")
            customer = matches[0]
            seed_history(customer["id"], customer["name"], customer["ownerId"], customer["region"])

        with Step("the rep's 复购预测 tiles count 9 overdue, 8 coming up, 8 expected; the first page holds 20"):
            rep.open("/repurchase")
            rep.test("repurchase-kpis")
            rep.until("the tiles' counts", lambda: tile_counts(rep) == wanted_tiles)
            rep.until("the first page of 20", lambda: len(items(rep)) == PAGE)
            lines = [i.get_attribute("data-line") for i in items(rep)]
            if len(set(lines)) != PAGE or not all(line.startswith("复购线-") for line in lines):
                raise StoryFailure(f"the first page: {lines}")
            if [i.get_attribute("data-status") for i in items(rep)][:WANTED["overdue"]] != ["overdue"] * WANTED["overdue"]:
                raise StoryFailure("the overdue orders (soonest expected) do not come first")
            if len(shown(rep, "load-more")) != 1:
                raise StoryFailure("no 加载更多 under a full page")
            story.check_touch_targets(rep, "复购预测")
            rep.shot("phone-repurchase-tiles")

        with Step("加载更多 brings the other 5, each once, and goes away"):
            rep.click(css("load-more"))
            rep.until("all 25 orders", lambda: len(items(rep)) == LINES)
            lines = [i.get_attribute("data-line") for i in items(rep)]
            if len(set(lines)) != LINES:
                raise StoryFailure(f"an order repeats across pages: {lines}")
            rep.until("no more 加载更多 on the last page", lambda: not shown(rep, "load-more"))
            rep.until("the tiles unchanged", lambda: tile_counts(rep) == wanted_tiles)

        with Step("tapping 已逾期 shows only the 9 overdue orders; tapping it again shows all"):
            rep.click(css("repurchase-overdue"))
            rep.until("only overdue orders", lambda: len(items(rep)) == WANTED["overdue"]
                      and all(i.get_attribute("data-status") == "overdue" for i in items(rep)))
            if shown(rep, "load-more"):
                raise StoryFailure("加载更多 under the 9 overdue orders, which fit one page")
            if shown(rep, "repurchase-overdue")[0].get_attribute("aria-pressed") != "true":
                raise StoryFailure("the 已逾期 tile does not show it is selected")
            rep.until("the filter note", lambda: any(e.text.strip() for e in shown(rep, "repurchase-filter")))
            rep.shot("phone-repurchase-overdue")
            rep.click(css("repurchase-upcoming"))
            rep.until("only the 8 coming up", lambda: len(items(rep)) == WANTED["upcoming"]
                      and all(i.get_attribute("data-status") == "upcoming" for i in items(rep)))
            rep.click(css("repurchase-upcoming"))
            rep.until("all orders again, a page of 20", lambda: len(items(rep)) == PAGE and len(shown(rep, "load-more")) == 1)
            rep.until("the tiles unchanged", lambda: tile_counts(rep) == wanted_tiles)
    finally:
        rep.close()

    gm = context.browser("gm-repurchase-pages", story.DESKTOP, phone=False)
    try:
        with Step("the GM sees the same counts (no one else has three purchases of a line) on a desktop"):
            gm.sign_in(gm_user, story.PASSWORD)
            gm.open("/repurchase")
            gm.until("the tiles' counts", lambda: tile_counts(gm) == wanted_tiles)
            gm.until("the first page of 20", lambda: len(items(gm)) == PAGE)
            gm.shot("desktop-repurchase-tiles")
    finally:
        gm.close()
