"""Customer import and export (issue 10): the rep imports a small GBK CSV with one bad row through the import
screen (dry run first, then the import with its progress bar), sees the bad row named by row and column, finds the
imported customers in the list, and exports CSV (checked with fetch in the page: byte-order mark, Chinese header,
the imported names)."""
import os
import tempfile

import story
from story import Step, StoryFailure, css


def run(context):
    username, _ = context.names["rep"]
    suffix = context.suffix
    good = [f"慈溪电器{suffix}有限公司", f"余姚塑料{suffix}有限公司"]
    rows = [
        "客户名称,区域,行业,联系人,手机,职务",
        f"{good[0]},{context.region},machinery,王工,1390574{suffix_digits(suffix, 0)},采购",
        f"{good[1]},{context.region},electronics,李工,1390574{suffix_digits(suffix, 1)},",
        # Row 4: a phone that is no number: named by row 4 and 手机.
        f"宁海坏号码{suffix}有限公司,{context.region},machinery,赵工,12345,",
    ]
    folder = tempfile.mkdtemp(prefix="salesdesk-import-")
    path = os.path.join(folder, f"客户导入-{suffix}.csv")
    with open(path, "wb") as f:
        f.write(("\r\n".join(rows) + "\r\n").encode("gbk"))

    rep = context.browser("rep-import", story.PHONE, phone=True)
    try:
        with Step("a rep opens the import screen from the customers list"):
            rep.sign_in(username, story.PASSWORD)
            rep.open("/customers")
            rep.test("customer-sheet-actions")
            rep.test("customer-export-csv")
            rep.click(css("customer-import"))
            rep.test("customer-import-screen")
            rep.find(css("import-file"), visible=False).send_keys(path)
            rep.shot("phone-import-picked")

        with Step("试运行 (dry run) counts what would happen and names the bad row by row and column"):
            rep.click(css("import-dry-run"))
            rep.until("the dry run's summary", lambda: rep.all(css("import-counts")))
            if rep.text_of("import-created") != "2" or rep.text_of("import-errors") != "1":
                raise StoryFailure(f"dry run counts: {rep.text_of('import-counts')}")
            error = rep.test('import-error"][data-row="4')
            if "手机" not in error.text:
                raise StoryFailure(f"the bad row's error does not name the 手机 column: {error.text}")
            rep.shot("phone-import-dry-run")

        with Step("导入 runs the import: the progress bar fills, the summary lists the bad row, the rest is imported"):
            rep.click(css("import-run"))
            rep.until("the import to finish", lambda: rep.find(".import-progress", visible=False).get_attribute("data-status") == "succeeded")
            bar = rep.test("import-progress")
            if bar.get_attribute("value") != bar.get_attribute("max"):
                raise StoryFailure(f"the progress bar ended at {bar.get_attribute('value')} of {bar.get_attribute('max')}")
            rep.until("the import's summary", lambda: rep.all(css("import-counts")) and rep.text_of("import-created") == "2")
            rep.test('import-error"][data-row="4')
            rep.test("import-download-errors")
            rep.shot("phone-import-done")
            rep.open(f"/customers?q={suffix}有限公司")
            rep.until("both imported customers in the list",
                      lambda: {e.get_attribute("data-name") for e in rep.all(css("customer-row"))} >= set(good))

        with Step("the rep exports CSV: a byte-order mark, the Chinese header and the imported customers"):
            result = rep.driver.execute_async_script("""
              const done = arguments[arguments.length - 1];
              fetch('/api/v1/customers/export?format=csv', { credentials: 'same-origin' })
                .then(async (r) => {
                  const bytes = new Uint8Array(await r.arrayBuffer());
                  done({ status: r.status, type: r.headers.get('Content-Type'), disposition: r.headers.get('Content-Disposition'),
                         bom: Array.from(bytes.slice(0, 3)), text: new TextDecoder('utf-8').decode(bytes.slice(3)) });
                }, (e) => done({ error: String(e) }));""")
            if result.get("status") != 200 or result.get("bom") != [0xEF, 0xBB, 0xBF]:
                raise StoryFailure(f"export: {str(result)[:300]}")
            if not result["text"].startswith("客户名称,统一社会信用代码") or not all(name in result["text"] for name in good):
                raise StoryFailure(f"export text: {result['text'][:300]}")
            if "attachment" not in (result.get("disposition") or ""):
                raise StoryFailure(f"export Content-Disposition: {result.get('disposition')}")
    finally:
        rep.close()


def suffix_digits(suffix, n):
    """Four digits from the story's hex suffix, so that each story run imports mobiles no other run has."""
    return f"{(int(suffix, 16) * 2 + n) % 10000:04d}"
