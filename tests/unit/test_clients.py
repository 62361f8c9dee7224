"""A client for rate limits is a token that changes every minute; its address never goes further
than the first line of the request's handling (survey/web/clients.py)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from survey.web.clients import ENVIRON_KEY, KEY_SECONDS, ClientTokens, client_token, forwarded_address

NOW = 1_800_000_000.0  # some second, at the start of a minute (divisible by 60)


def test_one_address_has_one_token_per_minute_and_another_the_next():
    token = client_token("203.0.113.5", NOW)
    assert token is not None and len(token) == 32 and "203" not in token
    assert client_token("203.0.113.5", NOW + KEY_SECONDS - 1) == token
    assert client_token("203.0.113.5", NOW + KEY_SECONDS) != token
    assert client_token("203.0.113.6", NOW) != token


def test_an_ipv6_client_is_its_slash_64_network():
    token = client_token("2001:db8:1:2::1", NOW)
    assert client_token("2001:db8:1:2:ffff:ffff:ffff:ffff", NOW) == token
    assert client_token("2001:db8:1:3::1", NOW) != token
    assert client_token("::ffff:203.0.113.5", NOW) == client_token("203.0.113.5", NOW)


@pytest.mark.parametrize("address", [None, "", "unix:/run/survey.sock", "not an address", "203.0.113.5, 10.0.0.1"])
def test_what_is_no_address_gives_no_token(address):
    assert client_token(address, NOW) is None


def test_every_process_tree_has_a_seed_of_its_own():
    """Nothing written anywhere makes the tokens: another process gives the same address at the
    same second another token."""
    code = f"from survey.web.clients import client_token; print(client_token('203.0.113.5', {NOW}))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    assert len(other) == 32 and other != client_token("203.0.113.5", NOW)


def test_the_address_is_the_one_the_trusted_proxy_wrote():
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}
    assert forwarded_address(environ, 1) == "203.0.113.5"  # the left one the client made up
    assert forwarded_address(environ, 2) == "6.6.6.6"
    assert forwarded_address(environ, 3) is None
    assert forwarded_address(environ, 0) == "127.0.0.1"  # no proxy: the header proves nothing
    assert forwarded_address({"REMOTE_ADDR": "127.0.0.1"}, 1) is None


def test_the_middleware_leaves_a_token_and_no_address():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return [b""]

    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5", "HTTP_X_REAL_IP": "203.0.113.5",
               "HTTP_FORWARDED": "for=203.0.113.5", "HTTP_HOST": "umfrage.example"}
    ClientTokens(app, proxy_count=1)(environ, lambda *args: None)
    assert seen[ENVIRON_KEY] is not None and len(seen[ENVIRON_KEY]) == 32
    assert "203.0.113.5" not in repr(seen) and "127.0.0.1" not in repr(seen)
    assert seen["HTTP_HOST"] == "umfrage.example"
