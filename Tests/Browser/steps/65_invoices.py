"""Invoices (发票) on the story's signed contract, on a phone: finance records an invoice, uploads its electronic PDF
through the file picker, and the contract's page offers it for download; a file that is not a PDF is refused with the
reason shown, and the invoiced total never passes the contract amount.
"""
import os
import re
import tempfile

from selenium.webdriver.common.by import By

import story
from story import Step, StoryFailure, css

api = story.page_api

# A minimal one-page PDF: the server checks the %PDF- magic bytes, not the name.
PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""

# The refused upload and the invoice over the contract amount answer 4xx on purpose.
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/invoices/[0-9a-f-]+/pdf - Failed to load resource: the server responded with a status of 4\d\d"))
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/contracts/[0-9a-f-]+/invoices - Failed to load resource: the server responded with a status of 4\d\d"))

FETCH_PDF = """
const [id, done] = arguments;
fetch('/api/v1/invoices/' + id + '/pdf', { credentials: 'same-origin' })
  .then(async (r) => done({ status: r.status, type: r.headers.get('Content-Type'),
                            head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)) }),
        (e) => done({ status: 0, head: String(e) }));
"""


def on_screen(browser, selector):
    """The elements matching `selector` on the screen shown: the app keeps an earlier screen's render hidden in the
    page, so the first match in the document may be one nobody sees."""
    return [e for e in browser.all(selector) if e.is_displayed()]


def upload(browser, path):
    """Hands a file to the shown row's (hidden) file picker, as choosing it in the system dialog would."""
    browser.until("the invoice's upload button", lambda: on_screen(browser, css("invoice-upload")))
    button = on_screen(browser, css("invoice-upload"))[0]
    picker = button.find_element(By.XPATH, "preceding-sibling::input[@type='file']")
    browser.driver.execute_script("arguments[0].hidden = false;", picker)
    picker.send_keys(path)
    browser.driver.execute_script("arguments[0].hidden = true;", picker)


def run(context):
    suffix = context.suffix
    finance_user = f"fp-fin-{suffix}"
    story.add_user(context, "admin-invoices", "the admin adds a finance user for invoices",
                   {"username": finance_user, "displayName": f"钱财务{suffix}", "role": "finance"})

    folder = tempfile.mkdtemp(prefix="salesdesk-invoices-")
    pdf_path = os.path.join(folder, "fapiao.pdf")
    fake_path = os.path.join(folder, "not-a-pdf.pdf")
    with open(pdf_path, "wb") as f:
        f.write(PDF)
    with open(fake_path, "wb") as f:
        f.write(b"PK\x03\x04 this is a zip, named .pdf")

    fin = context.browser("finance-invoices")
    try:
        with Step("finance records an invoice on the story's signed contract"):
            fin.sign_in(finance_user, story.PASSWORD)
            page = api(fin, "GET", "/contracts?status=signed&limit=100")
            mine = [c for c in page["body"]["items"] if c["customerName"] == context.customer]
            if page["status"] != 200 or not mine:
                raise StoryFailure(f"finance does not find the story's signed contract: {str(page)[:400]}")
            contract = mine[-1]
            fin.open(f"/contracts/{contract['id']}")
            fin.test("invoices")
            fin.click(css("invoice-new"))
            fin.test("invoice-form")
            number = f"FP{suffix}001"
            fin.type(css("invoice-form") + " " + css("field-number"), number)
            fin.type(css("invoice-form") + " " + css("field-amountFen"), "10000.00")
            fin.click(css("invoice-save"))
            fin.until("the invoice listed", lambda: on_screen(fin, css("invoice-row") + f'[data-number="{number}"]'))
            shown = " ".join(e.text for e in on_screen(fin, css("invoices")))
            if "¥10,000.00" not in shown:
                raise StoryFailure(f"the invoice's amount is not shown: {shown!r}")

        with Step("a file that is not a PDF is refused, and says why"):
            upload(fin, fake_path)
            refusal = css("invoice") + f'[data-number="{number}"] ' + css("invoice-upload-message") + " .form-error"
            fin.until("the refusal shown", lambda: any(e.text.strip() for e in on_screen(fin, refusal)))
            fin.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", on_screen(fin, refusal)[0])
            fin.shot("phone-invoice-refused")
            if on_screen(fin, css("invoice-download")):
                raise StoryFailure("a file that is not a PDF was taken as the invoice's PDF")

        with Step("the electronic PDF is uploaded and offered for download"):
            upload(fin, pdf_path)
            fin.until("the download offered", lambda: on_screen(fin, css("invoice-download")))
            invoices = api(fin, "GET", f"/contracts/{contract['id']}/invoices")["body"]["items"]
            invoice = next(i for i in invoices if i["number"] == number)
            got = fin.driver.execute_async_script(FETCH_PDF, invoice["id"])
            if got["status"] != 200 or got["head"] != "%PDF-" or "pdf" not in (got.get("type") or ""):
                raise StoryFailure(f"the uploaded PDF does not come back as a PDF: {got}")
            story_section = on_screen(fin, css("invoices"))[0]
            fin.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", story_section)
            fin.shot("phone-invoices")

        with Step("the invoiced total cannot pass the contract amount"):
            over = api(fin, "POST", f"/contracts/{contract['id']}/invoices",
                       {"number": f"FP{suffix}999", "issuedOn": invoice["issuedOn"], "amountFen": contract["amountFen"]})
            if over["status"] not in (409, 422):
                raise StoryFailure(f"an invoice over the contract amount was taken: {over}")
    finally:
        fin.close()
