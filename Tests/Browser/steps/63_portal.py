"""Customer self-service (客户自助, issue 11): the rep creates the story customer's self-service link on the customer
page (showing their phone) and sees its QR code; the customer opens the link on a phone with no cookies and no login,
sees the signed contract with its delivery and payment status and nothing internal (the API's keys checked
exhaustively in the page), and sends an after-sales request; the rep's inbox and 售后请求 list show it; the rep revokes
the link and the customer's page says not found at once."""
import re

import story
from story import Step, StoryFailure, css

# Expected 404s: the customer page asks for a link before there is one, and the revoked link is asked for on purpose.
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/customers/[^ ]*/portal-link .*status of 404"))
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/public/portal/[^ ]* .*status of 404"))

# Every key the public page's API may answer (docs/adr/0008-customer-portal.md): nothing about costs, margins, unit
# prices, discounts, users or other customers.
ALLOWED_KEYS = {
    "customerName", "owner", "owner.name", "owner.phone", "contracts",
    *(f"contracts[].{k}" for k in ["id", "number", "signedOn", "amountFen", "deliveryStatus", "deliveredOn", "lines", "paidFen",
                                   "outstandingFen", "installments", "invoices"]),
    *(f"contracts[].lines[].{k}" for k in ["name", "quantity", "shipped", "remaining"]),
    *(f"contracts[].installments[].{k}" for k in ["label", "amountFen", "dueOn", "paidFen", "outstandingFen", "status"]),
    *(f"contracts[].invoices[].{k}" for k in ["id", "number", "issuedOn", "amountFen", "hasPdf"]),
}

KEYS_IN_PAGE = """
  const done = arguments[arguments.length - 1];
  const token = location.hash.slice(1);
  fetch(`/api/v1/public/portal/${token}`, { credentials: 'omit' }).then(async (r) => {
    const keys = new Set();
    const walk = (value, path) => {
      if (Array.isArray(value)) value.forEach((item) => walk(item, `${path}[]`));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) {
        const named = path ? `${path}.${k}` : k;
        keys.add(named);
        walk(v, named);
      }
    };
    const body = await r.json();
    walk(body, '');
    done({ status: r.status, keys: [...keys], text: JSON.stringify(body) });
  }, (e) => done({ error: String(e) }));"""


def run(context):
    username, rep_display = context.names["rep"]
    customer = context.customer
    rep = context.browser("rep-portal", story.PHONE, phone=True)
    visitor = None
    try:
        with Step("the rep creates the customer's self-service link (showing their phone) and sees its QR code"):
            rep.sign_in(username, story.PASSWORD)
            rep.open("/customers")
            rep.click(css("customer-row") + f'[data-name="{customer}"]')
            rep.test("portal-link")
            rep.click(css("portal-show-phone"))
            rep.click(css("portal-create"))
            link = rep.test("portal-url")
            url = link.get_attribute("href")
            if "/portal.html#" not in url:
                raise StoryFailure(f"the self-service link is {url}")
            rep.until("the QR code drawn", lambda: rep.driver.execute_script(
                "const img = document.querySelector('[data-test=portal-qr]'); return img && img.complete && img.naturalWidth > 0;"))
            rep.driver.execute_script("document.querySelector('[data-test=portal-link]').scrollIntoView({block: 'center'})")
            rep.shot("phone-portal-qr")

        visitor = context.browser("customer-portal", (375, 740), phone=True)
        with Step("the customer opens the link on a phone, with no cookies and no login, and sees the contract's status"):
            visitor.driver.get(url)
            header = visitor.test("portal-customer")
            if customer not in header.text:
                raise StoryFailure(f"the public page greets {header.text!r}, not {customer}")
            if visitor.driver.get_cookies():
                raise StoryFailure(f"the public page set cookies: {visitor.driver.get_cookies()}")
            contract = visitor.test("portal-contract")
            visitor.test("delivery-status")
            visitor.test("portal-paid")
            owner = visitor.text_of("portal-owner")
            if rep_display not in owner:
                raise StoryFailure(f"the owner line is {owner!r}, not the rep {rep_display}")
            visitor.test("portal-owner-phone")
            words = visitor.page_text()
            for internal in ["成本", "毛利", "折扣", "单价", username]:
                if internal in words:
                    raise StoryFailure(f"the public page shows {internal!r}: {words[:400]}")
            result = visitor.driver.execute_async_script(KEYS_IN_PAGE)
            if result.get("status") != 200 or not set(result["keys"]) <= ALLOWED_KEYS:
                raise StoryFailure(f"the public API answers keys beyond the page's: {sorted(set(result.get('keys', [])) - ALLOWED_KEYS)} "
                                   f"{str(result)[:300]}")
            if "contracts[].lines[].name" not in result["keys"]:
                raise StoryFailure(f"the public API shows no contract lines: {result['text'][:300]}")
            story.check_accessibility(visitor, "the public page", [".portal-owner", ".chip"])
            story.check_touch_targets(visitor, "the public page")
            visitor.shot("phone-portal-public")
            if not contract.get_attribute("data-number"):
                raise StoryFailure("the contract card carries no number")

        with Step("the customer sends an after-sales request (售后服务请求) from the page"):
            visitor.type(css("field-contactName"), "王工")
            visitor.type(css("field-phone"), "13905741234")
            visitor.select(css("field-contractId"), value=visitor.driver.execute_script(
                "return document.querySelector('[data-test=field-contractId] option:nth-child(2)').value"))
            visitor.type(css("field-description"), "2 号机运行有异响，请安排售后。")
            visitor.shot("phone-portal-service-form")
            visitor.click(css("portal-service-submit"))
            visitor.test("portal-service-sent")
            visitor.shot("phone-portal-service-sent")

        with Step("the rep's inbox shows the request, and the 售后请求 list holds it as an open task"):
            rep.open("/inbox")

            def arrived():
                if rep.all(css("notification") + '[data-kind="service_request"]'):
                    return True
                rep.driver.refresh()
                return False
            rep.until("the after-sales notification in the inbox", arrived, timeout=story.EVENTUAL, poll=2)
            note = rep.find(css("notification") + '[data-kind="service_request"]')
            if customer not in note.text or "异响" not in note.text:
                raise StoryFailure(f"the notification says {note.text!r}")
            rep.shot("phone-portal-inbox")
            note.click()
            row = rep.find(css("service-request-row") + f'[data-customer="{customer}"]')
            if "异响" not in row.text:
                raise StoryFailure(f"the task says {row.text!r}")
            rep.shot("phone-portal-service-requests")

        with Step("the rep revokes the link: the customer's page says not found at once"):
            rep.open("/customers")
            rep.click(css("customer-row") + f'[data-name="{customer}"]')
            rep.click(css("portal-revoke"))
            rep.driver.switch_to.alert.accept()
            rep.test("portal-create")
            visitor.driver.refresh()
            visitor.test("portal-not-found")
            visitor.shot("phone-portal-revoked")
    finally:
        rep.close()
        if visitor:
            visitor.close()
