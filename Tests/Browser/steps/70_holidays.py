"""Holiday calendar (节假日, issue 12): the admin opens 节假日 on a phone and finds 2026 seeded with the official
holidays and 调休 workdays; switches to 2027, which no release shipped, and enters 国庆节 (a holiday) and a make-up
workday (调休, a Sunday); sees both listed; removes the make-up workday. A date that does not exist (2027-02-30) is
refused by the server with a message under the date field, and a date typed another way is caught before sending."""
import re

import story
from story import Step, StoryFailure, css

# The date that does not exist is sent on purpose, to show the server's 422 under the field.
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/calendar/days/2027-02-30 .*status of 422"))

api = story.page_api


def days(browser):
    return {e.get_attribute("data-day"): e.get_attribute("data-kind") for e in browser.all(css("holiday-row"))}


def add(browser, day, kind, name):
    browser.type(css("field-day"), day)
    browser.select(css("field-kind"), value=kind)
    browser.type(css("field-name"), name)
    browser.click(css("save-holiday"))


def run(context):
    admin = context.browser("admin-holidays")
    try:
        with Step("the admin opens 节假日 and finds 2026's official calendar, 国庆 and its 调休 Saturday included"):
            admin.sign_in("admin", context.args.admin_password)
            admin.open("/admin")
            admin.click(css("admin-holidays"))
            admin.test("holiday-form")
            admin.select(css("holiday-year"), value="2026")
            admin.until("2026 listed", lambda: days(admin).get("2026-10-01") == "holiday" and days(admin).get("2026-10-10") == "workday")
            if len(days(admin)) != 39:
                raise StoryFailure(f"2026 should list 33 holidays and 6 make-up workdays: {sorted(days(admin))}")
            admin.shot("phone-holidays-2026")

        with Step("2027 is empty until entered; a date that does not exist gets a clear error under the date field"):
            admin.select(css("holiday-year"), value="2027")
            admin.until("2027 is empty", lambda: admin.all(css("holiday-empty")) and not days(admin))
            add(admin, "2027-02-30", "holiday", "测试")
            admin.until("the server's message under the date", lambda: "不是有效日期" in admin.test("error-day").text)
            admin.shot("phone-holidays-bad-date")
            add(admin, "2027/10/01", "holiday", "国庆节")
            admin.until("the format message", lambda: "YYYY-MM-DD" in admin.test("error-day").text)

        with Step("the admin enters 2027 国庆节 and a 调休 Sunday, and sees both"):
            add(admin, "2027-10-01", "holiday", "国庆节")
            admin.until("国庆节 listed", lambda: days(admin).get("2027-10-01") == "holiday")
            add(admin, "2027-09-26", "workday", "国庆节调休")
            admin.until("the make-up workday listed", lambda: days(admin).get("2027-09-26") == "workday")
            summary = admin.test("holiday-summary").text
            if "1 天假日" not in summary or "1 天调休上班" not in summary:
                raise StoryFailure(f"the summary does not count them: {summary}")
            listed = api(admin, "GET", "/calendar/days?year=2027")["body"]["items"]
            if [(d["day"], d["kind"], d["name"]) for d in listed] != [("2027-09-26", "workday", "国庆节调休"), ("2027-10-01", "holiday", "国庆节")]:
                raise StoryFailure(f"the API does not list what was entered: {listed}")
            story.check_touch_targets(admin, "the holidays screen")
            admin.shot("phone-holidays-2027")

        with Step("the admin removes the make-up workday; 国庆节 stays"):
            # The confirmation is the browser's own dialog; answer it yes.
            admin.driver.execute_script("window.confirm = () => true")
            admin.click(css("holiday-remove") + "[data-day='2027-09-26']")
            admin.until("the make-up workday gone", lambda: "2027-09-26" not in days(admin))
            if days(admin) != {"2027-10-01": "holiday"}:
                raise StoryFailure(f"after removing: {days(admin)}")
            admin.shot("phone-holidays-removed")
    finally:
        admin.close()
