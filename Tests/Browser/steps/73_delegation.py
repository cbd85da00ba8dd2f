"""Approval delegation (委托审批, issue 12), after the main story.

The admin adds a second supervisor in the story's region (and a product on sale: the story retired its own). The story's supervisor, about to travel, opens 委托审批 on a
phone and names the new supervisor as delegate from today: the delegation shows as in force. The story's rep submits a
new contract (through the API, as the other steps do); it reaches the delegate, whose inbox says it is 代 the
supervisor, who approves it; the approval's trail says "<delegate> 代 <supervisor> 审批". The supervisor comes back
early and cancels the delegation. Screenshots at phone size.
"""
import datetime
import re

import story
from story import Step, StoryFailure, css

# The delegate is not in the rep's reporting line, so deals does not show them the contract's lines: the approval page
# asks, gets 404 and says the contract is outside their scope (the approval itself stays theirs to decide).
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/contracts/[0-9a-f-]+ - Failed to load resource: the server responded with a status of 404"))

api = story.page_api


def checked(reply, status, what):
    if reply["status"] != status:
        raise StoryFailure(f"{what}: expected {status}, got {str(reply)[:500]}")
    return reply["body"]


def run(context):
    suffix = context.suffix
    sup_user, sup_name = context.names["sup"]
    rep_user, _ = context.names["rep"]
    rm_user, _ = context.names["rm"]
    delegate_user, delegate_name = f"wu-sup-{suffix}", f"吴主管{suffix}"

    admin = context.browser("admin-delegation", story.DESKTOP, phone=False)
    try:
        with Step("the admin adds a second supervisor in the story's region"):
            admin.sign_in("admin", context.args.admin_password)
            users = checked(api(admin, "GET", "/users?limit=200"), 200, "listing users")["items"]
            rm = next((u for u in users if u["username"] == rm_user), None)
            if rm is None:
                raise StoryFailure(f"no regional manager {rm_user} among the users")
            checked(api(admin, "POST", "/users", {"username": delegate_user, "displayName": delegate_name, "password": story.PASSWORD,
                                                  "role": "supervisor", "region": context.region, "supervisorId": rm["id"],
                                                  "mobile": "13900000073"}), 201, "creating the delegate")
            # The story retires its product at the end; this contract needs one on sale.
            product = checked(api(admin, "POST", "/products", {"name": f"M10 螺母 {suffix}", "productLine": "紧固件",
                                                               "listPriceFen": 100_000, "unitCostFen": 60_000}), 201, "adding a product")
    finally:
        admin.close()

    sup = context.browser("sup-delegation", story.PHONE, phone=True)
    try:
        with Step("the supervisor names the new supervisor as delegate from today on the 委托审批 screen"):
            sup.sign_in(sup_user, story.PASSWORD)
            sup.open("/approvals")
            sup.click(css("open-delegation"))
            sup.test("delegation-form")
            # The approvals service learns of the new user from user.created: wait until it offers them.
            sup.until("the delegate among the candidates", lambda: any(
                delegate_name in o.text for o in sup.all(css("field-delegateId") + " option")) or (sup.open("/delegation") and False),
                timeout=story.EVENTUAL, poll=2)
            sup.select(css("field-delegateId"), delegate_name)
            sup.type(css("field-reason"), "出差 上海")
            sup.click(css("save-delegation"))
            sup.until("the delegation in force", lambda: any(
                e.get_attribute("data-status") == "active" and delegate_name in e.text for e in sup.all(css("delegation-row"))))
            sup.shot("phone-delegation-set")
    finally:
        sup.close()

    rep = context.browser("rep-delegation", story.DESKTOP, phone=False)
    try:
        with Step("the rep submits a new contract of the story's customer"):
            rep.sign_in(rep_user, story.PASSWORD)
            customers = checked(api(rep, "GET", "/customers?limit=100"), 200, "listing customers")["items"]
            customer = next((c for c in customers if c["name"] == context.customer), None)
            if customer is None:
                raise StoryFailure(f"the rep does not find the story's customer {context.customer}")
            close = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
            deal = checked(api(rep, "POST", "/deals", {"customerId": customer["id"], "title": f"委托审批 {suffix}",
                                                       "expectedAmountFen": 200_000, "expectedCloseDate": close}), 201, "creating the deal")
            checked(api(rep, "POST", f"/deals/{deal['id']}/stage", {"stage": "qualified"}), 200, "qualifying the deal")
            quote = checked(api(rep, "POST", f"/deals/{deal['id']}/quotes", {"lines": [{"productId": product["id"], "quantity": 2}]}),
                            201, "quoting")
            contract = checked(api(rep, "POST", "/contracts", {"quoteId": quote["id"]}), 201, "creating the contract")
            checked(api(rep, "POST", f"/contracts/{contract['id']}/submit"), 200, "submitting the contract")
            number = contract["number"]
    finally:
        rep.close()

    delegate = context.browser("delegate-approves", story.PHONE, phone=True)
    try:
        with Step("the contract reaches the delegate, marked 代 the supervisor, who approves it"):
            delegate.sign_in(delegate_user, story.PASSWORD)
            row = css("approval-row") + f'[data-contract="{number}"]'
            delegate.until("the contract in the delegate's inbox", lambda: delegate.all(row) or (delegate.open("/approvals") and False),
                           timeout=story.EVENTUAL, poll=2)
            behalf = delegate.test("on-behalf")
            if sup_name not in behalf.text:
                raise StoryFailure(f"the inbox row does not say on whose behalf: {behalf.text!r}")
            delegate.shot("phone-delegate-inbox")
            delegate.click(row)
            notice = delegate.test("deciding-on-behalf")
            if sup_name not in notice.text:
                raise StoryFailure(f"the approval does not say the delegate decides for {sup_name}: {notice.text!r}")
            delegate.click(css("approve"))
            delegate.click(css("confirm-approve"))
            delegate.until("the approval approved", lambda: delegate.test("approval-status").get_attribute("data-status") == "approved")
            trail = delegate.test("step-on-behalf").text
            if delegate_name not in trail or sup_name not in trail or "代" not in trail:
                raise StoryFailure(f"the trail does not say {delegate_name} 代 {sup_name} 审批: {trail!r}")
            delegate.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", css("step-on-behalf"))
            delegate.shot("phone-approved-on-behalf")
    finally:
        delegate.close()

    sup = context.browser("sup-cancels", story.PHONE, phone=True)
    try:
        with Step("the supervisor, back early, cancels the delegation"):
            sup.sign_in(sup_user, story.PASSWORD)
            sup.open("/delegation")
            active = css("delegation-row") + '[data-status="active"]'
            sup.test("delegation-list")
            sup.click(active + " " + css("cancel-delegation"))
            sup.until("the delegation cancelled", lambda: any(
                e.get_attribute("data-status") == "cancelled" for e in sup.all(css("delegation-row"))))
            sup.shot("phone-delegation-cancelled")
    finally:
        sup.close()
