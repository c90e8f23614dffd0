"""The access settings: trusted proxies and the per-account login ceiling."""

from __future__ import annotations

import pytest

from commerce.settings import Settings, SettingsError


def test_trusted_proxies_default_to_loopback_and_parse_addresses_and_networks() -> None:
    assert Settings.from_env({}).trusted_proxies == ("127.0.0.0/8", "::1/128")
    settings = Settings.from_env({
        "COMMERCE_TRUSTED_PROXIES": "10.0.0.7, 172.16.0.0/12,fd00::/8, 127.0.0.1/8"})
    assert settings.trusted_proxies == ("10.0.0.7/32", "172.16.0.0/12", "fd00::/8",
                                        "127.0.0.0/8")
    assert Settings.from_env({"COMMERCE_TRUSTED_PROXIES": ""}).trusted_proxies == ()


@pytest.mark.parametrize(("var", "value"), [
    ("COMMERCE_TRUSTED_PROXIES", "lb.internal"),
    ("COMMERCE_TRUSTED_PROXIES", "10.0.0.0/33"),
    ("COMMERCE_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT", "0"),
])
def test_bad_access_settings_fail_naming_the_variable(var: str, value: str) -> None:
    with pytest.raises(SettingsError, match=var):
        Settings.from_env({var: value})


def test_per_account_and_address_keys_stay_distinct_and_within_the_column() -> None:
    from commerce.accounts.throttle import account_client_key, client_key

    long_email = "a" * 240 + "@example.com"
    keys = {account_client_key(long_email, client_key(f"2001:db8:{i}::1")) for i in range(3)}
    assert len(keys) == 3 and all(len(k) <= 300 for k in keys)
    assert account_client_key("ann@example.com", "ip:192.0.2.1") == \
        "email+ip:ann@example.com|ip:192.0.2.1"
