"""The manager's views of field work (issue 10), after the main story.

The supervisor opens today's visits grouped by rep: the story rep's visits (at least the story's three), one flagged far, each a dot on the
map-free plot (the far one marked) with the table that is its text alternative. The weekly report shows the rep with
at least three visits this week. The supervisor creates a customer of their own, which the not-visited list shows
as never visited; the overdue list does not hold the story customer (its follow-up is seven days ahead, and the API
refuses a follow-up date in the past, so no overdue one can be made through it). On the new customer's page the
supervisor sets its location, first from the device's position, then typed in. Screenshots at phone and desktop
sizes.
"""

import story
from story import Step, StoryFailure, css

# Somewhere in Ningbo, WGS-84, about 1.3 km from the story customer.
NEW_SITE = (29.880000, 121.550000)


api = story.page_api


def loaded(browser):
    return not browser.all(".loading")


def run(context):
    sup_username, _ = context.names["sup"]
    rep_name = context.rep_name
    customer = context.customer
    new_customer = f"慈溪新客户{context.suffix}"

    sup = context.browser("sup-managerviews")
    with Step("the supervisor sees today's visits grouped by rep, with a dot per visit on the plot and the far one marked"):
        sup.sign_in(sup_username, story.PASSWORD)
        sup.open("/visits", fresh=True)
        group = css("rep-group") + f'[data-rep="{rep_name}"]'
        # The main story's three check-ins, and any the field steps (20_…) added before this module.
        sup.until("the rep's group with at least the story's three visits",
                  lambda: loaded(sup) and sup.all(group) and int(sup.find(group).get_attribute("data-count") or 0) >= 3)
        if int(sup.find(group).get_attribute("data-flagged")) < 1:
            raise StoryFailure(f"the rep's group counts no flagged visit: {sup.find(group).text!r}")
        far_rows = sup.all(group + " " + css("visit-row") + '[data-flags~="far"]')
        if len(far_rows) != 1 or "距离客户约" not in far_rows[0].text:
            raise StoryFailure(f"expected one far visit named in words with its distance: {[r.text for r in far_rows]}")
        visits = len(sup.all(css("visit-row")))
        dots = sup.all(css("plot-dot"))
        if len(dots) != visits or visits < 3:
            raise StoryFailure(f"{len(dots)} dots on the plot for {visits} visits")
        far_dots = sup.all(css("plot-visit") + '[data-far="true"]')
        if len(far_dots) != 1 or far_dots[0].get_attribute("data-id") != far_rows[0].get_attribute("data-id"):
            raise StoryFailure("the far visit is not the one marked on the plot")
        # Each visit at the customer is joined to the customer's location (a ring), and the scale bar is in metres.
        if len(sup.all(css("plot-customer"))) < 3:
            raise StoryFailure("the customer's location is not drawn as a ring for each of the rep's visits")
        if not sup.all(css("plot-scale")):
            raise StoryFailure("the plot has no scale bar")
        plot = sup.test("visit-plot")
        described = plot.get_attribute("aria-describedby")
        table_rows = sup.all(f"#{described} tbody tr")
        if plot.get_attribute("role") != "img" or not plot.get_attribute("aria-label") or len(table_rows) != visits:
            raise StoryFailure(f"the plot's text alternative: role {plot.get_attribute('role')}, table rows {len(table_rows)}")
        # Nothing but the page's own origin is loaded: no map tiles.
        foreign = sup.driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin));")
        if foreign:
            raise StoryFailure(f"the visits screen loaded from another origin: {foreign}")
        sup.shot("phone-visits-today")
        story.check_touch_targets(sup, "today's visits (phone)")
        sup.resize(story.DESKTOP, phone=False)
        sup.open("/visits?flagged=false", fresh=True)
        sup.until("the groups on a desk", lambda: loaded(sup) and sup.all(group))
        sup.click("details.plot-details summary")
        described = sup.test("visit-plot").get_attribute("aria-describedby")
        sup.until("the table of positions", lambda: sup.find(f"#{described}").is_displayed())
        sup.shot("desktop-visits-today")
        story.check_accessibility(sup, "today's visits (desktop)", ["body", ".section-title", ".row-title", ".table th"])

    with Step("the weekly report shows the rep with at least three visits this week"):
        sup.open("/visits/weekly")
        row = css("weekly-row") + f'[data-rep="{rep_name}"]'

        def rep_this_week():
            if loaded(sup) and sup.all(row) and int(sup.find(row).get_attribute("data-this-week")) >= 3:
                return True
            sup.driver.refresh()
            sup.test("weekly-report")
            return False

        sup.until(f"{rep_name} with 3 visits this week", rep_this_week, timeout=story.EVENTUAL, poll=2)
        cells = sup.all(row + " " + css("weekly-cell"))
        if len(cells) != 8 or int(cells[-1].get_attribute("data-count")) < 3:
            raise StoryFailure(f"expected 8 weeks, the last with ≥3 visits: {[c.get_attribute('data-count') for c in cells]}")
        sup.shot("desktop-visits-weekly")
        story.check_accessibility(sup, "weekly visits (desktop)", ["body", ".table th", ".table td"])
        sup.resize(story.PHONE, phone=True)
        sup.driver.refresh()
        sup.until("the weekly table on a phone", lambda: loaded(sup) and sup.all(row))
        sup.shot("phone-visits-weekly")

    with Step("a never-visited customer is in the not-visited list; 30/60/90 days switch"):
        me = api(sup, "GET", "/me")["body"]
        created = api(sup, "POST", "/customers", {
            "name": new_customer, "region": context.region, "industry": "machinery", "ownerId": me["id"],
            "contacts": [{"name": "周工", "phone": "13912340000"}]})
        if created["status"] != 201:
            raise StoryFailure(f"creating {new_customer}: {created}")
        new_id = created["body"]["id"]
        sup.open("/visits/not-visited")
        row = css("not-visited-row") + f'[data-name="{new_customer}"]'
        sup.until("the new customer, never visited", lambda: loaded(sup) and sup.all(row + '[data-days="never"]'))
        if sup.all(css("not-visited-row") + f'[data-name="{customer}"]'):
            raise StoryFailure("the story customer, visited today, is listed as not visited")
        sup.shot("phone-visits-not-visited")
        sup.click(css("days-90"))
        sup.until("90 days chosen", lambda: sup.all(css("days-90") + '[aria-current="true"]') and loaded(sup) and sup.all(row))

    with Step("the overdue follow-ups do not hold the story customer (its follow-up is a week ahead)"):
        sup.open("/visits/overdue")
        sup.until("the overdue list", lambda: loaded(sup) and (sup.all(css("overdue-row")) or "没有逾期的跟进" in sup.page_text()))
        if sup.all(css("overdue-row") + f'[data-name="{customer}"]'):
            raise StoryFailure("the story customer's follow-up, due in seven days, is listed as overdue")
        past = api(sup, "GET", "/visits/follow-ups/overdue?limit=100")
        if past["status"] != 200 or any(item["customerName"] == customer for item in past["body"]["items"]):
            raise StoryFailure(f"GET /visits/follow-ups/overdue: {past}")
        sup.shot("phone-visits-overdue")

    with Step("the supervisor sets the new customer's location on its page: from the device, then typed in"):
        sup.open(f"/customers/{new_id}")
        sup.until("no location yet", lambda: sup.text_of("customer-location") == "未设置")
        sup.click(css("set-location"))
        note = sup.text_of("coordinates-note")
        if "WGS-84" not in note or "GCJ-02" not in note:
            raise StoryFailure(f"the coordinate note does not explain WGS-84 and GCJ-02: {note!r}")
        sup.geolocate(NEW_SITE[0], NEW_SITE[1], 12)
        sup.click(css("use-my-position"))
        sup.until("the position filled in", lambda: sup.test("field-latitude").get_attribute("value") == f"{NEW_SITE[0]:.6f}")
        sup.shot("phone-customer-set-location")
        sup.type(css("field-longitude"), "121.551234")
        sup.click(css("save-location"))
        sup.until("the location shown", lambda: sup.text_of("customer-location") == f"{NEW_SITE[0]:.6f}, 121.551234")
        stored = api(sup, "GET", f"/customers/{new_id}")["body"]
        if stored.get("location") != {"latitude": NEW_SITE[0], "longitude": 121.551234}:
            raise StoryFailure(f"the API has location {stored.get('location')}")
        sup.resize(story.DESKTOP, phone=False)
        sup.driver.refresh()
        sup.test("customer-location")
        sup.click(css("set-location"))
        sup.test("coordinates-note")
        sup.shot("desktop-customer-set-location")
    sup.close()
