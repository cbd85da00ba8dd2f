"""Each approval subject has its own policy (issue 12, ADR 0011), after the main story.

The admin opens 审批策略 on a phone and switches to 报销 (expense claims): its own version 1, the supervisor alone up to
5,000.00 CNY. On a desktop the admin makes every claim go supervisor → regional manager and sets a time limit of 2
working days; the expense policy is then version 2 with that timing, and the contracts' policy (合同) is untouched.
折扣 (discounts) shows its own version. The admin puts the expense defaults back, so later runs start from them.
"""
import story
from story import Step, StoryFailure, css

api = story.page_api


def checked(reply, status, what):
    if reply["status"] != status:
        raise StoryFailure(f"{what}: expected {status}, got {str(reply)[:500]}")
    return reply["body"]


def run(context):
    phone = context.browser("admin-subject-policy-phone", story.PHONE, phone=True)
    try:
        with Step("the admin switches 审批策略 to 报销 on a phone and sees the expense policy's own version"):
            phone.sign_in("admin", context.args.admin_password)
            phone.open("/admin/policy")
            phone.test("policy-subject")
            phone.click(css("policy-subject-expense_claim"))
            phone.until("the expense policy", lambda: "报销" in phone.test("policy-subject-name").text)
            expense = checked(api(phone, "GET", "/approval-policies?subjectType=expense_claim"), 200, "reading the expense policy")
            if expense["subjectType"] != "expense_claim" or [t["aboveFen"] for t in expense["tiers"]] != [0, 500_000]:
                raise StoryFailure(f"the expense policy is not its default: {expense}")
            rows = phone.test("policy-tiers").text
            if "5,000.00" not in rows and "5000" not in rows:
                raise StoryFailure(f"the expense tiers are not shown: {rows!r}")
            story.check_touch_targets(phone, "审批策略 on a phone")
            phone.shot("phone-policy-expense")
    finally:
        phone.close()

    admin = context.browser("admin-subject-policy", story.DESKTOP, phone=False)
    try:
        with Step("the admin makes every claim go supervisor → regional manager within 2 working days"):
            admin.sign_in("admin", context.args.admin_password)
            contracts_before = checked(api(admin, "GET", "/approval-policies"), 200, "reading the contracts' policy")
            admin.open("/admin/policy?subject=expense_claim")
            admin.until("the expense form", lambda: "报销" in admin.test("policy-subject-name").text)
            # One tier from 0: remove the second, give the first two levels.
            fieldsets = [f for f in admin.all("fieldset[data-field^='tiers.']") if f.is_displayed()]
            if len(fieldsets) != 2:
                raise StoryFailure(f"expected the expense policy's two tiers, found {len(fieldsets)}")
            fieldsets[1].find_element("css selector", "button").click()
            admin.select(css("field-tiers.0.steps.1"), value="regional_manager")
            admin.type(css("field-slaWorkingDays"), "2")
            admin.shot("desktop-policy-expense-edit")
            admin.click(css("save-policy"))
            admin.until("version 2 of the expense policy", lambda: "第 2 版" in admin.page_text()
                        and "报销" in admin.test("policy-subject-name").text)
            expense = checked(api(admin, "GET", "/approval-policies?subjectType=expense_claim"), 200, "reading the expense policy")
            if expense["version"] != 2 or expense["slaWorkingDays"] != 2 or expense["tiers"] != [
                    {"aboveFen": 0, "steps": ["supervisor", "regional_manager"]}]:
                raise StoryFailure(f"the expense policy is not what the admin saved: {expense}")
            contracts = checked(api(admin, "GET", "/approval-policies"), 200, "reading the contracts' policy")
            if contracts != contracts_before:
                raise StoryFailure(f"the contracts' policy changed: {contracts_before} → {contracts}")
            admin.shot("desktop-policy-expense-saved")

        with Step("折扣 shows the discount policy; the admin puts the expense defaults back"):
            admin.click(css("policy-subject-discount"))
            admin.until("the discount policy", lambda: "折扣" in admin.test("policy-subject-name").text)
            discount = checked(api(admin, "GET", "/approval-policies?subjectType=discount"), 200, "reading the discount policy")
            if discount["subjectType"] != "discount" or not discount["tiers"]:
                raise StoryFailure(f"no discount policy: {discount}")
            restored = checked(api(admin, "PUT", "/approval-policies?subjectType=expense_claim", {
                "tiers": [{"aboveFen": 0, "steps": ["supervisor"]}, {"aboveFen": 500_000, "steps": ["supervisor", "regional_manager"]}]}),
                200, "restoring the expense policy")
            if restored["version"] != 3 or restored["slaWorkingDays"] != 1:
                raise StoryFailure(f"the expense defaults did not come back: {restored}")
    finally:
        admin.close()
