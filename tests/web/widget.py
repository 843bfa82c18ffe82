"""How the tests use the chat widget on the demo page, in one place."""

import json

from playwright.sync_api import Page, expect

# A bot message bubble (the typing indicator uses the same class).
REPLY = ".rw-message:not(.rw-typing-indication) .rw-response"
USER = ".rw-client"
LAUNCHER = ".rw-launcher"
INPUT = ".rw-new-message"


class Widget:
    def __init__(self, page: Page):
        self.page = page

    def open(self) -> "Widget":
        self.page.locator(LAUNCHER).click()
        expect(self.page.locator(INPUT)).to_be_visible()
        return self

    def replies(self) -> list[str]:
        return self.page.locator(REPLY).all_inner_texts()

    def user_messages(self) -> list[str]:
        return self.page.locator(USER).all_inner_texts()

    def wait_for_replies(self, after: int, containing: str = "", timeout: int = 60_000) -> list[str]:
        """The replies after the first `after` ones, once one contains `containing`."""
        self.page.wait_for_function(
            """([selector, after, text]) => {
                const replies = [...document.querySelectorAll(selector)].slice(after);
                return replies.length > 0 && replies.some(r => r.innerText.includes(text));
            }""",
            arg=[REPLY, after, containing],
            timeout=timeout,
        )
        return self.replies()[after:]

    def greeting(self) -> str:
        return self.wait_for_replies(0, "automated assistant")[0]

    def ask(self, text: str) -> int:
        """Type and send `text`; returns how many replies there were before."""
        before = len(self.replies())
        box = self.page.locator(INPUT)
        box.fill(text)
        box.press("Enter")
        expect(self.page.locator(USER).last).to_have_text(text)
        return before

    def click_reply(self, title: str) -> int:
        before = len(self.replies())
        self.page.locator(".rw-reply", has_text=title).last.click()
        return before

    def session_id(self) -> str | None:
        stored = self.page.evaluate("sessionStorage.getItem('chat_session')")
        return json.loads(stored)["session_id"] if stored else None
