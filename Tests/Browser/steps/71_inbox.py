"""The inbox's unread notifications (issue 12, notifications people do not mute): the customer sends two after-sales
requests from the self-service page, so the rep has fresh unread notifications; on the phone the rep sees the unread
badge on the inbox tab, opens one notification (it is marked read and the badge counts one fewer), comes back and marks
all read: the unread marks go, the badge disappears, and both stay so after a reload."""
import urllib.parse

import story
from story import Step, StoryFailure, css


def badge(browser):
    """The inbox tab's badge as a number (0 when hidden)."""
    text = browser.driver.execute_script(
        "const b = document.querySelector('[data-test=tabbar] [data-test=badge-inbox]');"
        "return b && !b.hidden ? b.textContent.trim() : '';")
    return int(text) if text.isdigit() else 0


def unread(browser):
    answer = story.page_api(browser, "GET", "/notifications/unread-count")
    if answer["status"] != 200:
        raise StoryFailure(f"the unread count answered {answer}")
    return answer["body"]["unread"]


def run(context):
    username, _ = context.names["rep"]
    customer = context.customer
    rep = context.browser("rep-inbox", story.PHONE, phone=True)
    try:
        with Step("the customer sends two after-sales requests from the self-service page: two unread notifications for the rep"):
            rep.sign_in(username, story.PASSWORD)
            rep.open("/inbox")
            found = story.page_api(rep, "GET", "/customers?q=" + urllib.parse.quote(customer) + "&limit=5")
            matches = [c for c in (found["body"] or {}).get("items", []) if c.get("name") == customer]
            if not matches:
                raise StoryFailure(f"the story customer is not in the rep's list: {found}")
            link = story.page_api(rep, "POST", f"/customers/{matches[0]['id']}/portal-link", {"showOwnerPhone": False, "renew": True})
            if link["status"] not in (200, 201):
                raise StoryFailure(f"the self-service link answered {link}")
            token = link["body"]["url"].split("#", 1)[1]
            before = unread(rep)
            for issue in ["3 号机液压站漏油", "请寄送易损件清单"]:
                sent = story.page_api(rep, "POST", f"/public/portal/{token}/service-requests",
                                      {"contactName": "王工", "phone": "13905741234", "description": issue})
                if sent["status"] != 201:
                    raise StoryFailure(f"the after-sales request answered {sent}")
            rep.until("both notifications counted unread", lambda: unread(rep) >= before + 2, timeout=story.EVENTUAL, poll=1)

        with Step("the inbox shows them unread and the inbox tab's badge counts them"):
            # The inbox was open before the requests came: reload it (the same URL again would keep the page).
            rep.driver.refresh()
            rep.until("the notifications loaded", lambda: rep.all(css("notification")) and not rep.all(".loading"))
            count = unread(rep)
            rep.until(f"the badge showing {count}", lambda: badge(rep) == count)
            rows = rep.all(css("notification") + '.unread[data-kind="service_request"]')
            if len(rows) < 2:
                raise StoryFailure(f"{len(rows)} unread after-sales notifications in the inbox")
            if "易损件" not in rows[0].text:
                raise StoryFailure(f"the newest notification says {rows[0].text!r}")
            rep.test("read-all")
            rep.shot("phone-inbox-unread")

        with Step("opening one notification marks it read: the badge counts one fewer"):
            rows[0].click()
            rep.test("service-request-row")
            rep.until(f"the badge showing {count - 1}", lambda: badge(rep) == count - 1)
            if unread(rep) != count - 1:
                raise StoryFailure(f"the server counts {unread(rep)} unread, not {count - 1}")
            rep.open("/inbox")
            rep.until("the notifications loaded", lambda: rep.all(css("notification")) and not rep.all(".loading"))
            first = rep.all(css("notification"))[0]
            if "unread" in first.get_attribute("class"):
                raise StoryFailure("the opened notification is still unread")
            rep.shot("phone-inbox-one-read")

        with Step("mark all read: the unread marks and the badge go, and stay gone after a reload"):
            rep.click(css("read-all"))
            rep.until("no unread row", lambda: not rep.all(".row.unread"))
            rep.until("the badge hidden", lambda: badge(rep) == 0)
            shown = rep.test("notifications").text
            if "未读" in shown:
                raise StoryFailure(f"a notification still says 未读 after mark all read: {shown[:300]}")
            if unread(rep) != 0:
                raise StoryFailure(f"the server still counts {unread(rep)} unread")
            rep.shot("phone-inbox-all-read")
            rep.driver.refresh()
            rep.until("reloaded, still all read", lambda: rep.all(css("notification")) and not rep.all(".row.unread"))
            if badge(rep) != 0:
                raise StoryFailure(f"the badge shows {badge(rep)} after a reload")
    finally:
        rep.close()
