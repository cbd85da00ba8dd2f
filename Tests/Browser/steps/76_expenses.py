"""Expense claims (报销申请) through the generic approval flow (issue 12), after the main story.

The story's rep, on a phone, files an expense claim from the 报销 screen (差旅, 1,280.00 CNY, today, a purpose) with one
tap: it is filed and sent to approval, and shows as 审批中. It reaches the rep's supervisor's approval queue (its row
titled with the category and purpose, not a customer); the approval page shows its type, purpose and amount and links to the claim; the supervisor
approves it. The rep sees the claim 已批准. A finance user then marks it paid on a desktop. Screenshots at phone and
desktop sizes.
"""
import story
from story import Step, StoryFailure, css

api = story.page_api


def run(context):
    suffix = context.suffix
    rep_user, _ = context.names["rep"]
    sup_user, _ = context.names["sup"]
    purpose = f"宁波客户拜访往返高铁 {suffix}"
    finance_user = f"bx-fin-{suffix}"

    rep = context.browser("rep-expense", story.PHONE, phone=True)
    try:
        with Step("the rep files a 1,280.00 CNY travel claim on a phone and sends it to approval with one tap"):
            rep.sign_in(rep_user, story.PASSWORD)
            # 我的 (the phone's last tab) lists 报销 among the rep's screens.
            rep.open("/more")
            rep.click('a.row[href="#/expense-claims"]')
            rep.until("the empty 报销 list", lambda: "还没有报销单" in rep.page_text())
            rep.shot("phone-expense-claims-empty")
            rep.click(css("new-expense-claim"))
            rep.test("expense-claim-form")
            rep.select(css("field-category"), value="travel")
            rep.type(css("field-amountFen"), "1280.00")
            rep.type(css("field-description"), purpose)
            rep.shot("phone-expense-claim-form")
            rep.click(css("submit-expense-claim"))
            rep.until("the claim pending approval", lambda: any(
                e.is_displayed() and e.get_attribute("data-status") == "pending_approval" for e in rep.all(css("claim-status"))))
            claim_id = rep.driver.execute_script("return location.hash").split("?id=")[-1]
            claim = api(rep, "GET", f"/expense-claims/{claim_id}")["body"]
            if claim.get("amountFen") != 128_000 or claim.get("category") != "travel" or claim.get("description") != purpose:
                raise StoryFailure(f"the claim is not what the rep filed: {str(claim)[:400]}")
            rep.shot("phone-expense-claim-pending")
            rep.open("/expense-claims")
            rep.until("the claim in the rep's list", lambda: any(
                e.is_displayed() and e.get_attribute("data-number") == claim["number"] for e in rep.all(css("expense-claim-row"))))
            rep.shot("phone-expense-claims")
    finally:
        rep.close()

    sup = context.browser("sup-expense", story.PHONE, phone=True)
    try:
        with Step("the claim reaches the supervisor's approval queue, typed 报销 on its page, and the supervisor approves it"):
            sup.sign_in(sup_user, story.PASSWORD)
            row = css("approval-row") + f'[data-contract="{claim["number"]}"]'
            sup.open("/approvals")
            sup.until("the claim in the supervisor's queue", lambda: [e for e in sup.all(row) if e.is_displayed()]
                      or (sup.driver.refresh() and False), timeout=story.EVENTUAL, poll=2)
            shown = next(e for e in sup.all(row) if e.is_displayed())
            if purpose not in shown.text or "差旅" not in shown.text or "¥1,280.00" not in shown.text:
                raise StoryFailure(f"the queue row does not show the claim's category, purpose and amount: {shown.text!r}")
            sup.shot("phone-expense-approval-queue")
            shown.click()
            kind = sup.test("approval-subject")
            if kind.get_attribute("data-subject") != "expense_claim" or "报销" not in kind.text:
                raise StoryFailure(f"the approval page does not say it is an expense claim (报销): {kind.text!r}")
            if purpose not in sup.text_of("approval-title"):
                raise StoryFailure(f"the approval page does not show the purpose: {sup.text_of('approval-title')!r}")
            if sup.text_of("approval-amount") != "¥1,280.00":
                raise StoryFailure(f"the approval page shows {sup.text_of('approval-amount')!r}, not ¥1,280.00")
            sup.test("open-expense-claim")
            sup.shot("phone-expense-approval")
            sup.click(css("approve"))
            sup.click(css("confirm-approve"))
            sup.until("the approval approved", lambda: sup.test("approval-status").get_attribute("data-status") == "approved")
    finally:
        sup.close()

    rep = context.browser("rep-expense-approved", story.PHONE, phone=True)
    try:
        with Step("the rep sees the claim 已批准"):
            rep.sign_in(rep_user, story.PASSWORD)
            rep.open(f"/expense-claims?id={claim_id}")
            rep.until("the claim approved", lambda: any(
                e.is_displayed() and e.get_attribute("data-status") == "approved" for e in rep.all(css("claim-status")))
                or (rep.driver.refresh() and False), timeout=story.EVENTUAL, poll=2)
            status = next(e for e in rep.all(css("claim-status")) if e.is_displayed())
            if "已批准" not in status.text:
                raise StoryFailure(f"the claim's status reads {status.text!r}, not 已批准")
            rep.shot("phone-expense-claim-approved")
    finally:
        rep.close()

    story.add_user(context, "admin-expense-finance", "the admin adds a finance user for expense claims",
                   {"username": finance_user, "displayName": f"钱财务{suffix}", "role": "finance"})
    fin = context.browser("finance-expense", story.DESKTOP, phone=False)
    try:
        with Step("finance marks the approved claim paid"):
            fin.sign_in(finance_user, story.PASSWORD)
            fin.open("/expense-claims?status=approved")
            row = css("expense-claim-row") + f'[data-number="{claim["number"]}"]'
            fin.until("the approved claim in finance's list", lambda: [e for e in fin.all(row) if e.is_displayed()])
            next(e for e in fin.all(row) if e.is_displayed()).click()
            fin.click(css("pay-claim"))
            fin.test("pay-form")
            fin.click(css("confirm-pay"))
            fin.until("the claim paid", lambda: any(
                e.is_displayed() and e.get_attribute("data-status") == "paid" for e in fin.all(css("claim-status"))))
            paid = api(fin, "GET", f"/expense-claims/{claim_id}")["body"]
            if paid.get("status") != "paid" or not paid.get("paidAt"):
                raise StoryFailure(f"the claim is not paid: {str(paid)[:300]}")
            fin.shot("desktop-expense-claim-paid")
    finally:
        fin.close()
