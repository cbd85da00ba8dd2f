"""Webhooks for other systems (issue 12): the admin, on a phone, registers a receiver (Tests/Webhooks/receiver.py, which
verifies every request with README.md's snippet) for customer.created, sees the signing secret once with a copy button
and hands it to the receiver; a private address is refused on the form; a customer created by the rep reaches the
receiver signed and verified; the webhook's screen lists the delivery as delivered, and "send again" delivers the same
event id a second time, which the receiver recognises as a duplicate. Reading the endpoint back never shows the secret."""
import json
import os
import re
import subprocess
import tempfile

import story
from story import Step, StoryFailure, css, page_api

# The private address is refused on purpose.
story.EXPECTED_CONSOLE.append(re.compile(r"/api/v1/webhooks .*status of 422"))

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def entries(log):
    try:
        with open(log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def run(context):
    folder = tempfile.mkdtemp(prefix="webhook-story-")
    secret_file, log = os.path.join(folder, "secret"), os.path.join(folder, "log.jsonl")
    with open(secret_file, "w", encoding="utf-8") as f:
        f.write("not yet")
    receiver = subprocess.Popen(
        ["python3", os.path.join(ROOT, "Tests/Webhooks/receiver.py"), "--readme", os.path.join(ROOT, "README.md"),
         "--secret-file", secret_file, "--log", log], stdout=subprocess.PIPE, text=True)
    admin = context.browser("admin-webhooks", story.PHONE, phone=True)
    try:
        port = int(receiver.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}/erp"
        with Step("the admin opens 管理 → Webhooks on a phone; a private address is refused"):
            admin.sign_in("admin", context.args.admin_password)
            admin.open("/admin")
            admin.click(css("admin-webhooks"))
            admin.test("webhook-form")
            admin.type(css("field-url"), "http://10.0.0.7/hook")
            admin.click(css("event-customer.created"))
            admin.click(css("save-webhook"))
            refusal = admin.test("error-url").text
            if not refusal:
                raise StoryFailure("the private address was refused without a message next to the URL")
            admin.shot("phone-webhook-refused")

        with Step("the admin registers the receiver for customer.created and sees the secret once, with a copy button"):
            admin.type(css("field-url"), url)
            admin.type(css("field-description"), f"ERP {context.suffix}")
            box = admin.test("event-customer.created")
            if not box.is_selected():
                admin.click(css("event-customer.created"))
            admin.click(css("save-webhook"))
            secret = admin.test("webhook-secret").get_attribute("value")
            if not secret.startswith("whsec_"):
                raise StoryFailure(f"the secret shown is {secret!r}")
            admin.test("copy-secret")
            admin.click(css("copy-secret"))
            admin.test("toast")
            admin.driver.execute_script("document.querySelector('[data-test=webhook-secret-card]').scrollIntoView({block: 'start'})")
            admin.shot("phone-webhook-secret")
            with open(secret_file, "w", encoding="utf-8") as f:
                f.write(secret)
            admin.until("the endpoint listed", lambda: admin.all(css("webhook-row")))
            endpoint_id = admin.all(css("webhook-row"))[0].get_attribute("data-id")
            shown = page_api(admin, "GET", f"/webhooks/{endpoint_id}")
            if shown["status"] != 200 or "secret" in shown["body"] or secret in json.dumps(shown["body"]):
                raise StoryFailure(f"reading the endpoint back answered {shown}")

        with Step("a customer created through the API reaches the receiver signed and verified"):
            created = page_api(admin, "POST", "/customers", {
                "name": f"杭州数控{context.suffix}", "region": context.region, "industry": "machinery",
                "contacts": [{"name": "周经理", "phone": "13900139000"}]})
            if created["status"] != 201:
                raise StoryFailure(f"creating the customer answered {created}")
            admin.until("the receiver verified a delivery", lambda: any(e.get("answered") == 200 for e in entries(log)), timeout=story.EVENTUAL)
            first = entries(log)[0]
            if not first["verified"] or first["type"] != "customer.created" or first["data"]["customer"]["id"] != created["body"]["id"]:
                raise StoryFailure(f"the receiver recorded {first}")

        with Step("the webhook's screen lists the delivery as delivered; send again repeats the same event id"):
            admin.open(f"/admin/webhooks/{endpoint_id}")
            admin.until("a delivered row", lambda: admin.all(css("delivery-row") + '[data-status="delivered"]') or
                        admin.click(css("refresh-deliveries")) and False, timeout=story.EVENTUAL)
            admin.shot("phone-webhook-deliveries")
            admin.click(css("replay-delivery"))
            admin.until("the replay received", lambda: len(entries(log)) >= 2, timeout=story.EVENTUAL)
            second = entries(log)[1]
            if second["eventId"] != first["eventId"] or not second["duplicate"] or not second["verified"]:
                raise StoryFailure(f"the replay arrived as {second}, the first as {first}")
            admin.until("two delivered rows", lambda: len(admin.all(css("delivery-row") + '[data-status="delivered"]')) >= 2 or
                        admin.click(css("refresh-deliveries")) and False, timeout=story.EVENTUAL)
            admin.shot("phone-webhook-replayed")
            story.check_accessibility(admin, "webhooks", ["body", ".row-title", ".btn"])
    finally:
        admin.close()
        receiver.terminate()
        receiver.wait()
