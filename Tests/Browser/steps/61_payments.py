"""Payment plans and receipts (issue 11), after the main story.

The admin adds a finance user. Finance opens the story's signed contract and finds its payment plan proposed from
the default terms: 预付款 30% due on the signing day, 发货款 60% and 质保金 10% due 30 and 90 days after delivery, summing
exactly to the contract amount. The plan editor checks the sum live. Finance records a partial receipt (half of
what is outstanding on the 预付款), then a combined one (the rest of the 预付款 and part of the 发货款, split oldest first
over two installments), and reverses the partial one with a reason: it stays in the history, struck through, and the
预付款 is outstanding again by its amount. Screenshots at phone and desktop sizes.
"""
import re

import story
from story import Step, StoryFailure, css

# The second reversal of the same receipt is refused on purpose (409).
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/receipts/[0-9a-f-]+/reversal - Failed to load resource: the server responded with a status of 409"))


api = story.page_api


def yuan(fen):
    """Fen as the text typed into an amount field: 123456 → "1234.56"."""
    return f"{fen // 100}.{fen % 100:02d}"


def money(fen):
    """Fen as the app shows it: 123456 → "¥1,234.56"."""
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def show(browser, name):
    """Scrolls a part of the payments panel into view (on a phone it comes after the contract's lines)."""
    browser.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", css(name))


def run(context):
    suffix = context.suffix
    finance_user = f"zhou-fin-{suffix}"

    story.add_user(context, "admin-finance", "the admin adds a finance user",
                   {"username": finance_user, "displayName": f"周财务{suffix}", "role": "finance"})

    fin = context.browser("finance-payments")
    try:
        with Step("finance opens the story's signed contract and sees the three proposed installments"):
            fin.sign_in(finance_user, story.PASSWORD)
            page = api(fin, "GET", "/contracts?status=signed&limit=100")
            mine = [c for c in page["body"]["items"] if c["customerName"] == context.customer]
            if page["status"] != 200 or not mine:
                raise StoryFailure(f"finance does not find the story's signed contract: {str(page)[:400]}")
            contract = mine[-1]
            fin.open(f"/contracts/{contract['id']}")
            fin.test("payments-panel")
            fin.until("three installments", lambda: len(fin.all(css("installment"))) == 3)
            labels = [e.text for e in fin.all(css("installment"))]
            for label, due in (("预付款", None), ("发货款", "30 天"), ("质保金", "90 天")):
                if not any(label in text and (due is None or due in text) for text in labels):
                    raise StoryFailure(f"no installment {label} ({due or 'dated'}): {labels}")
            plan = api(fin, "GET", f"/contracts/{contract['id']}/payments")["body"]
            amounts = [i["amountFen"] for i in plan["installments"]]
            if sum(amounts) != contract["amountFen"] or amounts[0] != contract["amountFen"] * 30 // 100:
                raise StoryFailure(f"the proposed amounts {amounts} do not split {contract['amountFen']} 30/60/10 exactly")
            show(fin, "payments-panel")
            fin.shot("phone-payments-proposed")

        with Step("the plan editor checks the sum live: one yuan over it says so, back to the amount it matches"):
            fin.click(css("edit-plan"))
            fin.test("plan-form")
            fin.until("the sum matches", lambda: fin.test("plan-sum").get_attribute("data-ok") == "yes")
            fin.type("input[name='installments.0.amountFen']", yuan(amounts[0] + 100))
            fin.until("the sum is off", lambda: fin.test("plan-sum").get_attribute("data-ok") == "no")
            if "多出 ¥1.00" not in fin.text_of("plan-sum"):
                raise StoryFailure(f"the sum check does not say what is missing: {fin.text_of('plan-sum')!r}")
            fin.shot("phone-payments-plan-editor")
            fin.type("input[name='installments.0.amountFen']", yuan(amounts[0]))
            fin.until("the sum matches again", lambda: fin.test("plan-sum").get_attribute("data-ok") == "yes")
            fin.driver.execute_script("document.querySelector('.sheet-backdrop').click()")
            fin.until("the editor closed", lambda: not fin.all(css("plan-form")))

        first = plan["installments"][0]
        partial = max(first["outstandingFen"] // 2, 1)

        def record(amount, reference):
            before = len(fin.all(css("receipt")))
            fin.click(css("record-receipt"))
            fin.test("receipt-form")
            fin.type(css("receipt-form") + " " + css("field-amountFen"), yuan(amount))
            fin.type(css("receipt-form") + " " + css("field-reference"), reference)
            fin.click(css("save-receipt"))
            fin.until("the receipt in the history", lambda: len(fin.all(css("receipt"))) == before + 1 and not fin.all(css("receipt-form")))
            return api(fin, "GET", f"/contracts/{contract['id']}/payments")["body"]

        with Step("finance records a partial receipt: half of what is outstanding on the 预付款"):
            after = record(partial, f"BOC-{suffix}-1")
            newest = after["receipts"][0]
            if newest["amountFen"] != partial or [a["installmentId"] for a in newest["allocations"]] != [first["id"]]:
                raise StoryFailure(f"the partial receipt is not all on the 预付款: {newest}")
            fin.until("the paid total", lambda: fin.text_of("payments-paid") == money(after["paidFen"]))
            partial_id = newest["id"]

        with Step("finance records a combined receipt: the rest of the 预付款 and part of the 发货款, oldest first"):
            second = after["installments"][1]
            rest = after["installments"][0]["outstandingFen"]
            combined = rest + max(second["outstandingFen"] // 4, 1)
            after = record(combined, f"BOC-{suffix}-2")
            newest = after["receipts"][0]
            split = [(a["installmentId"], a["amountFen"]) for a in newest["allocations"]]
            if split != [(first["id"], rest), (second["id"], combined - rest)]:
                raise StoryFailure(f"the combined receipt is not split over 预付款 and 发货款: {split}")
            fin.until("the 预付款 paid", lambda: fin.find(css("installment") + '[data-sequence="1"]').get_attribute("data-status") == "paid")
            fin.test('receipt"][data-allocations="2')
            show(fin, "installments")
            fin.shot("phone-payments-combined")

        with Step("finance reverses the partial receipt with a reason: it stays, struck through, and the 预付款 is open again"):
            row = css("receipt") + f'[data-id="{partial_id}"]'
            fin.click(row + " " + css("reverse-receipt"))
            fin.test("reverse-form")
            fin.type(css("field-reason"), "银行退票，重新登记")
            fin.click(css("confirm-reverse-form"))
            fin.until("the receipt reversed", lambda: fin.all(row + '[data-reversed="yes"]'))
            if "银行退票" not in fin.find(row + " " + css("reversal")).text:
                raise StoryFailure(f"the reversal does not show its reason: {fin.find(row).text!r}")
            decoration = fin.driver.execute_script(
                "return getComputedStyle(document.querySelector(arguments[0] + ' .pay-receipt-head')).textDecorationLine", row)
            if "line-through" not in decoration:
                raise StoryFailure(f"the reversed receipt is not struck through ({decoration})")
            after = api(fin, "GET", f"/contracts/{contract['id']}/payments")["body"]
            if after["installments"][0]["outstandingFen"] != partial or after["installments"][0]["status"] == "paid":
                raise StoryFailure(f"the 预付款 is not open again by the reversed amount: {after['installments'][0]}")
            again = api(fin, "POST", f"/receipts/{partial_id}/reversal", {"reason": "再冲一次"})
            if again["status"] != 409:
                raise StoryFailure(f"a second reversal answered {again['status']}, not 409")
            show(fin, "receipts")
            fin.shot("phone-payments-reversed")
            fin.resize(story.DESKTOP, phone=False)
            fin.driver.refresh()
            fin.test("payments-panel")
            fin.until("the history", lambda: len(fin.all(css("receipt"))) >= 2)
            fin.shot("desktop-payments")
    finally:
        fin.close()
