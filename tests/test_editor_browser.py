"""The browser editor in a real browser: headless Chromium (Debian's chromium and
chromium-driver, installed by `make`) driven by Selenium, against `policygen edit` run as a
process on a loopback port, on a copy of examples/bank.yaml in a git repository. One page load
serves every test of the module, in order: they edit the same profile as a person would, then
make a new one from the starter and download its contract. Screenshots of the main screens
(the form and preview, the errors, the clause library, the comparison and the check panels)
are left in POLICYGEN_SCREENSHOTS, else a temporary folder."""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from conftest import EXAMPLES, ROOT
from sample_docs import HOSTILE

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromium-driver are not installed"
)

WAIT = 15.0
NEW_NAME = "明远数字银行股份有限公司"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workspace")
    shutil.copy(EXAMPLES / "bank.yaml", folder / "bank.yaml")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["init", "-q"], ["add", "bank.yaml"], ["commit", "-qm", "v1"]):
        subprocess.run([*git, *command], cwd=folder, check=True, env=env)
    return folder


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser saves what the page's download buttons give."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def editor_url(workspace: Path) -> Iterator[str]:
    """Run ``policygen edit bank.yaml`` on a free loopback port; yield its address."""
    log = workspace.parent / "editor.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *sys.path])}
    command = [
        sys.executable,
        "-m",
        "policygen",
        "edit",
        str(workspace / "bank.yaml"),
        "--port",
        "0",
        "--no-browser",
    ]
    with (
        log.open("w") as errors,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
        ) as process,
    ):
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            assert found, line + log.read_text()
            yield found.group(0)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(editor_url: str, downloads: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # every request made
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get(editor_url)
        wait(driver).until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true"
        )
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests leave screenshots of the main screens (not committed)."""
    folder = Path(os.environ.get("POLICYGEN_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def preview_text(driver: WebDriver) -> str:
    """Return the text of the document the preview frame shows."""
    text = driver.execute_script(
        "const d = document.getElementById('preview').contentDocument;"
        "return d && d.body ? d.body.textContent : ''"
    )
    return str(text)


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT, poll_frequency=0.1)


def field(driver: WebDriver, path: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'.field[data-path="{path}"]')


def retype(driver: WebDriver, name: str, text: str) -> None:
    control = driver.find_element(By.NAME, name)
    driver.execute_script(  # open the cards and sections around it, as a person would
        "for (let n = arguments[0]; n; n = n.parentElement) if (n.tagName === 'DETAILS') n.open = true;"
        "arguments[0].scrollIntoView({block: 'center'})",
        control,
    )
    control.clear()
    control.send_keys(text)


def test_page_opens_the_profile_and_previews_a_contract(browser: WebDriver, shots: Path) -> None:
    name = browser.find_element(By.NAME, "organisation.name")
    assert name.get_attribute("value") == "明远商业银行股份有限公司"
    wait(browser).until(lambda d: "数据中心运行维护服务外包合同" in preview_text(d))
    chooser = browser.find_element(By.ID, "document")
    wait(browser).until(lambda d: chooser.get_attribute("value") == "contract|MY-ITO-2026-001|zh")
    # The form is the schema's: a section per top-level key, lists as tables.
    assert browser.find_element(By.CSS_SELECTOR, 'details[data-path="engagements"]')
    assert browser.find_elements(
        By.CSS_SELECTOR, '[data-path="vendor_selection.criteria"] tbody tr'
    )
    # Offline: every resource the page loaded came from the editor itself.
    origin = browser.execute_script("return location.origin")
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert loaded and all(url.startswith(origin) for url in loaded), loaded
    assert browser.save_screenshot(str(shots / "editor.png"))


def test_an_edit_shows_in_the_preview_highlighted(browser: WebDriver) -> None:
    retype(browser, "organisation.name", NEW_NAME)
    wait(browser).until(lambda d: NEW_NAME in preview_text(d))
    frame = browser.find_element(By.ID, "preview")
    wait(browser).until(lambda d: frame.get_attribute("data-changed") != "0")
    assert not browser.find_element(By.ID, "dirty").get_attribute("hidden")


def test_an_invalid_value_is_shown_at_its_field_and_in_the_list(
    browser: WebDriver, shots: Path
) -> None:
    where = "engagements[0].vendor.credit_code"
    retype(browser, where, "91440300MA5G8K3LX")  # one character short
    wait(browser).until(lambda d: "has-error" in (field(d, where).get_attribute("class") or ""))
    message = field(browser, where).find_element(By.CSS_SELECTOR, ".field-error").text
    assert message
    links = browser.find_elements(By.CSS_SELECTOR, "#error-list a")
    assert [link.get_attribute("data-path") for link in links] == [where]
    assert message in links[0].text
    assert browser.save_screenshot(str(shots / "errors.png"))
    links[0].click()
    assert browser.switch_to.active_element.get_attribute("name") == where
    retype(browser, where, "91440300MA5G8K3LXG")
    wait(browser).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".has-error"))
    assert browser.find_element(By.ID, "errors").get_attribute("hidden") is not None


def test_enum_labels_from_the_schema(browser: WebDriver) -> None:
    """Labels for enum values are read from x-enum-labels, or from oneOf with const and title."""
    schema = {
        "properties": {
            "a": {"enum": ["annual", "monthly"], "x-enum-labels": {"annual": "每年"}},
            "b": {"oneOf": [{"const": "banking", "title": "银行业"}, {"const": "other"}]},
            "c": {"anyOf": [{"const": "ITO", "title": "信息技术外包"}, {"type": "null"}]},
        }
    }
    labels = browser.execute_async_script(
        """const [schema, done] = arguments;
        import("/editor/static/form.js").then(({ SchemaForm }) => {
          const root = document.createElement("div");
          new SchemaForm(schema, root, () => {}).render({ a: "annual" });
          done([...root.querySelectorAll("option")].map((o) => o.textContent));
        });""",
        schema,
    )
    assert labels == ["（未填写）", "每年（annual）", "monthly", "（未填写）", "银行业（banking）",
                      "other", "（未填写）", "信息技术外包（ITO）"]  # fmt: skip


def test_saving_changes_only_the_edited_line(browser: WebDriver, workspace: Path) -> None:
    browser.find_element(By.ID, "save").click()
    wait(browser).until(lambda d: "已保存" in d.find_element(By.ID, "status").text)
    before = (EXAMPLES / "bank.yaml").read_text(encoding="utf-8").splitlines()
    after = (workspace / "bank.yaml").read_text(encoding="utf-8").splitlines()
    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == ["-  name: 明远商业银行股份有限公司", f"+  name: {NEW_NAME}"]
    assert browser.find_element(By.ID, "dirty").get_attribute("hidden") is not None


def test_the_comparison_with_the_last_commit(browser: WebDriver, shots: Path) -> None:
    browser.find_element(By.CSS_SELECTOR, '[data-tab="compare"]').click()
    browser.find_element(By.ID, "compare-run").click()
    wait(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-results tr.status-changed")
    )
    assert "contract-MY-ITO-2026-001" in browser.find_element(By.ID, "compare-status").text
    assert browser.save_screenshot(str(shots / "compare.png"))
    browser.find_element(By.CSS_SELECTOR, '[data-tab="preview"]').click()


def test_excluding_a_clause_in_the_library_removes_it_from_the_preview(
    browser: WebDriver, shots: Path
) -> None:
    def in_preview(d: WebDriver) -> bool:
        return bool(
            d.execute_script(
                "return document.getElementById('preview').contentDocument"
                ".getElementById('contract-compliance') !== null"
            )
        )

    assert in_preview(browser)
    browser.find_element(By.CSS_SELECTOR, '[data-tab="clauses"]').click()
    row = '#clause-rows tr[data-clause="contract-compliance"]'
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
    assert "《" in browser.find_element(By.CSS_SELECTOR, row).text  # its legal basis
    assert browser.save_screenshot(str(shots / "clauses.png"))
    browser.find_element(By.CSS_SELECTOR, f"{row} .tools button").click()
    wait(browser).until(lambda d: not in_preview(d))
    assert browser.find_element(By.NAME, "clauses.exclude").get_attribute("value") == (
        "contract-compliance"
    )
    browser.find_element(By.CSS_SELECTOR, '[data-tab="preview"]').click()


def test_hostile_text_stays_text(browser: WebDriver) -> None:
    """Profile text that looks like markup is shown as text, in the form and the preview."""
    markup = '<img src=x onerror="document.title=1">'
    services = browser.find_element(By.NAME, "engagements[0].services")
    vendor = browser.find_element(By.NAME, "engagements[0].vendor.name")
    browser.execute_script(  # typed at once (𠮷 is beyond what chromedriver can type)
        "for (const [control, text] of arguments[0]) {"
        "  control.value = text;"
        "  control.dispatchEvent(new Event('input', {bubbles: true}));"
        "}",
        [[services, markup], [vendor, HOSTILE]],
    )
    wait(browser).until(lambda d: markup in preview_text(d) and HOSTILE in preview_text(d))
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.title != "1"
    assert not browser.find_elements(By.CSS_SELECTOR, "img[src=x]")
    found = browser.execute_script(
        "return document.getElementById('preview').contentDocument.querySelectorAll('img').length"
    )
    assert found == 0
    control = browser.find_element(By.NAME, "engagements[0].services")
    assert markup in (control.get_attribute("value") or "")


def test_a_new_profile_from_the_starter_to_a_bilingual_contract_docx(
    browser: WebDriver, workspace: Path, downloads: Path, shots: Path
) -> None:
    """新建 from the starter; a mistake shown at its field and gone once fixed; the preview in
    中英文对照; the check panel; saved; the contract downloaded by its button and read."""
    browser.find_element(By.ID, "new-file").click()
    browser.switch_to.alert.accept()  # the profile before is not saved: open another anyway
    prompt = browser.switch_to.alert
    prompt.send_keys("draft.yaml")
    prompt.accept()
    wait(browser).until(lambda d: d.find_element(By.ID, "file-name").text == "draft.yaml")
    wait(browser).until(lambda d: "EX-2026-001" in preview_text(d))
    assert (workspace / "draft.yaml").is_file()

    where = "engagements[0].fee.tax_rate"
    retype(browser, where, "六")
    wait(browser).until(lambda d: "has-error" in (field(d, where).get_attribute("class") or ""))
    assert field(browser, where).find_element(By.CSS_SELECTOR, ".field-error").text
    retype(browser, where, "6")
    wait(browser).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".has-error"))

    name = "北辰数字科技股份有限公司"
    retype(browser, "organisation.name", name)
    wait(browser).until(lambda d: name in preview_text(d))
    browser.find_element(By.CSS_SELECTOR, '#lang option[value="zh+en"]').click()
    wait(browser).until(lambda d: "Party A" in preview_text(d) and name in preview_text(d))
    chooser = browser.find_element(By.ID, "document")
    assert chooser.get_attribute("value") == "contract|EX-2026-001|zh+en"

    browser.find_element(By.CSS_SELECTOR, '[data-tab="check"]').click()
    browser.find_element(By.ID, "check-run").click()
    wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#check-results tr.covered"))
    # In 中英文对照 the starter's texts have no English: the panel lists them.
    untranslated = browser.find_elements(By.CSS_SELECTOR, "#check-results table.untranslated td")
    assert any("EX-2026-001" in cell.text for cell in untranslated)
    assert "没有英文译文" in browser.find_element(By.ID, "check-status").text
    assert browser.save_screenshot(str(shots / "check.png"))
    browser.find_element(By.CSS_SELECTOR, '[data-tab="preview"]').click()

    browser.find_element(By.ID, "save").click()
    wait(browser).until(lambda d: "已保存 draft.yaml" in d.find_element(By.ID, "status").text)
    assert f"name: {name}" in (workspace / "draft.yaml").read_text(encoding="utf-8")

    browser.find_element(By.CSS_SELECTOR, '[data-download="docx"]').click()
    saved = downloads / "contract-EX-2026-001-zh+en.docx"
    wait(browser).until(
        lambda d: saved.is_file() and "已下载" in d.find_element(By.ID, "status").text
    )
    paragraphs = [p.text for p in Document(io.BytesIO(saved.read_bytes())).paragraphs]
    assert any(name in p for p in paragraphs)
    assert any("Party A" in p for p in paragraphs) and any("甲方" in p for p in paragraphs)


def test_every_request_the_page_made_went_to_the_editor(browser: WebDriver) -> None:
    """Offline: what the browser fetched in this session (the page, its scripts and styles,
    the API calls, the preview frames' resources) all came from the editor's own origin."""
    origin = browser.execute_script("return location.origin")
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert any(u.endswith("/editor/api/download") for u in urls), urls
    outside = [u for u in urls if not u.startswith((origin + "/", "data:", "blob:" + origin))]
    assert not outside, outside
