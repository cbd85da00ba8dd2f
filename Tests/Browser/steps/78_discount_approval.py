"""Discount approval (折扣审批, issue 12), after the main story.

The admin opens 折扣权限 from the admin home on a desktop: rep 10 %, supervisor 20 %, regional manager 30 %, gm no
limit; the admin raises the regional manager's to 35 % and saves (rep's stays 10 %), and adds a product on sale (the
story retired its own). The story's rep, on a phone, builds a quote for a new deal of the story's customer: at 8 % off
the line is fine; at 18 % the line says "超出折扣权限 10%，需审批" live and a notice says saving sends it to approval.
Saved, the version is 待折扣审批; the deal page shows it with no contract button (a contract through the API is a 409).
The supervisor finds it in the approval queue titled "报价 Q-… v1 折扣 18%（权限 10%）", worth the discount; the approval
page says 折扣, shows the quote's lines and links to the deal; the supervisor approves. The rep sees 折扣已批准 and
makes the contract with one tap. Screenshots at phone and desktop sizes.
"""
import datetime

import story
from story import Step, StoryFailure, css

api = story.page_api


def checked(reply, status, what):
    if reply["status"] != status:
        raise StoryFailure(f"{what}: expected {status}, got {str(reply)[:500]}")
    return reply["body"]


def displayed(browser, selector):
    return [e for e in browser.all(selector) if e.is_displayed()]


def run(context):
    suffix = context.suffix
    rep_user, _ = context.names["rep"]
    sup_user, _ = context.names["sup"]
    product_name = f"M12 法兰螺栓 {suffix}"

    admin = context.browser("admin-discount", story.DESKTOP, phone=False)
    try:
        with Step("the admin reads the discount limits on 折扣权限 and raises the regional manager's to 35 %"):
            admin.sign_in("admin", context.args.admin_password)
            admin.open("/admin")
            admin.click(css("admin-discount-limits"))
            admin.test("discount-limits-form")
            values = {role: admin.find(css(f"limit-{role}")).get_attribute("value") for role in ["rep", "supervisor", "regional_manager", "gm"]}
            if values != {"rep": "10", "supervisor": "20", "regional_manager": "30", "gm": ""}:
                raise StoryFailure(f"the limits read {values}, not 10 / 20 / 30 / no limit")
            admin.shot("desktop-discount-limits")
            admin.type(css("limit-regional_manager"), "35")
            admin.click(css("save-discount-limits"))
            admin.until("the new limit saved", lambda: checked(api(admin, "GET", "/discount-limits"), 200, "reading the limits")["items"][2]
                        .get("maxDiscountBasisPoints") == 3500)
            product = checked(api(admin, "POST", "/products", {"name": product_name, "productLine": "紧固件",
                                                               "listPriceFen": 100_000, "unitCostFen": 50_000}), 201, "adding a product")
    finally:
        admin.close()

    rep = context.browser("rep-discount", story.PHONE, phone=True)
    try:
        with Step("the rep's quote builder flags a line 18 % off as above the 10 % limit, live"):
            rep.sign_in(rep_user, story.PASSWORD)
            customers = checked(api(rep, "GET", "/customers?limit=100"), 200, "listing customers")["items"]
            customer = next((c for c in customers if c["name"] == context.customer), None)
            if customer is None:
                raise StoryFailure(f"the rep does not find the story's customer {context.customer}")
            close = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
            deal = checked(api(rep, "POST", "/deals", {"customerId": customer["id"], "title": f"折扣审批 {suffix}",
                                                       "expectedAmountFen": 1_000_000, "expectedCloseDate": close}), 201, "creating the deal")
            checked(api(rep, "POST", f"/deals/{deal['id']}/stage", {"stage": "qualified"}), 200, "qualifying the deal")
            rep.open(f"/deals/{deal['id']}/quote")
            rep.test("quote-form")
            if "10%" not in rep.text_of("discount-limit"):
                raise StoryFailure(f"the builder does not show the rep's 10% limit: {rep.text_of('discount-limit')!r}")
            rep.until("the new product offered", lambda: any(product_name in o.text for o in rep.all(css("product-picker") + " option"))
                      or (rep.open(f"/deals/{deal['id']}/quote") and False), timeout=story.EVENTUAL, poll=2)
            rep.select(css("product-picker"), product_name)
            rep.click(css("add-line"))
            rep.type(css("field-quantity-0"), "10")
            rep.type(css("field-discountBasisPoints-0"), "8")
            rep.until("8 % shown within the limit", lambda: displayed(rep, css("line-discount"))
                      and displayed(rep, css("line-discount"))[0].get_attribute("data-above") == "false")
            if displayed(rep, css("discount-notice")):
                raise StoryFailure("8 % off is within the rep's limit, but the builder warns")
            rep.type(css("field-discountBasisPoints-0"), "18")
            rep.until("18 % flagged above the limit", lambda: displayed(rep, css("line-discount"))
                      and displayed(rep, css("line-discount"))[0].get_attribute("data-above") == "true")
            flag = displayed(rep, css("line-discount"))[0].text
            if "超出折扣权限 10%，需审批" not in flag or "18%" not in flag:
                raise StoryFailure(f"the line's flag reads {flag!r}")
            if not displayed(rep, css("discount-notice")):
                raise StoryFailure("no notice that saving sends the version to discount approval")
            rep.until("the live total ¥8,200.00", lambda: rep.text_of("live-total") == "¥8,200.00")
            rep.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", css("line-discount"))
            rep.shot("phone-quote-builder-above-limit")
        with Step("saved, the version is 待折扣审批: no contract button, and a contract through the API is refused"):
            rep.click(css("save-quote"))
            rep.test("quote-saved")
            rep.test("saved-pending-discount")
            rep.shot("phone-quote-saved-pending-discount")
            rep.click(css("back-to-deal"))
            card = css('quote-version"][data-version="1')
            rep.test('quote-version"][data-version="1')
            state = rep.find(card + " " + css("discount-state"))
            if state.get_attribute("data-status") != "pending_approval" or "待折扣审批" not in state.text or "18%" not in state.text:
                raise StoryFailure(f"the version's discount state reads {state.text!r}")
            if rep.all(card + " " + css("contract-from-version")):
                raise StoryFailure("a version awaiting discount approval offers a contract")
            rep.find(card + " " + css("contract-blocked"))
            quotes = checked(api(rep, "GET", f"/deals/{deal['id']}/quotes"), 200, "listing the versions")
            quote = quotes["items"][0]
            refused = api(rep, "POST", "/contracts", {"quoteId": quote["id"]})
            if refused["status"] != 409 or "quote-discount-not-approved" not in str(refused["body"]):
                raise StoryFailure(f"a contract from the pending version was not refused: {str(refused)[:300]}")
            rep.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", css("discount-state"))
            rep.shot("phone-deal-discount-pending")
    finally:
        rep.close()

    sup = context.browser("sup-discount", story.PHONE, phone=True)
    try:
        with Step("the supervisor finds the discount in the queue, typed 折扣 with the quote's lines, and approves it"):
            sup.sign_in(sup_user, story.PASSWORD)
            reference = f"Q-{deal['id'][:8].upper()} v1"
            row = css("approval-row") + f'[data-contract="{reference}"]'
            sup.open("/approvals")
            sup.until("the discount in the supervisor's queue", lambda: displayed(sup, row) or (sup.driver.refresh() and False),
                      timeout=story.EVENTUAL, poll=2)
            shown = displayed(sup, row)[0]
            if "折扣 18%（权限 10%）" not in shown.text or "¥1,800.00" not in shown.text:
                raise StoryFailure(f"the queue row does not show the discount and its worth: {shown.text!r}")
            sup.shot("phone-discount-approval-queue")
            shown.click()
            kind = sup.test("approval-subject")
            if kind.get_attribute("data-subject") != "discount" or "折扣" not in kind.text:
                raise StoryFailure(f"the approval page does not say it is a discount (折扣): {kind.text!r}")
            if sup.text_of("approval-amount") != "¥1,800.00":
                raise StoryFailure(f"the approval page shows {sup.text_of('approval-amount')!r}, not the discount's worth ¥1,800.00")
            link = sup.test("open-quote")
            if deal["id"] not in link.get_attribute("href"):
                raise StoryFailure(f"the approval does not link to the deal: {link.get_attribute('href')!r}")
            if product_name not in sup.text_of("contract-lines"):
                raise StoryFailure("the approval page does not show the quote's lines")
            sup.shot("phone-discount-approval")
            sup.click(css("approve"))
            sup.click(css("confirm-approve"))
            sup.until("the approval approved", lambda: sup.test("approval-status").get_attribute("data-status") == "approved")
    finally:
        sup.close()

    rep = context.browser("rep-discount-approved", story.PHONE, phone=True)
    try:
        with Step("the rep sees 折扣已批准 and makes the contract with one tap"):
            rep.sign_in(rep_user, story.PASSWORD)
            card = css('quote-version"][data-version="1')
            rep.open(f"/deals/{deal['id']}")
            rep.until("the discount approved", lambda: any(e.get_attribute("data-status") == "approved" for e in rep.all(card + " " + css("discount-state")))
                      or (rep.driver.refresh() and False), timeout=story.EVENTUAL, poll=2)
            if "折扣已批准" not in rep.find(card + " " + css("discount-state")).text:
                raise StoryFailure("the version does not say 折扣已批准")
            rep.shot("phone-deal-discount-approved")
            rep.click(card + " " + css("contract-from-version"))
            rep.test('contract-status"][data-status="draft')
            if rep.text_of("contract-total") != "¥8,200.00":
                raise StoryFailure(f"contract total {rep.text_of('contract-total')}")
            rep.shot("phone-contract-from-approved-discount")
    finally:
        rep.close()
