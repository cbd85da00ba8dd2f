"""True margin and re-purchase forecast (issue 11), after the main story.

The general manager opens the dashboard: the true-margin panel (真实毛利) shows the story's product line 紧固件 with its
quoted margin and its true margin side by side (two bars and a table row with days to collect and the re-purchase
rate). From the panel the manager opens the re-purchase forecast (复购预测), whose status counts and list (or its empty
text) show. The rep finds the same screen under 我的. Screenshots at desktop and phone sizes.
"""
import story
from story import Step, StoryFailure, css

LINE = "紧固件"


def run(context):
    gm_user, _ = context.names["gm"]
    rep_user, _ = context.names["rep"]
    gm = context.browser("gm-margin", story.DESKTOP, phone=False)
    try:
        with Step("the dashboard's true-margin panel shows the story's line with its quoted and its true margin"):
            gm.sign_in(gm_user, story.PASSWORD)
            gm.open("/dashboard")
            gm.test("panel-true-margin")
            row_selector = css("true-margin-row") + f'[data-line="{LINE}"]'
            gm.until(f"the {LINE} row in the true-margin table", lambda: gm.all(row_selector), timeout=story.EVENTUAL)
            row = gm.find(row_selector)
            quoted = row.find_element("css selector", css("quoted")).text.strip()
            true = row.find_element("css selector", css("true")).text.strip().splitlines()[0]
            if not quoted.endswith("%") or not true.endswith("%"):
                raise StoryFailure(f"the {LINE} row shows quoted {quoted!r} and true {true!r}")
            pair = gm.find(css("margin-pair") + f'[data-line="{LINE}"]')
            bars = {b.get_attribute("data-test") for b in pair.find_elements("css selector", "rect")}
            if bars != {"bar-quoted", "bar-true"}:
                raise StoryFailure(f"the {LINE} bars: {bars}")
            gm.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", gm.test("panel-true-margin"))
            gm.shot("desktop-dashboard-true-margin")

        with Step("the panel's link opens the 复购预测 screen"):
            gm.click(css("panel-true-margin") + " .panel-link")
            gm.test("repurchase-kpis")
            gm.until("the forecast's list or its empty text", lambda: gm.all(css("repurchase-list")) or gm.all(css("repurchase-empty")))
            gm.shot("desktop-repurchase")
    finally:
        gm.close()

    rep = context.browser("rep-margin", story.PHONE, phone=True)
    try:
        with Step("a rep opens 复购预测 from 我的 on a phone"):
            rep.sign_in(rep_user, story.PASSWORD)
            rep.open("/more")
            rep.click('a.row[href="#/repurchase"]')
            rep.test("repurchase-kpis")
            rep.until("the forecast's list or its empty text", lambda: rep.all(css("repurchase-list")) or rep.all(css("repurchase-empty")))
            story.check_touch_targets(rep, "复购预测")
            rep.shot("phone-repurchase")
    finally:
        rep.close()
