"""Issue 10 in the field: a rep checks in with a real photo, and checks in with no signal.

The rep, on a phone at the story's customer, is refused a check-in while the position is denied (and told why).
With a position (Chromium's geolocation override) the rep picks ten photos and is refused the tenth, then checks in
with one real camera-sized JPEG carrying EXIF (time, GPS, orientation "rotate 90°"): the browser shrinks it, and the
server's copy is upright, at most 1600 px, smaller than the original and without EXIF, while the photo keeps the
capture time and position as data; the visit card shows it. Then the network is cut (DevTools): the check-in and its photo wait on the
phone, the server has nothing new, and a reload with no network still opens the app (service worker) with the visit
still waiting (IndexedDB). When the network returns the first answer of the check-in is lost on its way back (a
second DevTools client fails that response), and "send now" is tapped twice: the server still has exactly one new
visit, with its photo. Last, an offline check-in at a customer archived meanwhile is refused when sent: the outbox
stops retrying it, shows the server's reason, keeps it across a reload, and drops it only when the rep discards it.
"""
import datetime
import io
import json
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request

import websocket
from PIL import Image, ImageDraw

import story
from story import Step, StoryFailure, css

# Cut on purpose: the app's API calls while the phone is offline, and the check-in answer this story loses.
story.EXPECTED_CONSOLE.extend([
    re.compile(r"/api/v1/\S+ - Failed to load resource: net::ERR_INTERNET_DISCONNECTED"),
    re.compile(r"/api/v1/customers/[0-9a-f-]+/visits - Failed to load resource: net::ERR_CONNECTION_RESET"),
    re.compile(r"/api/v1/customers/[0-9a-f-]+/visits - Failed to load resource: the server responded with a status of 409"),
])

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Services", "Gateway", "Web")


class Api:
    """The HTTP API as another program sees it (a bearer token), to check what the server holds."""

    def __init__(self, base_url, username, password):
        self.base_url = base_url
        status, _, body = self.call("POST", "/api/v1/auth/login", {"username": username, "password": password})
        if status != 200:
            raise StoryFailure(f"API login of {username}: {status} {body[:200]!r}")
        self.token = json.loads(body)["accessToken"]

    def call(self, method, path, payload=None):
        headers = {"Accept": "*/*"}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=story.WAIT) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def post(self, path, payload):
        status, _, body = self.call("POST", path, payload)
        if status not in (200, 201):
            raise StoryFailure(f"POST {path}: {status} {body[:300]!r}")
        return json.loads(body)

    def json(self, path):
        status, _, body = self.call("GET", path)
        if status != 200:
            raise StoryFailure(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)

    def visits(self, customer_id):
        return self.json(f"/api/v1/customers/{customer_id}/visits?limit=100")["items"]


def camera_photo(path, width, height, seed):
    """A camera-like JPEG: a scene with detail (so it does not compress to nothing), stored sideways with EXIF
    orientation 6 (shown rotated 90° clockwise, i.e. upright portrait), a maker, a time and a GPS position."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 4):
        draw.line([(0, y), (width, y)], fill=(40 + (y * 90 // height), 90 + seed * 20 % 100, 160 - (y * 60 // height)))
    for i in range(400):
        x, y = (i * 7919 * (seed + 3)) % width, (i * 104729 * (seed + 5)) % height
        size = 8 + (i * 31) % 90
        draw.rectangle([x, y, x + size, y + size // 2], fill=((i * 53) % 255, (i * 97 + seed) % 255, (i * 29) % 255))
    exif = Image.Exif()
    exif[0x010F] = "SalesDesk story camera"
    exif[0x0110] = "Workshop 1"
    exif[0x0112] = 6
    exif[0x0132] = "2026:11:29 10:30:00"
    exif[0x8825] = {1: "N", 2: (29.0, 52.0, 6.0), 3: "E", 4: (121.0, 32.0, 38.0)}
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())
    with open(path, "rb") as f:
        if b"Exif" not in f.read(4096):
            raise StoryFailure("the test photo has no EXIF block")
    return path


class LoseFirstAnswer:
    """A second DevTools client on the rep's page that lets the check-in POST reach the server but fails its first
    answer on the way back (as a dropped connection would), and counts the check-in POSTs."""

    def __init__(self, driver):
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json", timeout=story.WAIT) as response:
            targets = json.load(response)
        page = next(t for t in targets if t.get("type") == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=1, suppress_origin=True)
        self.posts = 0
        self.lost = 0
        self.running = True
        self.next_id = 1
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*/api/v1/customers/*/visits", "requestStage": "Response"}]})
        # Interception is on once Chromium answers; only then may the network come back.
        deadline = time.monotonic() + story.WAIT
        while json.loads(self.receive(deadline)).get("id") != self.next_id:
            pass
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def receive(self, deadline):
        while time.monotonic() < deadline:
            try:
                return self.socket.recv()
            except websocket.WebSocketTimeoutException:
                continue
        raise StoryFailure("Chromium did not answer the DevTools client")

    def send(self, method, params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))

    def loop(self):
        while self.running:
            try:
                message = json.loads(self.socket.recv())
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                return
            if message.get("method") != "Fetch.requestPaused":
                continue
            params = message["params"]
            if params["request"]["method"] == "POST":
                self.posts += 1
                if self.lost == 0:
                    self.lost += 1
                    self.send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "ConnectionReset"})
                    continue
            self.send("Fetch.continueRequest", {"requestId": params["requestId"]})

    def close(self):
        self.running = False
        try:
            self.send("Fetch.disable", {})
        except Exception:
            pass
        self.thread.join(timeout=5)
        self.socket.close()


def offline(browser, cut):
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": cut, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def image_renders(browser, selector):
    return browser.driver.execute_script(
        "const i = document.querySelector(arguments[0]); return !!i && i.complete && i.naturalWidth > 0;", selector)


def run(context):
    folder = tempfile.mkdtemp(prefix="salesdesk-photos-")
    original = camera_photo(os.path.join(folder, "workshop.jpg"), 4000, 3000, 1)
    original_size = os.path.getsize(original)
    small = [camera_photo(os.path.join(folder, f"small-{i}.jpg"), 320, 240, i) for i in range(10)]
    second = camera_photo(os.path.join(folder, "workshop-offline.jpg"), 2400, 1800, 7)
    username = context.names["rep"][0]
    api = Api(context.args.base_url, username, story.PASSWORD)
    site = story.CUSTOMER_SITE

    rep = context.browser("field-rep")
    with Step("field: with the position refused, the check-in says why and is not sent"):
        rep.sign_in(username, story.PASSWORD)
        rep.driver.execute_cdp_cmd("Browser.setPermission", {"permission": {"name": "geolocation"}, "setting": "denied",
                                                             "origin": context.args.base_url})
        rep.open("/customers")
        rep.click(css("customer-row") + f'[data-name="{context.customer}"]')
        rep.test("customer-name")
        customer_id = rep.driver.current_url.split("#/customers/")[1].split("?")[0]
        rep.click(css("check-in"))
        rep.test("locate-denied")
        rep.select(css("field-purpose"), value="other")
        rep.click(css("submit-checkin"))
        rep.until("'the check-in needs the position' next to it", lambda: rep.test("error-latitude").text.strip())
        if rep.all(css("visit-card")) or rep.all(css("visit-queued")):
            raise StoryFailure("a check-in without a position was accepted")
        rep.click(css("back"))
        rep.test("customer-name")

    with Step("field: the rep picks ten photos and is refused the tenth, then checks in with one real photo"):
        rep.geolocate(site[0], site[1], 12)
        rep.click(css("check-in"))
        rep.until("the position", lambda: "12" in rep.text_of("position"))
        rep.select(css("field-purpose"), value="after_sales")
        rep.test("photo-input", visible=False).send_keys("\n".join(small))
        rep.until("nine thumbnails and the limit message", lambda: len(rep.all(css("photo-thumb"))) == 9
                  and rep.test("photo-limit").is_displayed())
        if "9" not in rep.text_of("photo-limit"):
            raise StoryFailure(f"the limit message does not say the limit: {rep.text_of('photo-limit')!r}")
        rep.until("every small photo shrunk", lambda: len(rep.all(css("photo-thumb") + '[data-state="ready"]')) == 9)
        while rep.all(css("remove-photo")):
            before = len(rep.all(css("photo-thumb")))
            rep.click(css("remove-photo"))
            rep.until("one photo fewer", lambda: len(rep.all(css("photo-thumb"))) == before - 1)
        rep.test("photo-input", visible=False).send_keys(original)
        rep.until("the real photo shrunk, its thumbnail drawn", lambda: rep.all(css("photo-thumb") + '[data-state="ready"]')
                  and image_renders(rep, "[data-test=photo-thumb] img"))
        rep.type(css("field-notes"), "更换主轴轴承，拍照留档")
        story.check_accessibility(rep, "check-in with a photo (phone)", ["body", "label", ".photo-state", ".btn.primary"])
        rep.shot("phone-visit-checkin-photo")
        rep.click(css("submit-checkin"))
        card = rep.test("visit-card", timeout=story.EVENTUAL)
        visit_id = card.get_attribute("data-id")
        rep.until("the photo on the visit card", lambda: image_renders(rep, "[data-test=visit-photo]"), timeout=story.EVENTUAL)
        rep.shot("phone-visit-with-photo")

    with Step("field: the server holds the photo shrunk, upright and without EXIF"):
        visit = next((v for v in api.visits(customer_id) if v["id"] == visit_id), None)
        if not visit or visit.get("photoCount") != 1:
            raise StoryFailure(f"the visit with the photo: {visit}")
        photos = api.json(f"/api/v1/visits/{visit_id}/photos")["items"]
        if len(photos) != 1:
            raise StoryFailure(f"the visit's photos: {photos}")
        # The capture time and position of the original's EXIF survive the browser's shrinking as the photo's data.
        taken = photos[0]
        if not (str(taken.get("capturedAt")).startswith("2026-11-29T02:30:00") and abs(taken.get("latitude", 0) - 29.868333) < 1e-5
                and abs(taken.get("longitude", 0) - 121.543889) < 1e-5):
            raise StoryFailure(f"the photo lost its capture time or position: {taken}")
        status, headers, body = api.call("GET", taken.get("url") or f"/api/v1/photos/{taken['id']}")
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if status != 200 or not content_type.startswith("image/jpeg"):
            raise StoryFailure(f"GET the photo: {status} {content_type}")
        if len(body) >= original_size or b"Exif" in body:
            raise StoryFailure(f"the stored photo is {len(body)} bytes (original {original_size}) and "
                               f"{'has' if b'Exif' in body else 'has no'} EXIF")
        width, height = Image.open(io.BytesIO(body)).size
        if max(width, height) > 1600 or height <= width:
            raise StoryFailure(f"the stored photo is {width}×{height}: expected upright (portrait), long edge ≤ 1600")
        print(f"  photo: {original_size} bytes 4000×3000 (EXIF rotated) → {len(body)} bytes {width}×{height}", flush=True)

    with Step("field: the app is kept on the phone by its service worker"):
        rep.click(css("back-to-customer"))
        rep.test("customer-name")
        ready = rep.driver.execute_async_script("""
          const done = arguments[arguments.length - 1];
          navigator.serviceWorker.ready.then(async (r) => {
            const names = await caches.keys();
            const cache = await caches.open(names.find((n) => n.startsWith('salesdesk-shell-')));
            done({ active: !!r.active, index: !!(await cache.match('/index.html')), checkin: !!(await cache.match('/js/views/visit-checkin.js')) });
          }).catch((e) => done({ error: String(e) }));""")
        if not (ready.get("active") and ready.get("index") and ready.get("checkin")):
            raise StoryFailure(f"the service worker is not ready with the app's files: {ready}")
        status, headers, body = api.call("GET", "/sw.js")
        shell = set(re.findall(r"'(/[\w./-]+)'", body.decode()))
        files = {"/" + os.path.relpath(os.path.join(d, f), WEB).replace(os.sep, "/")
                 for d, _, fs in os.walk(WEB) for f in fs if not f.startswith(".")} - {"/sw.js"}
        if shell - files:
            raise StoryFailure(f"sw.js precaches files that do not exist (its install would fail): {sorted(shell - files)}")
        if files - shell:
            print(f"  note: sw.js does not precache {sorted(files - shell)} (cached on first use only)", flush=True)

    with Step("field: no network: the check-in and its photo wait on the phone; the server has nothing new"):
        before = len(api.visits(customer_id))
        rep.geolocate(site[0] + 0.0004, site[1], 30)
        rep.click(css("check-in"))
        rep.until("the position", lambda: "30" in rep.text_of("position"))
        offline(rep, True)
        rep.select(css("field-purpose"), value="delivery")
        rep.type(css("field-notes"), "车间里没有信号")
        rep.test("photo-input", visible=False).send_keys(second)
        rep.until("the photo shrunk", lambda: rep.all(css("photo-thumb") + '[data-state="ready"]'))
        pressed = datetime.datetime.now(datetime.timezone.utc)
        rep.click(css("submit-checkin"))
        rep.test("visit-queued")
        rep.until("the visit waiting, one in the banner", lambda: rep.all(css("outbox-item") + '[data-state="waiting"]')
                  and rep.test("outbox-banner").get_attribute("data-count") == "1")
        if not rep.all(css("bundle-photo") + '[data-state="waiting"]'):
            raise StoryFailure("the waiting visit does not show its photo waiting")
        rep.shot("phone-visit-queued")
        if len(api.visits(customer_id)) != before:
            raise StoryFailure("the server has a new visit while the phone is offline")

    with Step("field: reopened with no network, the app starts from the phone and the visit still waits"):
        rep.driver.refresh()
        rep.test("tabbar")
        if not rep.driver.execute_script("return !!navigator.serviceWorker.controller && !navigator.onLine"):
            raise StoryFailure("the reloaded page is not served by the service worker while offline")
        rep.open(f"/customers/{customer_id}")
        rep.test("customer-offline")
        rep.until("the waiting visit on the customer page", lambda: rep.test("outbox-panel").get_attribute("data-count") == "1"
                  and rep.test("outbox-banner").get_attribute("data-count") == "1")
        rep.shot("phone-offline-customer")
        if len(api.visits(customer_id)) != before:
            raise StoryFailure("the server has a new visit while the phone is offline")

    with Step("field: the network returns, the first answer is lost, 'send now' is tapped twice: one visit, one photo"):
        interceptor = LoseFirstAnswer(rep.driver)
        try:
            restored = datetime.datetime.now(datetime.timezone.utc)
            offline(rep, False)
            rep.driver.execute_script("const b = document.querySelector(arguments[0]); if (b) { b.click(); b.click(); }",
                                      css("send-now"))
            rep.until("the outbox empty", lambda: rep.test("outbox-banner", visible=False).get_attribute("data-count") == "0",
                      timeout=story.EVENTUAL)
        finally:
            interceptor.close()
        if interceptor.lost != 1 or interceptor.posts < 2:
            raise StoryFailure(f"the lost answer was not tested: {interceptor.posts} check-in POSTs, {interceptor.lost} lost")
        now = api.visits(customer_id)
        new = [v for v in now if v.get("notes") == "车间里没有信号"]
        if len(now) != before + 1 or len(new) != 1:
            raise StoryFailure(f"expected exactly one new visit, the server has {len(now) - before}: {[v.get('notes') for v in now]}")
        if new[0].get("photoCount") != 1:
            raise StoryFailure(f"the visit sent later has photoCount {new[0].get('photoCount')}")
        # The visit keeps the time the rep checked in on the phone, not the time it reached the server.
        checked_in = datetime.datetime.fromisoformat(new[0]["checkedInAt"].replace("Z", "+00:00"))
        if not (pressed - datetime.timedelta(seconds=5) <= checked_in <= restored):
            raise StoryFailure(f"the visit sent later is timed {checked_in}, not when the rep checked in ({pressed}; "
                               f"the network returned at {restored})")
        print(f"  {interceptor.posts} check-in POSTs (the first answer lost), one visit on the server", flush=True)
        rep.until("the visit sent later listed on the customer page",
                  lambda: rep.all(css("visit-row") + f'[data-id="{new[0]["id"]}"][data-photos="1"]'), timeout=story.EVENTUAL)
        rep.shot("phone-visit-sent-later")

    with Step("field: a check-in the server refuses (customer archived meanwhile) stops, says why, stays until discarded"):
        other = api.post("/api/v1/customers", {"name": f"{context.customer}-二厂", "industry": "machinery", "region": context.region,
                                               "contacts": [{"name": "赵工", "phone": "13912345670"}]})
        rep.open(f"/customers/{other['id']}")
        rep.test("customer-name")
        rep.click(css("check-in"))
        rep.until("the position", lambda: "30" in rep.text_of("position"))
        offline(rep, True)
        rep.select(css("field-purpose"), value="follow_up")
        pressed = datetime.datetime.now(datetime.timezone.utc)
        rep.click(css("submit-checkin"))
        rep.test("visit-queued")
        api.post(f"/api/v1/customers/{other['id']}/archive", {})
        offline(rep, False)
        rep.until("the refusal shown", lambda: rep.all(css("outbox-item") + '[data-state="failed"]')
                  and rep.test("bundle-error").text.strip(), timeout=story.EVENTUAL)
        if rep.test("queued-offline", visible=False).is_displayed():
            raise StoryFailure("the screen still says there is no connection")
        rep.shot("phone-visit-refused")
        rep.driver.refresh()
        rep.until("still kept after a reload, not retried", lambda: rep.test("outbox-banner").get_attribute("data-count") == "1")
        rep.open("/outbox")
        rep.test("outbox-item", timeout=story.WAIT)
        if not rep.all(css("outbox-item") + '[data-state="failed"]'):
            raise StoryFailure("the refused visit is no longer marked refused after a reload")
        rep.click(css("discard-bundle"))
        story.WebDriverWait(rep.driver, story.WAIT).until(story.EC.alert_is_present()).accept()
        rep.until("the outbox empty", lambda: rep.test("outbox-banner", visible=False).get_attribute("data-count") == "0"
                  and rep.test("outbox-empty").is_displayed())
        if api.visits(other["id"]):
            raise StoryFailure("a visit was recorded at the archived customer")
    rep.close()
