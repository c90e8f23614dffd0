"""Carrier registry: tracking-number normalisation, per-carrier formats, tracking URLs."""

from __future__ import annotations

import pytest

from commerce.shipping.carriers import (
    CARRIERS,
    Carrier,
    InvalidTrackingNumber,
    UnknownCarrier,
    is_valid_tracking_number,
    normalise_tracking_number,
    parse_carrier,
    s10_check_digit,
    tracking_url,
)


def test_every_carrier_is_registered_with_a_name() -> None:
    assert set(CARRIERS) == set(Carrier)
    assert {c.name for c in CARRIERS.values()} >= {
        "UPS", "FedEx", "USPS", "DHL Express", "Canada Post", "Royal Mail", "Other"}
    for carrier, info in CARRIERS.items():
        assert info.carrier is carrier
        template = info.tracking_url_template
        assert template is None or (template.startswith("https://")
                                    and template.count("{number}") == 1)


@pytest.mark.parametrize(("carrier", "raw", "url"), [
    (Carrier.UPS, "1z 999 aa1 01-2345-6784",
     "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784"),
    (Carrier.FEDEX, "1234 5678 9012",
     "https://www.fedex.com/fedextrack/?trknbr=123456789012"),
    (Carrier.USPS, "9400 1000 0000 0000 0000 00",
     "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000000"),
    (Carrier.DHL, "12-3456-7890",
     "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
     "?submit=1&tracking-id=1234567890"),
    (Carrier.CANADA_POST, "1234 5678 9012 3456",
     "https://www.canadapost-postescanada.ca/track-reperage/en#/search"
     "?searchFor=1234567890123456"),
    (Carrier.ROYAL_MAIL, "rr 123 456 785 gb",
     "https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB"),
])
def test_tracking_urls_use_the_normalised_number(carrier: Carrier, raw: str, url: str) -> None:
    assert tracking_url(carrier, raw) == url


def test_other_has_no_tracking_page_but_keeps_the_number() -> None:
    assert tracking_url(Carrier.OTHER, "abc-123") is None
    assert normalise_tracking_number(Carrier.OTHER, " abc-123 ") == "ABC123"


@pytest.mark.parametrize("bad", ["1Z999AA1012345678&x=1", "1234567890#frag", "../../etc/x",
                                 "1Z999AA10123456784?", "1Z999AA10123456784%00", "a/b?c=d"])
def test_url_significant_characters_never_reach_a_url(bad: str) -> None:
    # Normalised numbers are [A-Z0-9] only (and URL-encoded on top), so nothing a user
    # types can add a parameter, a fragment or a path to the carrier's link.
    for carrier in Carrier:
        with pytest.raises(InvalidTrackingNumber):
            tracking_url(carrier, bad)


@pytest.mark.parametrize("raw", ["", "   ", "---", "ab1", "A" * 41, "ÄBCD1234", "ab_cd12",
                                 "12345678\x00"])
def test_the_lenient_rule_refuses_junk(raw: str) -> None:
    with pytest.raises(InvalidTrackingNumber):
        normalise_tracking_number(Carrier.OTHER, raw)


@pytest.mark.parametrize("raw", ["abcd", "A" * 40, "x1-y2 z3\tw4"])
def test_the_lenient_rule_accepts_4_to_40_letters_and_digits(raw: str) -> None:
    number = normalise_tracking_number(Carrier.OTHER, raw)
    assert number.isalnum() and number == number.upper() and 4 <= len(number) <= 40


@pytest.mark.parametrize(("carrier", "good", "bad"), [
    (Carrier.UPS, ["1Z999AA10123456784", "1zabcdefabcdefabcd"],
     ["1Z999AA1012345678", "1Z999AA101234567845", "2Z999AA10123456784", "123456789012"]),
    (Carrier.FEDEX, ["123456789012", "123456789012345", "9" * 20, "9" * 22, "9" * 34],
     ["12345678901", "12345678901A", "9" * 13, "1Z999AA10123456784"]),
    (Carrier.USPS, ["9400100000000000000000", "9" * 20, "42090210" + "9" * 22,
                    "420902101234" + "9" * 22, "EA123456785US", "RR123456785GB"],
     ["9" * 19, "EA123456784US", "1Z999AA10123456784"]),
    (Carrier.DHL, ["1234567890", "JD014600006281230704", "JJD0123456789"],
     ["123456789", "12345678901", "1Z999AA10123456784", "JX0123456789"]),
    (Carrier.CANADA_POST, ["1234567890123456", "123456789012", "RR123456785CA"],
     ["12345678901234567", "1234", "RR123456784CA"]),
    (Carrier.ROYAL_MAIL, ["RR123456785GB", "AB000000005GB"],
     ["RR123456784GB", "123456789012", "RR12345678GB", "R1123456785GB"]),
])
def test_carrier_formats(carrier: Carrier, good: list[str], bad: list[str]) -> None:
    for number in good:
        assert is_valid_tracking_number(carrier, number), number
    for number in bad:
        assert not is_valid_tracking_number(carrier, number), number


def test_s10_check_digit() -> None:
    # The UPU S10 example: RR 12345678 5 GB.
    assert s10_check_digit("12345678") == 5
    assert s10_check_digit("00000000") == 5  # 11 - 0 -> 11 -> 5
    # Weights 8,6,4,2,3,5,9,7: 1*2 = 2 -> 11 - 2 = 9; 1*8 + 1*4 = 12 = 1 (mod 11) -> 10 -> 0.
    assert s10_check_digit("00010000") == 9
    assert s10_check_digit("10100000") == 0
    with pytest.raises(ValueError):
        s10_check_digit("1234567")


def test_a_wrong_check_digit_is_named_as_such() -> None:
    with pytest.raises(InvalidTrackingNumber, match="check digit"):
        normalise_tracking_number(Carrier.ROYAL_MAIL, "RR123456784GB")


@pytest.mark.parametrize(("name", "carrier"), [
    ("UPS", Carrier.UPS), ("ups", Carrier.UPS), ("canada-post", Carrier.CANADA_POST),
    ("CANADA_POST", Carrier.CANADA_POST), ("royal-mail", Carrier.ROYAL_MAIL),
    (" fedex ", Carrier.FEDEX), ("other", Carrier.OTHER),
])
def test_parse_carrier(name: str, carrier: Carrier) -> None:
    assert parse_carrier(name) is carrier
    assert parse_carrier(carrier.slug) is carrier


@pytest.mark.parametrize("name", ["", "dpd", "canada post", "UPS2"])
def test_unknown_carriers_are_refused(name: str) -> None:
    with pytest.raises(UnknownCarrier):
        parse_carrier(name)


def test_the_number_is_url_encoded_into_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    # Belt and braces: even a number that slipped past normalisation cannot change the URL.
    import commerce.shipping.carriers as carriers

    monkeypatch.setattr(carriers, "normalise_tracking_number", lambda _c, _n: "A B&c=1#/x")
    assert tracking_url(Carrier.UPS, "ignored") == (
        "https://www.ups.com/track?loc=en_US&tracknum=A%20B%26c%3D1%23%2Fx")
