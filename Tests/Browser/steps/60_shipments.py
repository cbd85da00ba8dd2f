"""Shipments (发货, issue 11): the admin creates a warehouse user; on a phone, the warehouse user lands on the shipping
queue (its nav shows only the queue and the inbox), opens the story's signed contract, ships it in two parts (part of
the quantity first, then the rest, which the form offers by default), and the deal shows 已交付 (delivered) to the rep,
with the shipment history on the contract page. The warehouse sees no prices."""
import story
from story import Step, StoryFailure, css


def run(context):
    suffix = context.suffix
    username, display = f"zhou-wh-{suffix}", f"周仓管{suffix}"

    admin = context.browser("admin-warehouse", story.DESKTOP, phone=False)
    try:
        with Step("the admin creates a warehouse user (仓库, no region)"):
            admin.sign_in("admin", context.args.admin_password)
            admin.open("/admin/users/new")
            admin.test("user-form")
            admin.type(css("field-username"), username)
            admin.type(css("field-displayName"), display)
            admin.type(css("field-password"), story.PASSWORD)
            admin.select(css("field-role"), value="warehouse")
            admin.click(css("save-user"))
            admin.test(f'user-row"][data-username="{username}')
    finally:
        admin.close()

    wh = context.browser("warehouse", story.PHONE, phone=True)
    try:
        with Step("the warehouse user lands on the shipping queue; the nav offers only it and the inbox"):
            wh.sign_in(username, story.PASSWORD)
            wh.until("the shipping queue after sign-in", lambda: "#/shipping" in wh.driver.current_url)
            wh.test("shipping-queue", visible=False)
            tabs = {e.get_attribute("data-test") for e in wh.all(css("tabbar") + " a")}
            if tabs != {"tab-shipping", "tab-inbox", "tab-more"}:
                raise StoryFailure(f"the warehouse's tab bar: {sorted(tabs)}")
            row = css("queue-row") + f'[data-customer="{context.customer}"]'
            wh.until("the story's signed contract in the queue", lambda: wh.all(row))
            wh.shot("phone-shipping-queue")
            wh.click(row)
            wh.test("shipment-form")
            wh.until("the lines with what remains", lambda: wh.all(css("shipment-line")))
            if "¥" in wh.page_text():
                raise StoryFailure(f"the warehouse sees a price: {wh.page_text()[:400]}")

        line = wh.find(css("shipment-line"))
        number = line.get_attribute("data-line")
        ordered = int(line.get_attribute("data-remaining"))
        first = max(1, ordered // 2)

        with Step(f"the warehouse ships part of line {number} ({first} of {ordered}) with carrier and tracking number"):
            qty = wh.test(f"ship-qty-{number}")
            if qty.get_attribute("value") != str(ordered):
                raise StoryFailure(f"the quantity does not default to what remains: {qty.get_attribute('value')} (remaining {ordered})")
            wh.type(css(f"ship-qty-{number}"), str(first))
            wh.type(css("field-carrier"), "顺丰速运")
            wh.type(css("field-trackingNumber"), f"SF{suffix}0001")
            wh.shot("phone-shipment-form")
            wh.click(css("record-shipment"))
            wh.until("a partial delivery", lambda: wh.all(css("delivery-status") + '[data-status="partial"]'))
            wh.until("the line's remainder", lambda: wh.all(css("shipment-line") + f'[data-remaining="{ordered - first}"]'))
            wh.test("shipment-row")
            wh.shot("phone-shipment-partial")

        with Step("the warehouse ships the rest (the form offers it): the contract is delivered and leaves the form"):
            qty = wh.test(f"ship-qty-{number}")
            if qty.get_attribute("value") != str(ordered - first):
                raise StoryFailure(f"the second shipment does not default to the rest: {qty.get_attribute('value')}")
            wh.type(css("field-carrier"), "德邦物流")
            wh.click(css("record-shipment"))
            wh.until("the contract delivered", lambda: wh.all(css("delivery-status") + '[data-status="delivered"]'))
            if wh.all(css("shipment-form")):
                raise StoryFailure("the shipment form is still offered on a delivered contract")
            if len(wh.all(css("shipment-row"))) != 2:
                raise StoryFailure(f"expected two shipments in the history, found {len(wh.all(css('shipment-row')))}")
            wh.shot("phone-shipment-delivered")
            wh.open("/shipping")
            wh.test("shipping-queue", visible=False)
            wh.until("the contract gone from the queue",
                     lambda: not wh.all(".loading") and not wh.all(css("queue-row") + f'[data-customer="{context.customer}"]'))
    finally:
        wh.close()

    rep = context.browser("rep-delivered", story.PHONE, phone=True)
    try:
        with Step("the rep's deal shows 已交付 (delivered), with no hand move left; the contract shows both shipments"):
            rep.sign_in(context.names["rep"][0], story.PASSWORD)
            contracts = rep.driver.execute_async_script("""
              const done = arguments[arguments.length - 1];
              fetch('/api/v1/contracts?status=signed&limit=100', { credentials: 'same-origin' }).then(r => r.json())
                .then(done, e => done({ error: String(e) }));""")
            mine = [c for c in contracts.get("items", []) if c.get("customerName") == context.customer]
            if not mine:
                raise StoryFailure(f"the story's signed contract is not in the rep's list: {str(contracts)[:300]}")
            contract = mine[0]
            rep.open(f"/deals/{contract['dealId']}")
            # Delivered; paid only if a later part of the story collected the contract in full before this step.
            rep.until("the deal delivered", lambda: rep.all(css("deal-stage") + " " + css("chip-delivered"))
                      or rep.all(css("deal-stage") + " " + css("chip-paid")), timeout=story.EVENTUAL, poll=1)
            stage = rep.test("deal-stage").text
            if "已交付" not in stage and not rep.all(css("deal-stage") + " " + css("chip-paid")):
                raise StoryFailure(f"the deal's stage reads {stage!r}, not 已交付")
            if rep.all(css("move-stage")):
                raise StoryFailure("a delivered deal still offers a hand move")
            rep.test("auto-stage-hint")
            rep.shot("phone-deal-delivered")
            rep.open(f"/contracts/{contract['id']}")
            rep.test("contract-shipments")
            rep.until("both shipments on the contract page", lambda: len(rep.all(css("contract-shipments") + " " + css("shipment-row"))) == 2)
            rep.test('delivery-status"][data-status="delivered')
            rep.shot("phone-contract-delivered")
    finally:
        rep.close()
