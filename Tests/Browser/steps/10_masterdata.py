"""Customer master data and duplicates (issue 10): the credit code checked as it is typed, level and source, a
duplicate found across reps (named, not shown, outside the caller's scope), and a supervisor merging two customers
whose deals follow the survivor."""

import story
from story import Step, StoryFailure, css

# The same codes as Tests/CustomersTests/CreditCodeTests.swift: js/credit-code.js must agree with CreditCode.swift.
CREDIT_CODE_CHECK = """
const done = arguments[arguments.length - 1];
import('/js/credit-code.js').then((m) => {
  const codes = ['91350100M000100Y43', '91110108551385082Q', '9144030071526726XG', '91330000710926050W', '91110000802100433B',
    ' 91350100m000100y43 ', '９１３５０１００Ｍ０００１００Ｙ４３', '91350100M000100Y44', '91350100M000100I43', '91350100M000100O43',
    '91350100M000100Z43', '91350100M000100S43', '91350100M000100V43', '9135010', '91350100M000100Y433'];
  done(codes.map((c) => { const p = m.creditCodeProblem(c); return p ? p.kind + (p.expected || p.position || p.count || '') : 'ok'; }));
}).catch((e) => done({ error: String(e) }));
"""
CREDIT_CODE_EXPECTED = ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "check3", "character16", "character16", "character16",
                        "character16", "character16", "length7", "length19"]

API = """
const [method, path, body] = arguments.slice(0, 3);
const done = arguments[arguments.length - 1];
fetch('/api/v1' + path, { method, credentials: 'same-origin',
  headers: body ? { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() } : {},
  body: body ? JSON.stringify(body) : undefined })
  .then(async (r) => done({ status: r.status, body: await r.json().catch(() => null) }), (e) => done({ status: 0, error: String(e) }));
"""


def api(browser, method, path, body=None):
    return browser.driver.execute_async_script(API, method, path, body)


def fill_customer(browser, name, mobile, credit_code=""):
    browser.open("/customers")
    browser.test("customer-filters")
    browser.open("/customers/new")
    browser.test("customer-form")
    browser.type(css("field-name"), name)
    if credit_code:
        browser.type(css("field-creditCode"), credit_code)
    browser.select(css("field-industry"), value="machinery")
    browser.type(css("field-contacts.0.name"), "周工")
    browser.type(css("field-contacts.0.phone"), mobile)


def run(context):
    suffix = context.suffix

    def mobile(n):
        # 11 digits of this run's own, so that no other story's contact looks like one of these.
        return f"137{int(suffix, 16):05d}{n:03d}"

    rep_user, rep_name = context.names["rep"]
    sup_user, _ = context.names["sup"]
    company = f"杭州恒泰精密轴承{suffix}有限公司"
    code = "91330000710926050W"

    rep = context.browser("rep (master data)")
    with Step("the browser's credit-code check agrees with the service's (same codes, same verdicts)"):
        rep.open(fresh=True)
        out = rep.driver.execute_async_script(CREDIT_CODE_CHECK)
        if out != CREDIT_CODE_EXPECTED:
            raise StoryFailure(f"js/credit-code.js disagrees with CreditCode.swift: {out} != {CREDIT_CODE_EXPECTED}")
    with Step("rep types a wrong credit code: an inline error before saving; a valid one, with level and source, saves"):
        rep.sign_in(rep_user, story.PASSWORD)
        fill_customer(rep, company, mobile(1), "91330000710926050X")
        rep.find(css("field-creditCode")).send_keys("\t")
        rep.until("the inline credit-code error", lambda: rep.test("error-creditCode").text.strip())
        rep.shot("phone-customer-credit-code-error")
        rep.type(css("field-creditCode"), code.lower())
        rep.until("the error gone once the code is right", lambda: not rep.test("error-creditCode", visible=False).is_displayed())
        rep.select(css("field-level"), value="A")
        rep.select(css("field-source"), value="exhibition")
        rep.click(css("save-customer"))
        rep.until("the new customer's page with its credit code", lambda: rep.all(css("credit-code")) and rep.text_of("credit-code") == code)
        if "A" not in rep.text_of("customer-level"):
            raise StoryFailure(f"the level shows {rep.text_of('customer-level')!r}")
        rep.shot("phone-customer-master-data")
        first_id = rep.driver.current_url.split("#/customers/")[1].split("/")[0]
    with Step("the same rep enters the company again, full-width and with another suffix: the duplicate, with a link"):
        fill_customer(rep, f"杭州恒泰精密轴承{suffix}（有限责任公司）", mobile(2))
        rep.click(css("save-customer"))
        rep.test("duplicate-panel")
        link = rep.test("duplicate-link")
        if first_id not in link.get_attribute("href"):
            raise StoryFailure(f"the duplicate links to {link.get_attribute('href')}, not the first customer {first_id}")
        rep.shot("phone-customer-duplicate-in-scope")

    # A second rep in another team of the same region: the company is outside their scope.
    admin = context.browser("admin (master data)", story.DESKTOP, phone=False)
    other_user = f"wu-rep-{suffix}"
    with Step("a second rep (another supervisor's team) is added"):
        admin.sign_in("admin", context.args.admin_password)
        users = api(admin, "GET", "/users?limit=200")["body"]["items"]
        manager = next(u["id"] for u in users if u["username"] == context.names["rm"][0])
        created = api(admin, "POST", "/users", {"username": other_user, "displayName": f"吴销售{suffix}", "password": story.PASSWORD,
                                               "role": "rep", "region": context.region, "supervisorId": manager})
        if created["status"] != 201:
            raise StoryFailure(f"creating the second rep: {created}")
    admin.close()
    other = context.browser("second rep")
    with Step("the second rep enters the same company: told it exists and whom to ask, without the record"):
        other.sign_in(other_user, story.PASSWORD)
        fill_customer(other, f"杭州恒泰精密轴承{suffix}股份有限公司", mobile(3))
        other.click(css("save-customer"))
        other.test("duplicate-panel")
        ask = other.test("duplicate-ask").text
        if rep_name not in ask or other.all(css("duplicate-link")):
            raise StoryFailure(f"out of scope the panel should name {rep_name} and link nothing; it says {ask!r}")
        other.shot("phone-customer-duplicate-out-of-scope")
    other.close()

    with Step("the rep confirms a look-alike (a different branch) and opens a deal on it"):
        fill_customer(rep, company.replace("有限公司", "·有限公司"), mobile(4))
        rep.click(css("save-customer"))
        rep.test("duplicate-panel")
        rep.click(css("confirm-duplicate"))
        rep.until("the look-alike saved", lambda: rep.all(css("customer-name")) and "/customers/" in rep.driver.current_url
                  and first_id not in rep.driver.current_url)
        second_id = rep.driver.current_url.split("#/customers/")[1].split("/")[0]
        deal = api(rep, "POST", "/deals", {"customerId": second_id, "title": f"轴承框架协议{suffix}", "expectedAmountFen": 1200000,
                                          "expectedCloseDate": "2027-06-30"})
        if deal["status"] != 201:
            raise StoryFailure(f"a deal on the look-alike: {deal}")
    rep.close()

    sup = context.browser("supervisor (merge)")
    with Step("the supervisor merges the look-alike into the first customer; the deal moves with it"):
        sup.sign_in(sup_user, story.PASSWORD)
        sup.open(f"/customers/{first_id}")
        sup.click(css("merge-customer"))
        sup.test("merge-sheet")
        sup.type(css("field-mergeSearch"), f"轴承{suffix}")
        sup.until("the look-alike in the search", lambda: len(sup.all(css("merge-pick"))) >= 1)
        sup.shot("phone-customer-merge-search")
        sup.click(css("merge-pick"))
        sup.test("merge-confirm-text")
        sup.click(css("confirm-merge"))
        sup.until("back on the survivor", lambda: first_id in sup.driver.current_url and not sup.all(css("merge-sheet")))
        # The deals service re-points the deal when customer.merged reaches it.
        sup.until("the deal re-pointed to the survivor",
                  lambda: len((api(sup, "GET", f"/deals?customer={first_id}")["body"] or {}).get("items", [])) == 1, timeout=story.EVENTUAL)
        sup.open(f"/customers/{second_id}")
        sup.open(f"/customers/{first_id}")
        sup.until("the deal listed on the survivor", lambda: any(f"轴承框架协议{suffix}" in e.text for e in sup.all(css("deal-row"))))
        sup.until("the merge in the history", lambda: any("合并" in e.text for e in sup.all("[data-test=customer-history] li")))
        sup.shot("phone-customer-merged-survivor")
        sup.open(f"/customers/{second_id}")
        sup.test("merged-notice")
        if sup.all(css("edit-customer")) or sup.all(css("merge-customer")):
            raise StoryFailure("a merged customer still offers edit or merge")
        sup.shot("phone-customer-merged-readonly")
    with Step("the customer list filters by level"):
        sup.open("/customers?level=A")
        sup.until("the A customer listed", lambda: any(company in e.get_attribute("data-name") for e in sup.all(css("customer-row"))))
        sup.shot("phone-customers-level-a")
    sup.close()
