"""The web page in headless Chromium (Selenium + Debian chromium-driver), on the real server.

* the calendar question typed in the box gets its answer, the sources panel shows the
  cited passage of the slide deck with the matched words highlighted, a marker [n]
  brings its source into view, « Réponse utile » writes a SQLite row, the buttons show their SVG
  icons and no emoji is on the page; a screenshot is saved;
* the landing view is French (even with an English browser) and offers the example questions;
* a document full of HTML/JS (``<script>``, ``<img onerror>``, ``javascript:`` link) and a
  question with tags are displayed as text: nothing runs, no dialog opens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver  # a dev dependency (pyproject.toml): installed by `make test`
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

CALENDAR = "Quel est le calendrier de signature des contrats de ville ?"
SLIDE_DECK = "002_ade2664f57edfe95.txt"
XSS_DOC = """Note du comité de pilotage <img src=x onerror=window.__pwned=1> et de la gouvernance

Le comité de pilotage du contrat de ville se réunit le 12 février 2024 à la préfecture <script>window.__pwned=1</script> pour valider le programme d'actions.

La charte de gouvernance <img src=x onerror=alert(1)> prévoit une réunion trimestrielle des signataires du contrat de ville.

Un lien [cliquez ici](javascript:window.__pwned=1) et un bouton <button onclick="window.__pwned=1">ok</button> restent du texte, comme <svg onload=window.__pwned=1></svg> et ${window.__pwned=1} ou {{constructor.constructor('window.__pwned=1')()}}.
"""
XSS_QUESTION = "Quand se réunit le comité de pilotage du contrat de ville ?"
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")
# Each page load and each wait for the page: the Gradio front end loading in headless Chromium, then
# one extractive answer (alone on the server: well within conftest.SERVER_TIMEOUT_S), on a loaded machine.
TIMEOUT = 90


def chromedriver_path() -> str:
    path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not os.path.exists(path):  # a failure, never a skip: the README's `make test` installs it
        pytest.fail(
            "chromedriver absent : `make test` l'installe (scripts/install_browser.py, paquet Debian "
            "chromium-driver)",
            pytrace=False,
        )
    return path


def make_driver(chromium_path: str, size: str = "1400,1000", log_requests: bool = False):
    """Headless Debian Chromium through its chromedriver, English UI (the page must turn French itself)."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--window-size={size}",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    if log_requests:  # to list every request the page makes
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver_path()), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    return driver


@pytest.fixture(scope="module")
def browser(chromium_path):
    driver = make_driver(chromium_path, log_requests=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def seeds_server(seeds_assistant, tmp_path_factory):
    from ui.server import serve_in_background

    feedback = tmp_path_factory.mktemp("browser_fb") / "feedback.sqlite"
    demo, url = serve_in_background(seeds_assistant, feedback_path=feedback)
    yield url, feedback
    demo.close()


@pytest.fixture(scope="module")
def xss_server(seeds_assistant, settings_factory, tmp_path_factory):
    from assistant.pipeline import Assistant
    from ui.server import serve_in_background

    folder = tmp_path_factory.mktemp("xss_docs")
    (folder / "note_piegee.txt").write_text(XSS_DOC, encoding="utf-8")
    settings = settings_factory(
        "xss_index", llm="extractive", upload_dir=tmp_path_factory.mktemp("xss_uploads")
    )
    shared = Assistant(settings, embed_model=seeds_assistant.embed_model)
    report = shared.ingest([folder])
    assert report.usable == 1, report.summary()
    demo, url = serve_in_background(
        shared, allow_upload=True, feedback_path=tmp_path_factory.mktemp("xss_fb") / "fb.sqlite"
    )
    yield url
    demo.close()


def wait(driver, condition, timeout=TIMEOUT):
    return WebDriverWait(driver, timeout, poll_frequency=0.3).until(lambda d: condition(d))


def open_app(driver, url):
    driver.get(url)
    box = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#question textarea"))
    wait(driver, lambda d: "documents" in d.find_element(By.ID, "status-line").text)
    return box


def ask(driver, box, question):
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)


def chat_text(driver) -> str:
    return driver.find_element(By.ID, "chatbot").text


def requested_urls(driver) -> list[str]:
    """URLs requested by the page since the last call (Chrome's network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_loopback_only(urls: list[str]):
    outside = [u for u in urls if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))]
    assert not outside, outside  # no fonts, analytics or images fetched from the internet


def assert_nothing_ran(driver):
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    injected = driver.execute_script(
        'return document.querySelectorAll(\'#chatbot img[src="x"], #sources img:not([src^="viewer/page?"]), '
        "#sources script, #chatbot script, #sources button, #documents img, svg[onload]').length"
    )
    assert injected == 0


def test_calendar_question_answer_sources_marker_and_thumbs_up(browser, seeds_server):
    url, feedback = seeds_server
    box = open_app(browser, url)
    ask(browser, box, CALENDAR)
    wait(
        browser,
        lambda d: "31 mars 2024" in chat_text(d) and d.find_elements(By.CSS_SELECTOR, "#chatbot a.cite"),
    )
    cards = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#sources .src-card[id^='src-1-']"))
    deadline = [c for c in cards if "31 mars 2024" in c.text]
    assert deadline, [c.text[:200] for c in cards]
    assert SLIDE_DECK in deadline[0].text  # the cited passage of the slide deck, with its file
    # what is marked is the sentences the answer cites, never the question's words one by one
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#sources mark") if m.text]
    assert any("31 mars 2024" in m for m in marks) and all(len(m.split()) > 3 for m in marks), marks

    # a marker [n] in the answer brings source n into view (and flashes it)
    target = deadline[0].get_attribute("id")
    link = browser.find_element(By.CSS_SELECTOR, f"#chatbot a.cite[href='#{target}']")
    browser.execute_script("window.scrollTo(0, 0)")
    link.click()
    wait(browser, lambda d: "flash" in d.find_element(By.ID, target).get_attribute("class"), 10)
    time.sleep(0.8)  # smooth scrolling
    assert browser.execute_script(
        "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return r.bottom > 0 && r.top < window.innerHeight;",
        target,
    )
    assert len(browser.window_handles) == 1 and browser.current_url.rstrip("/") == url.rstrip("/")
    # inside the source, the sentence the answer relies on is marked and scrolled into view
    cited = [e.text for e in deadline[0].find_elements(By.CSS_SELECTOR, ".src-text .cited")]
    assert any("31 mars 2024" in t for t in cited), cited
    assert browser.execute_script(
        "const card = document.getElementById(arguments[0]);"
        "const box = card.querySelector('.src-text').getBoundingClientRect();"
        "const line = [...card.querySelectorAll('.cited')].find(e => e.textContent.includes('31 mars 2024'))"
        ".getBoundingClientRect();"
        "return line.top >= box.top - 1 && line.top < box.bottom;",
        target,
    )

    # « Réponse utile » on the answer: a row in the SQLite file, with question, answer, citations and settings
    browser.find_element(By.CSS_SELECTOR, "#feedback-comment textarea").send_keys("Très clair pour ma séance")
    browser.find_element(By.ID, "vote-up").click()
    wait(browser, lambda d: "enregistré" in d.find_element(By.ID, "feedback-status").text)
    with sqlite3.connect(feedback) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("SELECT * FROM feedback")]
    assert len(rows) == 1
    row = rows[0]
    assert (
        row["vote"] == "up" and row["question"] == CALENDAR and row["comment"] == "Très clair pour ma séance"
    )
    assert "31 mars 2024" in row["answer"]
    assert SLIDE_DECK in {c["source"] for c in json.loads(row["citations"])}
    assert json.loads(row["settings"])["backend"] == "extractive"

    # icons that render without an emoji font: no emoji in the page, the buttons' SVG icons loaded
    page_text = browser.execute_script("return document.body.innerText")
    assert not EMOJI.findall(page_text), EMOJI.findall(page_text)
    for button in ("new-conversation", "export", "vote-up", "vote-down"):
        loaded = browser.execute_script(
            "const i = document.querySelector(`#${arguments[0]} img`);"
            "return !!i && i.complete && i.naturalWidth > 0 && i.src.endsWith('.svg');",
            button,
        )
        assert loaded, button

    assert_loopback_only(requested_urls(browser))
    shot = save_screenshot(browser, "chat_calendrier.png")
    assert shot.stat().st_size > 10_000
    print(f"capture d'écran : {shot}")


def test_landing_view_is_french_with_examples_and_reset(browser, seeds_server):
    url, _ = seeds_server
    box = open_app(browser, url)
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    landing = chat_text(browser)
    assert CALENDAR in landing and "Comment mobiliser le droit commun ?" in landing
    assert box.get_attribute("placeholder").startswith("Votre question")
    page = browser.find_element(By.TAG_NAME, "body").text
    for french in ("Nouvelle conversation", "Envoyer", "Préparer une séance", "Bibliothèque", "Filtres"):
        assert french in page
    for english in ("Use via API", "Built with Gradio", "Submit", "Clear"):
        assert english not in page
    # an example question runs when clicked
    example = next(
        b for b in browser.find_elements(By.CSS_SELECTOR, "#chatbot button") if "droit commun" in b.text
    )
    example.click()
    wait(browser, lambda d: "[1]" in chat_text(d) and "droit commun" in chat_text(d).lower())
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#sources .src-card"))
    browser.find_element(By.ID, "new-conversation").click()
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#sources .src-card"))
    wait(browser, lambda d: CALENDAR in chat_text(d))  # the landing view with its examples is back


def test_html_and_scripts_in_documents_and_questions_are_shown_as_text(browser, xss_server):
    box = open_app(browser, xss_server)
    ask(browser, box, XSS_QUESTION)
    wait(browser, lambda d: "12 février 2024" in chat_text(d))
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#sources .src-card[id^='src-1-']"))
    text = chat_text(browser)
    assert "<script>window.__pwned=1</script>" in text  # shown, not run
    sources = browser.find_element(By.ID, "sources").text
    assert "<img src=x onerror=" in sources  # the title and the passage, as text
    assert_nothing_ran(browser)

    ask(
        browser,
        box,
        "<img src=x onerror=alert(1)> <script>window.__pwned=2</script> Quand se réunit le "
        "comité de pilotage ?",
    )
    wait(browser, lambda d: "window.__pwned=2" in chat_text(d))
    wait(
        browser,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#chatbot a.cite")) >= 2
            or "Je ne trouve pas" in chat_text(d).split("window.__pwned=2", 1)[1]
        ),
    )
    assert "<img src=x onerror=alert(1)>" in chat_text(browser)
    urls = requested_urls(browser)
    assert_loopback_only(urls)
    assert not [u for u in urls if u.rstrip("/").endswith("/x")]  # no <img src=x> was ever created

    open_tab(browser, "Bibliothèque")
    wait(browser, lambda d: "<img src=x onerror=window.__pwned=1>" in d.find_element(By.ID, "documents").text)
    time.sleep(1)
    assert_nothing_ran(browser)
    save_screenshot(browser, "xss_bibliotheque.png")


def open_tab(driver, label):
    next(b for b in driver.find_elements(By.CSS_SELECTOR, "button[role='tab']") if label in b.text).click()


def save_screenshot(driver, name) -> Path:
    folder = Path(os.environ.get("UI_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "ui_screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / name))
    return folder / name


def test_trainer_workspace_tab_builds_the_timeline(browser, seeds_server):
    url, _ = seeds_server
    open_app(browser, url)
    open_tab(browser, "Préparer une séance")
    theme = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#ws-theme textarea"))
    theme.send_keys("calendrier des contrats de ville")
    browser.find_element(By.ID, "ws-prepare").click()
    timeline = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#workspace .ws-timeline"))
    dates = [e.text for e in timeline.find_elements(By.CSS_SELECTOR, ".ws-date")]
    assert "31 mars 2024" in dates and dates.index("fin octobre 2023") < dates.index("31 mars 2024")
    link = timeline.find_element(By.XPATH, ".//li[span[text()='31 mars 2024']]/a[@class='cite']")
    link.click()
    target = link.get_attribute("href").split("#", 1)[1]
    wait(browser, lambda d: "flash" in d.find_element(By.ID, target).get_attribute("class"), 10)
    assert SLIDE_DECK in browser.find_element(By.ID, "workspace").text
    wait(browser, lambda d: d.find_element(By.ID, "ws-file").is_displayed())
    save_screenshot(browser, "preparer_une_seance.png")


def test_upload_in_the_library_tab_indexes_the_file(browser, xss_server, tmp_path):
    open_app(browser, xss_server)
    open_tab(browser, "Bibliothèque")
    doc = tmp_path / "Fiche conseil citoyen.md"
    doc.write_text(
        "# Fiche conseil citoyen\n\nLe conseil citoyen des Glycines se réunit le 9 mai 2024 en mairie "
        "annexe pour suivre le contrat de ville.\n",
        encoding="utf-8",
    )
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#upload input[type='file']")).send_keys(str(doc))
    wait(browser, lambda d: "Fiche conseil citoyen" in d.find_element(By.ID, "upload").text)
    browser.find_element(By.ID, "upload-ingest").click()
    report = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#upload-report textarea"))
    wait(browser, lambda d: "ajoutés : 1" in report.get_attribute("value"))
    wait(browser, lambda d: "Fiche conseil citoyen" in d.find_element(By.ID, "documents").text)
    assert "2 documents" in browser.find_element(By.ID, "status-line").text


def test_a_100000_character_question_gets_a_clear_message(browser, seeds_server):
    url, _ = seeds_server
    box = open_app(browser, url)
    browser.execute_script(  # pasting 100,000 characters: set the value as the browser would, then send
        "const box = arguments[0];"
        "Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(box, arguments[1]);"
        "box.dispatchEvent(new Event('input', {bubbles: true}));",
        box,
        "Que dit la circulaire ? " * 4200,
    )
    browser.find_element(By.ID, "send").click()
    wait(browser, lambda d: "La question est trop longue" in chat_text(d))
    assert "maximum 2000" in chat_text(browser) and len(chat_text(browser)) < 5000
    ask(
        browser, box, "\x01\x02 Comment mobiliser le droit commun ? \x7f"
    )  # the chat goes on; control characters dropped
    wait(browser, lambda d: "[1]" in chat_text(d))


@pytest.fixture(scope="module")
def time_server(seeds_assistant, settings_factory, tmp_path_factory):
    from time_corpus import write_time_corpus

    from assistant.pipeline import Assistant
    from ui.server import serve_in_background

    shared = Assistant(
        settings_factory("time_index", llm="extractive"), embed_model=seeds_assistant.embed_model
    )
    assert shared.ingest([write_time_corpus(tmp_path_factory.mktemp("time_docs"))]).usable == 4
    demo, url = serve_in_background(shared, feedback_path=tmp_path_factory.mktemp("time_fb") / "fb.sqlite")
    yield url
    demo.close()


def test_the_library_and_the_source_cards_show_which_text_modifies_which(browser, time_server):
    box = open_app(browser, time_server)
    box.send_keys(
        "Pour quelle durée les membres du conseil local des habitants de Valmont sont-ils désignés ?"
    )
    box.send_keys(Keys.ENTER)
    wait(browser, lambda d: "Selon le texte le plus récent" in chat_text(d))
    note = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#sources .src-superseded"))
    assert "Texte modifié par Décret n° 2022-55 du 10 mars 2022" in note.text
    open_tab(browser, "Bibliothèque")
    table = wait(browser, lambda d: d.find_element(By.ID, "documents"))
    wait(browser, lambda d: "modifié par Décret n° 2022-55 du 10 mars 2022" in table.text)
    text = table.text
    assert "modifie Décret n° 2019-101 du 4 février 2019" in text and "2019-101" in text
    assert "Nature" in text and "Liens avec d'autres textes" in text
    save_screenshot(browser, "bibliotheque_relations.png")


@pytest.fixture(scope="module")
def public_library_server(seeds_assistant, seeds_dir, settings_factory, tmp_path_factory):
    """The seeds, ``sample_corpus`` and dev2's legal texts in one library."""
    from conftest import DEV2, SAMPLE

    from assistant.pipeline import Assistant
    from ui.server import serve_in_background

    shared = Assistant(
        settings_factory("public_index", llm="extractive"), embed_model=seeds_assistant.embed_model
    )
    assert shared.ingest([seeds_dir, SAMPLE, DEV2 / "corpus"]).usable == 5 + 8 + 8
    demo, url = serve_in_background(shared, feedback_path=tmp_path_factory.mktemp("public_fb") / "fb.sqlite")
    yield url
    demo.close()


def test_the_library_gives_the_nature_number_date_and_links_of_each_public_text(
    browser, public_library_server
):
    open_app(browser, public_library_server)
    open_tab(browser, "Bibliothèque")
    table = wait(browser, lambda d: d.find_element(By.ID, "documents"))
    wait(browser, lambda d: "decret_2011-628_observatoire_ZUS.txt" in table.text)

    def row(file: str) -> str:
        """The text of the row of ``file``; the table draws only the rows in view: scroll to it."""
        for step in range(40):
            rows = [r.text for r in table.find_elements(By.CSS_SELECTOR, "[role=row]") if file in r.text]
            if rows:
                return " ".join(rows[0].split())
            browser.execute_script(
                "const v = arguments[0].querySelector('.virtual-table-viewport'); if (v) v.scrollTop = arguments[1];",
                table,
                step * 150,
            )
            time.sleep(0.1)
        raise AssertionError(f"{file} absent de la bibliothèque : {table.text[:2000]}")

    # dev2: a decree, its number and date, and the older decree on the same object it follows
    newer = row("decret_2011-628_observatoire_ZUS.txt")
    assert "Décret" in newer and "2011-628" in newer and "1er juin 2011" in newer
    assert "plus récent, sur le même objet, que Décret n° 2004-1135 du 22 octobre 2004" in newer
    older = row("decret_2004-1135_observatoire_ZUS.md")
    assert "texte plus récent sur le même objet : Décret n° 2011-628 du 1er juin 2011" in older
    assert "2004-123" in row("decret_2004-123_ANRU_statuts_extrait.pdf")  # a PDF's identity too
    assert "Loi" in row("loi_2003-710_ville_renovation_urbaine_extrait.pdf")
    # sample_corpus: a synthesis names the circular it is about; a training cycle is one
    synthesis = row("circulaire_31_aout_2023_synthese.md")
    assert "porte sur Circulaire du 31 août 2023 (non indexé)" in synthesis and "31 août 2023" in synthesis
    assert "Support de formation" in row("cycle_engagements_quartiers_2030.html")
    # seeds: a guide of 2016 and a training deck of 2023
    assert "Guide" in row("004_8649248bb84313d8.txt") and "2016" in row("004_8649248bb84313d8.txt")
    assert "Support de formation" in row("002_ade2664f57edfe95.txt") and "18 décembre 2023" in row(
        "002_ade2664f57edfe95.txt"
    )
    save_screenshot(browser, "bibliotheque_corpus_publics.png")


AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(driver, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on the page as it is (rule, help, first elements)."""
    if not AXE.exists():  # a failure, never a skip: `make test` installs it (scripts/install_browser.py)
        pytest.fail("axe-core absent : `make test` l'installe (npm ci dans tests/a11y)", pytrace=False)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const impacts = arguments[0];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations"
        ".filter(v => impacts.includes(v.impact))"
        ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))",
        list(impacts),
    )
    return found


def test_axe_core_finds_no_serious_violation_on_any_tab_with_an_answer_and_its_sources(browser, seeds_server):
    url, _ = seeds_server
    box = open_app(browser, url)
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    ask(browser, box, CALENDAR)
    wait(
        browser,
        lambda d: "31 mars 2024" in chat_text(d) and d.find_elements(By.CSS_SELECTOR, "#sources .src-card"),
    )
    browser.set_script_timeout(TIMEOUT)
    found = {"Questions": serious_violations(browser)}
    for tab in ("Préparer une séance", "Bibliothèque"):
        open_tab(browser, tab)
        wait(
            browser,
            lambda d, tab=tab: any(
                b.get_attribute("aria-selected") == "true" and tab in b.text
                for b in d.find_elements(By.CSS_SELECTOR, "button[role='tab']")
            ),
        )
        found[tab] = serious_violations(browser)
    open_tab(browser, "Questions")
    assert found == {"Questions": [], "Préparer une séance": [], "Bibliothèque": []}, found


def test_with_the_keyboard_alone_a_user_asks_opens_a_source_exports_and_votes(browser, seeds_server):
    url, _ = seeds_server
    open_app(browser, url)
    active = browser.switch_to.active_element
    assert active.tag_name == "textarea"  # the question box has the focus when the page opens
    active.send_keys(CALENDAR)
    active.send_keys(Keys.ENTER)
    wait(
        browser,
        lambda d: "31 mars 2024" in chat_text(d) and d.find_elements(By.CSS_SELECTOR, "#chatbot a.cite"),
    )

    def tab_to(selector: str, most: int = 80):
        for _ in range(most):
            browser.switch_to.active_element.send_keys(Keys.TAB)
            if browser.execute_script(f"return !!document.activeElement.closest({selector!r})"):
                return browser.switch_to.active_element
        raise AssertionError(f"{selector} jamais atteint avec la touche Tab")

    link = tab_to("#chatbot a.cite")
    target = link.get_attribute("href").split("#", 1)[1]
    link.send_keys(Keys.ENTER)  # opens its source: the card comes into view and flashes
    wait(browser, lambda d: "flash" in (d.find_element(By.ID, target).get_attribute("class") or ""))
    tab_to("#export").send_keys(Keys.ENTER)  # the conversation exported as a Markdown file
    wait(browser, lambda d: ".md" in d.find_element(By.ID, "export-file").text)
    tab_to("#vote-up").send_keys(Keys.ENTER)
    wait(browser, lambda d: "enregistré" in d.find_element(By.ID, "feedback-status").text)
    # where the focus is can be seen: the focused button looks different once the focus leaves it
    focus_ring = (
        "const s = getComputedStyle(arguments[0]);"
        "return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | ');"
    )
    button = browser.find_element(By.ID, "vote-up")
    focused = browser.execute_script(focus_ring, button)
    browser.execute_script("arguments[0].blur()", button)
    assert focused != browser.execute_script(focus_ring, button), focused


def test_on_a_phone_the_page_opens_at_its_top_every_tab_shows_and_the_sources_follow_the_answer(
    chromium_path, seeds_server
):
    url, _ = seeds_server
    phone = make_driver(chromium_path, size="390,844")
    # a window is at least 500 px wide: the phone's screen is emulated (390 x 844 CSS pixels, touch)
    phone.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    phone.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    rect = "return arguments[0].getBoundingClientRect().toJSON();"
    try:
        box = open_app(phone, url)
        assert phone.execute_script("return window.innerWidth") == 390
        time.sleep(1.5)  # the question box's autofocus has happened by now
        assert phone.execute_script("return window.scrollY") == 0  # not scrolled past the title
        title = phone.execute_script(rect, phone.find_element(By.CSS_SELECTOR, "#intro h1"))
        assert title["top"] >= 0 and title["bottom"] <= 844, title
        width = phone.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, width  # nothing wider than the phone
        tabs = [t for t in phone.find_elements(By.CSS_SELECTOR, "button[role='tab']") if t.is_displayed()]
        assert {t.text for t in tabs} >= {
            "Questions",
            "Préparer une séance",
            "Bibliothèque",
        }  # none behind « … »
        phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        ask(phone, box, CALENDAR)
        wait(
            phone,
            lambda d: (
                "31 mars 2024" in chat_text(d) and d.find_elements(By.CSS_SELECTOR, "#sources .src-card")
            ),
        )
        place = {
            name: phone.execute_script(rect, phone.find_element(By.ID, name))
            for name in ("chatbot", "ask-row", "sources-column", "feedback")
        }
        # conversation, question box, then the sources, and only then the feedback and the export
        assert place["chatbot"]["bottom"] <= place["ask-row"]["top"] + 1
        assert place["ask-row"]["bottom"] <= place["sources-column"]["top"] + 1
        assert place["sources-column"]["bottom"] <= place["feedback"]["top"] + 1
        bubble = phone.find_elements(By.CSS_SELECTOR, "#chatbot .message")[-1]
        assert phone.execute_script(rect, bubble)["width"] >= 250  # readable, not a narrow strip
        save_screenshot(phone, "telephone_reponse.png")
        for label, shown in (("Préparer une séance", "ws-theme"), ("Bibliothèque", "documents")):
            open_tab(phone, label)
            wait(phone, lambda d, shown=shown: d.find_element(By.ID, shown).is_displayed())
        save_screenshot(phone, "telephone_bibliotheque.png")
    finally:
        phone.quit()


def test_the_chat_buttons_say_what_they_do_in_french(browser, seeds_server):
    url, _ = seeds_server
    box = open_app(browser, url)
    ask(browser, box, CALENDAR)
    wait(browser, lambda d: "31 mars 2024" in chat_text(d))
    labels = browser.execute_script(
        "return [...document.querySelectorAll('#chatbot button')].map(b => (b.getAttribute('aria-label') || '')"
        " + ' ' + (b.getAttribute('title') || '')).join(' | ');"
    )
    assert "Copier le message" in labels and "Copy" not in labels, labels


def test_no_vote_button_under_a_bubble_still_being_written(browser, seeds_server):
    """The vote and copy buttons show under a finished answer, not under a bubble that is still
    being searched for or written (which holds render.WRITING_MARK, as the handler's bubbles do)."""
    from ui.render import WRITING_MARK

    url, _ = seeds_server
    box = open_app(browser, url)
    ask(browser, box, CALENDAR)
    wait(browser, lambda d: "31 mars 2024" in chat_text(d))
    shown = """return [...document.querySelectorAll('#chatbot .bot-row + .message-buttons button')]
        .filter(b => b.offsetParent !== null).map(b => b.getAttribute('aria-label'));"""
    labels = browser.execute_script(shown)
    assert "J'aime" in labels and "Je n'aime pas" in labels, labels
    browser.execute_script(  # the last answer as it looked while it was written
        "const rows = document.querySelectorAll('#chatbot .bot-row');"
        "rows[rows.length - 1].querySelector('.message-content, .md, div').insertAdjacentHTML('beforeend', arguments[0]);",
        WRITING_MARK,
    )
    assert browser.execute_script(shown) == []
