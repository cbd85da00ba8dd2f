#!/usr/bin/env python3
"""Customer spreadsheets for the import tests and benchmark (issue 10).

  make_sheets.py fixtures DIR          the committed test fixtures (XLSX with shared strings, with inline strings,
                                       and the Done-when workbook with Chinese text and deliberate bad rows)
  make_sheets.py bench N DIR [PREFIX]  N rows as a GBK CSV (bench-N.csv) and an XLSX (bench-N.xlsx)

XLSX files are zips of XML written here with the standard library: with shared strings (as Excel writes them) or
inline strings (as many libraries do). Only the standard library is needed.
"""
import random
import sys
import zipfile
from pathlib import Path

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
HEADER = ["客户名称", "统一社会信用代码", "区域", "行业", "地址", "级别", "来源", "外部编号", "联系人", "手机", "职务", "负责人"]


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015 check character) numbered n."""
    body = "91330200" + f"{n:09d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    check = (31 - total % 31) % 31
    return body + ALPHABET[check]


def column_name(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def esc(t: str) -> str:
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_inline_xlsx(path: Path, rows, start_row: int = 1):
    sheet = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=start_row):
        sheet.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            if value == "":
                continue
            sheet.append(f'<c r="{column_name(c)}{r}" t="inlineStr"><is><t>{esc(str(value))}</t></is></c>')
        sheet.append("</row>")
    sheet.append("</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        # The sheet is not called sheet1.xml, so a reader must follow the workbook's relationships.
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   '<sheet name="客户" sheetId="1" r:id="rId7"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/data.xml", "".join(sheet))


def write_shared_xlsx(path: Path, rows):
    """A workbook as Excel writes one: text in xl/sharedStrings.xml (one string as rich-text runs, one with a
    phonetic guide that is not part of the text), numbers as number cells, styles and a theme left out."""
    strings, index = [], {}
    sheet = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        sheet.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{column_name(c)}{r}"
            if value == "" or value is None:
                continue
            if isinstance(value, int):
                sheet.append(f'<c r="{ref}"><v>{value}</v></c>')
                continue
            if value not in index:
                index[value] = len(strings)
                strings.append(value)
            sheet.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
        sheet.append("</row>")
    sheet.append("</sheetData></worksheet>")
    items = []
    for i, text in enumerate(strings):
        if i == 1 and len(text) > 2:
            items.append(f'<si><r><t>{esc(text[:2])}</t></r><r><rPr><b/></rPr><t>{esc(text[2:])}</t></r></si>')
        elif i == 0:
            items.append(f'<si><t>{esc(text)}</t><rPh sb="0" eb="1"><t>ケ</t></rPh></si>')
        else:
            items.append(f'<si><t xml:space="preserve">{esc(text)}</t></si>')
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
              + "".join(items) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   '<sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
        z.writestr("xl/sharedStrings.xml", shared)


def fixtures(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    small = [
        ["客户名称", "区域", "行业", "联系人", "手机"],
        ["宁波精工机械有限公司", "east-china", "机械", "王工", 13812345678],
        ["Acme & Sons <测试>", "east-china", "五金", "李四", "021-12345678"],
    ]
    write_shared_xlsx(folder / "shared-strings.xlsx", small)
    write_inline_xlsx(folder / "inline-strings.xlsx", [[str(v) for v in r] for r in small])


def done_when(folder: Path):
    """Chinese text, four good rows and four deliberate bad ones (rows 3, 5, 7, 9 as Excel numbers them)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        HEADER,
        ["宁波精工机械有限公司", credit_code(1), "east-china", "机械制造", "宁波市北仑区", "A", "展会", "ERP-0001", "王建国", "13805740001", "采购经理", ""],
        ["杭州坏码科技有限公司", "91330100XXXXXXXXX1", "east-china", "电子", "", "B", "", "ERP-0002", "刘明", "13805740002", "", ""],
        ["温州五金制品有限公司", credit_code(3), "east-china", "五金", "温州市", "B", "官网", "ERP-0003", "陈芳", "13805740003", "厂长", ""],
        ["火星贸易有限公司", credit_code(4), "火星", "贸易", "", "C", "", "ERP-0004", "赵六", "13805740004", "", ""],
        ["台州模具有限公司", credit_code(5), "east-china", "模具", "", "", "", "ERP-0005", "孙七", "13805740005", "", ""],
        ["", credit_code(6), "east-china", "注塑", "", "", "", "ERP-0006", "周八", "13805740006", "", ""],
        ["绍兴纺织机械有限公司", credit_code(7), "east-china", "纺织", "", "A", "", "ERP-0007", "吴九", "13805740007", "", ""],
        ["嘉兴电机有限公司", credit_code(8), "east-china", "电机", "", "", "", "ERP-0008", "郑十", "12345", "", ""],
    ]
    write_shared_xlsx(folder / "customers-bad-rows.xlsx", rows)


def bench(n: int, folder: Path, prefix: str = "压测"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    industries = ["机械制造", "五金", "模具", "电子", "注塑", "纺织", "电机", "贸易"]
    rows = [HEADER]
    for i in range(n):
        rows.append([
            f"{prefix}客户{i:06d}有限公司", credit_code(500_000_000 + i), "east-china", rng.choice(industries),
            f"浙江省宁波市{i % 97}路{i}号", "ABC"[i % 3], "", f"BENCH-{prefix}-{i:06d}", f"联系人{i % 1000}",
            f"139{i:08d}", "采购", "",
        ])
    with open(folder / f"bench-{n}.csv", "w", encoding="gbk", newline="") as f:
        import csv

        csv.writer(f, lineterminator="\r\n").writerows(rows)
    write_inline_xlsx(folder / f"bench-{n}.xlsx", [[str(v) for v in r] for r in rows[:1]] +
                      [[str(v).replace(prefix, prefix + "X") if j in (0, 7) else (credit_code(700_000_000 + k) if j == 1 else str(v).replace("139", "137", 1) if j == 9 else str(v))
                        for j, v in enumerate(r)] for k, r in enumerate(rows[1:])])


if __name__ == "__main__":
    if sys.argv[1] == "fixtures":
        fixtures(Path(sys.argv[2]))
    elif sys.argv[1] == "done-when":
        done_when(Path(sys.argv[2]))
    else:
        bench(int(sys.argv[2]), Path(sys.argv[3]), *(sys.argv[4:5]))
