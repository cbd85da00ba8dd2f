"""Data completeness (数据完整率, issue 10): the supervisor reads the completeness report (each rep's average against the
95% target line), opens the story's rep to their least complete customers and what those miss, follows one to the
customer page (its score and the missing items in words), and finds the month's data star on the dashboard."""
from selenium.webdriver.common.by import By

import story
from story import Step, css


def run(context):
    sup_user, sup_name = context.names["sup"]
    rep_name = context.rep_name
    sup = context.browser("completeness-supervisor", story.DESKTOP, phone=False)
    try:
        rep_row = css("completeness-rep") + f'[data-name="{rep_name}"]'
        with Step("the supervisor opens the completeness report: the rep with a score, the 95% target line"):
            sup.sign_in(sup_user, story.PASSWORD)
            sup.open("/completeness")
            sup.test("completeness-reps")
            row = sup.find(rep_row)
            average = row.find_element(By.CSS_SELECTOR, css("rep-average")).text
            if not average.endswith("%"):
                raise story.StoryFailure(f"the rep's average reads {average!r}, not a percent")
            sup.find(css("target-line"), visible=False)
            legend = sup.page_text()
            if "目标 95.00%" not in legend:
                raise story.StoryFailure(f"no 95% target on the report: {legend[:400]}")
            if not sup.all(css("completeness-overall")):
                raise story.StoryFailure("no overall completeness on the report")
            sup.shot("desktop-completeness")

        with Step("the rep opens to their least complete customers, each with what it misses"):
            sup.click(rep_row + " summary")
            sup.find(rep_row + " " + css("worst-customer"))
            # The story's customer, unless other stories gave the rep five customers with less data.
            mine = sup.all(rep_row + " " + css("worst-customer") + f'[data-name="{context.customer}"]')
            customer = mine[0] if mine else sup.all(rep_row + " " + css("worst-customer"))[0]
            name = customer.get_attribute("data-name")
            missing = customer.find_element(By.CSS_SELECTOR, css("worst-missing")).text
            if not (missing.startswith("缺少：") or missing == "资料齐全"):
                raise story.StoryFailure(f"the story's customer's gaps read {missing!r}")
            sup.shot("desktop-completeness-rep-open")

        with Step("the customer page shows its completeness and the missing items in words"):
            sup.click(rep_row + " " + css("worst-customer") + f'[data-name="{name}"]')
            sup.until("the customer page", lambda: sup.text_of("customer-name") == name)
            score = sup.text_of("completeness-score")
            gaps = sup.text_of("completeness-missing")
            if not score.endswith("%"):
                raise story.StoryFailure(f"the customer's score reads {score!r}")
            if gaps != missing:
                raise story.StoryFailure(f"the customer page says {gaps!r}, the report said {missing!r}")
            if "creditCode" in gaps or "recentVisit" in gaps:
                raise story.StoryFailure(f"missing items shown as field names, not words: {gaps!r}")
            sup.shot("desktop-customer-completeness")

        with Step("the dashboard names the month's data star and the overall completeness against the target"):
            sup.open("/dashboard")
            panel = sup.test("panel-completeness")
            best = sup.find(css("panel-completeness") + " " + css("best-rep"))
            if best.get_attribute("data-name") not in (rep_name, sup_name):
                raise story.StoryFailure(f"the data star is {best.get_attribute('data-name')!r}, not someone of the supervisor's team")
            if "%" not in panel.text or "95.00%" not in panel.text:
                raise story.StoryFailure(f"the panel lacks the overall figure or the target: {panel.text!r}")
            sup.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", panel)
            sup.shot("desktop-dashboard-completeness")

        with Step("on a phone the report fits the screen"):
            sup.resize(story.PHONE, phone=True)
            sup.open("/completeness")
            sup.find(rep_row)
            story.check_touch_targets(sup, "completeness report")
            sup.shot("phone-completeness")
    finally:
        sup.close()
