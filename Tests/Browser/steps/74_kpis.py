"""The KPI panel (issue 12), after the main story.

The GM opens the dashboard on a phone and finds the KPI panel: three tiles (daily active reps, conversion year on
year, approval time), each with its figure, its target and its status in words as well as colour. The figures are
the story's: the GM, the rep and the approvers all acted today, so today is in the daily-active days (if today is a
working day); the story's contract was approved within a day, so the approval time is within its 2-day line and
green; the story's deal was created this month and signed, and nothing a year before, so the conversion change has
no figure yet. Each tile links through to the records behind it: the approval tile to the approvals decided this
month, the daily-active tile to the working days with who was active. Screenshots at phone and desktop sizes.
"""
import story
from story import Step, StoryFailure, css

api = story.page_api


def run(context):
    gm = context.browser("gm-kpis")
    try:
        with Step("the GM sees the KPI panel with the story's figures"):
            gm.sign_in(context.names["gm"][0], story.PASSWORD)
            panel = api(gm, "GET", "/reports/kpis")
            if panel["status"] != 200:
                raise StoryFailure(f"GET /reports/kpis: {panel}")
            body = panel["body"]
            approvals = body["approvalTime"]
            if approvals["decided"] < 1 or approvals["status"] != "green":
                raise StoryFailure(f"the story's approvals are not on the panel as green: {approvals}")
            if body["conversion"]["overall"]["signed"] < 1:
                raise StoryFailure(f"the story's signed deal is not in this month's cohort: {body['conversion']['overall']}")
            gm.open("/dashboard")
            gm.test("panel-kpis")
            gm.until("the three KPI tiles", lambda: len(gm.all(css("panel-kpis") + " .kpi-tile")) == 3)
            tile = gm.test("kpi-tile-approval-time")
            if tile.get_attribute("data-status") != "green":
                raise StoryFailure(f"the approval tile is not green: {tile.text}")
            if "达标" not in tile.text:
                raise StoryFailure(f"the approval tile does not say its status in words: {tile.text}")
            conversion = gm.test("kpi-tile-conversion")
            if "暂无数据" not in conversion.text:
                raise StoryFailure(f"the conversion tile should have no year-on-year figure yet: {conversion.text}")
            gm.find(css("kpi-tile-daily-active") + " " + css("kpi-status"))
            gm.shot("phone-kpis")

        with Step("a tile links through to the records behind it"):
            gm.click(css("kpi-tile-approval-time"))
            figures = gm.test("kpi-approvals")
            if str(approvals["decided"]) not in figures.text:
                raise StoryFailure(f"the approval records do not show {approvals['decided']} decided: {figures.text}")
            gm.test("kpi-approvals-link")
            gm.shot("phone-kpi-approvals")
            gm.open("/dashboard")
            gm.click(css("kpi-tile-daily-active"))
            gm.test("kpi-weeks")
            days = body["dailyActive"]["days"]
            if days:
                gm.until("the working days with who was active", lambda: len(gm.all(css("kpi-day"))) == len(days))
            gm.shot("phone-kpi-daily-active")

        with Step("the KPI panel at a desk"):
            gm.resize(story.DESKTOP, phone=False)
            gm.open("/dashboard")
            gm.until("the three KPI tiles", lambda: len(gm.all(css("panel-kpis") + " .kpi-tile")) == 3)
            gm.shot("desktop-kpis")
            story.check_accessibility(gm, "KPI panel (desktop)", [".kpi-tile .label", ".kpi-tile .value", ".kpi-tile .chip"])
    finally:
        gm.close()
