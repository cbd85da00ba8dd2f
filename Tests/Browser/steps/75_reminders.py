"""Approval reminders and escalation (issue 12), after the main story.

The admin opens 审批策略 on a desktop, tries a reminder time of 0 (the server's 422 names the field), then sets a first
reminder after 2 working hours, at most 2 reminders, a time limit of 0.5 working days and 转交上级审批 on escalation;
the current policy then says so. The story's rep submits a new contract (through the API, as the other steps do); the
supervisor opens it on a phone and its pending step says by when it must be handled (应在 … 前处理), which the API's
`dueAt` agrees with. The admin puts the default timing back, so later runs start from it. Screenshots at both sizes.
"""
import datetime
import re

import story
from story import Step, StoryFailure, css

# The admin's reminder time of 0 answers 422 on purpose.
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/approval-policies(\?subjectType=\w+)? - Failed to load resource: the server responded with a status of 422"))

api = story.page_api


def checked(reply, status, what):
    if reply["status"] != status:
        raise StoryFailure(f"{what}: expected {status}, got {str(reply)[:500]}")
    return reply["body"]


def set_field(browser, name, value):
    browser.type(css(f"field-{name}"), value)


def run(context):
    suffix = context.suffix
    sup_user, _ = context.names["sup"]
    rep_user, _ = context.names["rep"]

    admin = context.browser("admin-reminders", story.DESKTOP, phone=False)
    try:
        with Step("the admin sets reminders after 2 working hours, at most 2, and reassignment after half a working day"):
            admin.sign_in("admin", context.args.admin_password)
            admin.open("/admin/policy")
            admin.test("policy-timing-form")
            set_field(admin, "reminderWorkingHours", "0")
            admin.click(css("save-policy"))
            admin.until("the server's field error", lambda: admin.test("error-reminderWorkingHours").text.strip() != "")
            set_field(admin, "reminderWorkingHours", "2")
            set_field(admin, "maxReminders", "2")
            set_field(admin, "slaWorkingDays", "0.5")
            admin.select(css("field-escalation"), value="reassign")
            admin.shot("desktop-policy-reminders")
            admin.click(css("save-policy"))
            admin.until("the new timing in force", lambda: "转交上级审批" in admin.test("policy-timing").text
                        and "0.5" in admin.test("policy-timing").text)
            policy = checked(api(admin, "GET", "/approval-policies"), 200, "reading the policy")
            wanted = {"reminderWorkingHours": 2, "maxReminders": 2, "slaWorkingDays": 0.5, "escalation": "reassign"}
            if any(policy.get(k) != v for k, v in wanted.items()):
                raise StoryFailure(f"the policy is not what the admin saved: {policy}")
            tiers = policy["tiers"]
            product = checked(api(admin, "POST", "/products", {"name": f"M12 螺母 {suffix}", "productLine": "紧固件",
                                                               "listPriceFen": 100_000, "unitCostFen": 60_000}), 201, "adding a product")
    finally:
        admin.close()

    rep = context.browser("rep-reminders", story.DESKTOP, phone=False)
    try:
        with Step("the rep submits a new contract of the story's customer"):
            rep.sign_in(rep_user, story.PASSWORD)
            customers = checked(api(rep, "GET", "/customers?limit=100"), 200, "listing customers")["items"]
            customer = next((c for c in customers if c["name"] == context.customer), None)
            if customer is None:
                raise StoryFailure(f"the rep does not find the story's customer {context.customer}")
            close = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
            deal = checked(api(rep, "POST", "/deals", {"customerId": customer["id"], "title": f"催办 {suffix}",
                                                       "expectedAmountFen": 200_000, "expectedCloseDate": close}), 201, "creating the deal")
            checked(api(rep, "POST", f"/deals/{deal['id']}/stage", {"stage": "qualified"}), 200, "qualifying the deal")
            quote = checked(api(rep, "POST", f"/deals/{deal['id']}/quotes", {"lines": [{"productId": product["id"], "quantity": 2}]}),
                            201, "quoting")
            contract = checked(api(rep, "POST", "/contracts", {"quoteId": quote["id"]}), 201, "creating the contract")
            checked(api(rep, "POST", f"/contracts/{contract['id']}/submit"), 200, "submitting the contract")
            number = contract["number"]
    finally:
        rep.close()

    sup = context.browser("sup-due", story.PHONE, phone=True)
    try:
        with Step("the supervisor's pending step says by when it must be handled"):
            sup.sign_in(sup_user, story.PASSWORD)
            row = css("approval-row") + f'[data-contract="{number}"]'
            sup.until("the contract in the supervisor's inbox", lambda: sup.all(row) or (sup.open("/approvals") and False),
                      timeout=story.EVENTUAL, poll=2)
            sup.click(row)
            due = sup.test("step-due")
            if not re.search(r"应在 .+ 前处理", due.text):
                raise StoryFailure(f"the pending step shows no deadline: {due.text!r}")
            approval_id = sup.driver.current_url.rsplit("/", 1)[-1]
            approval = checked(api(sup, "GET", f"/approvals/{approval_id}"), 200, "reading the approval")
            step = approval["steps"][approval["currentStep"]]
            if step.get("slaWorkingDays") != 0.5 or not step.get("dueAt") or step.get("reminders") != 0 or step.get("escalations") != []:
                raise StoryFailure(f"the pending step's SLA is not the policy's: {step}")
            sup.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", css("step-due"))
            sup.shot("phone-approval-due")
    finally:
        sup.close()

    admin = context.browser("admin-reminders-back", story.DESKTOP, phone=False)
    try:
        with Step("the admin puts the default timing back"):
            admin.sign_in("admin", context.args.admin_password)
            restored = checked(api(admin, "PUT", "/approval-policies", {"tiers": tiers}), 200, "restoring the policy")
            if restored["escalation"] != "notify" or restored["reminderWorkingHours"] != 4:
                raise StoryFailure(f"the defaults did not come back: {restored}")
    finally:
        admin.close()
