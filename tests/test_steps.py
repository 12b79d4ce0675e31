"""The real websites the kit names: one list (steps.real_websites), and every address the kit
writes is on it, so the browser walk, which has no network, can tell a right link from a
mistyped one."""

from __future__ import annotations

import re

import pytest

from mturklink_helpers import errors, failures, fees, steps
from mturklink_helpers.endpoints import Environment

ADDRESS = re.compile(r"https?://[^\s<>\"')]+")


def addresses_in(*texts: str) -> set[str]:
    return {m.rstrip(".,;:") for text in texts for m in ADDRESS.findall(text)}


def test_every_address_the_kit_writes_is_a_known_real_website():
    texts = [s.fix + " " + s.summary for s in failures.FAILURES]
    texts += [" ".join(s.sub_steps) for s in steps.STEPS]
    texts += errors._ADVICE.values()  # the classifier's sentences
    texts += [fees.PREPAY_PAGE, *(url for s in steps.STEPS for _label, url in s.websites)]
    found = addresses_in(*texts)
    assert steps.PREPAID_HITS in found and steps.DEVELOPER_PAGE in found
    assert {url for url in found if not steps.is_real_website(url)} == set()


@pytest.mark.parametrize("environment", list(Environment))
def test_mturks_pages_are_known_with_any_hit(environment):
    for url in (environment.preview_url("3ABCHITTYPE"), environment.manage_url("3HIT"),
                environment.manage_url(), environment.developer_page):
        assert steps.is_real_website(url), url


@pytest.mark.parametrize("url", [
    "http://requester.mturk.com/developer",  # not https
    "https://requester.mturk.com.evil.example/developer",  # another host
    "https://someone@requester.mturk.com/developer",
    "https://requester.mturk.com:8443/developer",
    "https://requester.mturk.com/developer extra",
    "https://requester.mturk.com/developers",  # a page the kit never names
    "https:/requester.mturk.com/developer",
    "",
])
def test_anything_else_is_not(url):
    assert not steps.is_real_website(url)


def test_known_addresses_in_text_become_links_that_open_a_new_tab():
    text = ("Register at https://requestersandbox.mturk.com/developer, then see "
            "(https://www.mturk.com/contact-us). Not https://example.com/x.")
    linked = steps.link_websites(text)
    assert linked == (
        "Register at <a href='https://requestersandbox.mturk.com/developer' target='_blank' "
        "rel='noopener'>https://requestersandbox.mturk.com/developer</a>, then see "
        "(<a href='https://www.mturk.com/contact-us' target='_blank' rel='noopener'>"
        "https://www.mturk.com/contact-us</a>). Not https://example.com/x.")
