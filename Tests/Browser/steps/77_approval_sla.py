"""Approval SLA analytics (审批时效, issue 12), after the main story.

The GM opens the dashboard on a phone and finds the 审批时效 panel. Its figures are the story's: the story's contract
went through three steps (supervisor → regional manager → GM), each decided the same day, so each step's row shows at
least one decided step, and the panel says its status in words; the API's figures agree with the screen. From the
panel the GM opens the breach list (超时清单) of the month, which lists as many steps as the panel counts as late (none
from the story, whose steps were decided within their SLA of one working day). Screenshots at phone and desktop sizes.
"""
import story
from story import Step, StoryFailure, css

api = story.page_api

STEP_ROLES = ["supervisor", "regional_manager", "gm"]


def shown(browser, selector):
    return [e for e in browser.all(selector) if e.is_displayed()]


def run(context):
    gm = context.browser("gm-approval-sla")
    try:
        with Step("the GM sees the 审批时效 panel with the story's three approval steps"):
            gm.sign_in(context.names["gm"][0], story.PASSWORD)
            # The step events reach reporting asynchronously: wait until the story's three steps are counted.
            def figures():
                reply = api(gm, "GET", "/reports/approval-sla")
                if reply["status"] != 200:
                    raise StoryFailure(f"GET /reports/approval-sla: {reply}")
                return reply["body"]
            gm.until("the story's approval steps in the SLA figures", lambda: {
                s["role"] for s in figures()["steps"] if s["decided"] >= 1} >= set(STEP_ROLES), timeout=story.EVENTUAL, poll=2)
            body = figures()
            by_role = {s["role"]: s for s in body["steps"]}
            gm.open("/dashboard")
            gm.test("panel-approval-sla")
            gm.until("a row per approval step", lambda: {
                e.get_attribute("data-role") for e in shown(gm, css("sla-step"))} >= set(STEP_ROLES))
            for role in STEP_ROLES:
                row = next(e for e in shown(gm, css("sla-step")) if e.get_attribute("data-role") == role)
                if row.get_attribute("data-status") != (by_role[role]["status"] or "none"):
                    raise StoryFailure(f"the {role} row's colour {row.get_attribute('data-status')} is not the API's {by_role[role]}")
                if str(by_role[role]["decided"]) not in row.text:
                    raise StoryFailure(f"the {role} row does not show {by_role[role]['decided']} decided: {row.text!r}")
            summary = gm.test("sla-summary")
            if summary.get_attribute("data-status") != (body["status"] or "none"):
                raise StoryFailure(f"the panel's status is not the API's {body['status']}: {summary.text!r}")
            if not any(word in summary.text for word in ("达标", "接近目标", "未达标")):
                raise StoryFailure(f"the panel does not say its status in words: {summary.text!r}")
            if body["slowestApprovers"]:
                gm.until("the slowest approvers", lambda: len(shown(gm, css("sla-approver"))) == len(body["slowestApprovers"]))
            gm.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); window.scrollBy(0, -96)",
                                     css("panel-approval-sla"))
            gm.shot("phone-approval-sla")

        with Step("the panel links to the month's breach list, where the story's quick steps are not"):
            gm.click(css("sla-breaches-link"))
            gm.test("sla-month")
            breaches = api(gm, "GET", "/reports/approval-sla/breaches")
            if breaches["status"] != 200:
                raise StoryFailure(f"GET /reports/approval-sla/breaches: {breaches}")
            items = breaches["body"]["items"]
            if items:
                gm.until("the breaches listed", lambda: len(shown(gm, css("sla-breach"))) == min(len(items), 20))
            else:
                gm.until("the empty breach list", lambda: shown(gm, css("sla-breaches") + " ~ .loadmore " + css("empty")))
            if len(items) < 20 and len(items) != body["overall"]["breaches"]:
                raise StoryFailure(f"the breach list has {len(items)} steps, the panel counts {body['overall']['breaches']}")
            gm.shot("phone-approval-sla-breaches")

        with Step("the 审批时效 panel at a desk"):
            gm.resize(story.DESKTOP, phone=False)
            gm.open("/dashboard")
            gm.until("a row per approval step", lambda: len(shown(gm, css("sla-step"))) >= len(STEP_ROLES))
            gm.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); window.scrollBy(0, -96)",
                                     css("panel-approval-sla"))
            gm.shot("desktop-approval-sla")
            story.check_accessibility(gm, "approval SLA panel (desktop)", ["[data-test=sla-steps] th", "[data-test=sla-summary] .chip"])
    finally:
        gm.close()
