"""Taxes follow the normalised address: an area written out or made up cannot dodge them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select, update

from commerce.cart import service
from commerce.cart.rules import LineRequest
from commerce.cart.service import NewCart
from commerce.db.database import Database
from commerce.db.models import Cart, TaxRate
from commerce.settings import Settings
from commerce.shared.addresses import AddressData
from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import DomainError
from commerce.shipping import taxes
from commerce.shipping.rules import TaxRateData
from tests.cart_factories import cart_row
from tests.integration.test_cart_service import quote_of
from tests.order_factories import ADDRESS, Shop, make_shop, make_variant

SAN_FRANCISCO = AddressData(first_name="Maria", last_name="Garcia",
                            street_address_1="1200 Market Street", city="San Francisco",
                            country_code="US", country_area="California", postal_code="94102")


@pytest.fixture
async def shop(db: Database) -> Shop:
    shop = await make_shop(db)
    async with db.transaction() as s:  # the US has no federal sales tax; California has
        s.add_all([TaxRate(country_code="US", country_area="", rate_bp=0),
                   TaxRate(country_code="US", country_area="CA", rate_bp=725,
                           applies_to_shipping=False)])
    return shop


async def test_a_state_written_out_is_stored_as_its_code_and_pays_its_rate(
        db: Database, shop: Shop, settings: Settings) -> None:
    variant = await make_variant(db, shop, price=10_000)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(variant, 1)],
                                                  shipping_address=SAN_FRANCISCO))

    assert (await cart_row(db, token)).shipping_address["country_area"] == "CA"  # type: ignore[index]
    quote = await quote_of(db, token, settings)
    assert quote.tax is not None and quote.tax.rate_bp == 725
    assert quote.breakdown.tax == 725


@pytest.mark.parametrize("area", ["XX", "Californa", ""])
async def test_an_unknown_or_missing_state_is_a_field_error_and_changes_nothing(
        db: Database, shop: Shop, area: str) -> None:
    variant = await make_variant(db, shop)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(variant, 1)],
                                                  shipping_address=SAN_FRANCISCO))

    with pytest.raises(DomainError) as caught:
        await service.update_shipping_address(db, token, replace(SAN_FRANCISCO,
                                                                 country_area=area))

    assert [(p.code, p.field) for p in caught.value.problems] == [
        (ErrorCode.INVALID if area else ErrorCode.REQUIRED, ("shippingAddress", "countryArea"))]
    assert (await cart_row(db, token)).shipping_address["country_area"] == "CA"  # type: ignore[index]


async def test_a_postal_code_from_another_state_is_a_field_error(db: Database,
                                                                 shop: Shop) -> None:
    variant = await make_variant(db, shop)
    with pytest.raises(DomainError) as caught:
        await service.create_cart(db, NewCart(
            lines=[LineRequest(variant, 1)],
            shipping_address=replace(SAN_FRANCISCO, postal_code="10001")))  # Manhattan
    assert [(p.code, p.field) for p in caught.value.problems] == [
        (ErrorCode.INVALID, ("shippingAddress", "postalCode"))]


async def test_an_address_stored_before_normalisation_still_finds_its_region(
        db: Database, shop: Shop, settings: Settings) -> None:
    variant = await make_variant(db, shop, price=10_000)
    token = await service.create_cart(db, NewCart(lines=[LineRequest(variant, 1)]))
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(shipping_address={
            **ADDRESS, "city": "San Francisco", "postal_code": "94102",
            "country_area": "California"}))

    quote = await quote_of(db, token, settings)
    assert quote.tax is not None and quote.tax.rate_bp == 725


async def test_a_regional_tax_rate_is_stored_under_the_areas_code(db: Database) -> None:
    await taxes.tax_rate_create(db, TaxRateData(country_code="US", country_area="New York",
                                                rate_bp=400))
    async with db.transaction() as s:
        assert await s.scalar(select(TaxRate.country_area)) == "NY"
    with pytest.raises(DomainError) as caught:
        await taxes.tax_rate_create(db, TaxRateData(country_code="US", country_area="XX",
                                                    rate_bp=400))
    assert [(p.code, p.field) for p in caught.value.problems] == [
        (ErrorCode.INVALID, ("countryArea",))]


async def test_checkout_refuses_a_stored_address_that_no_longer_passes(
        db: Database, shop: Shop, settings: Settings) -> None:
    # A cart saved before addresses were checked, with an area no tax rate can match.
    from commerce.checkout.service import complete_checkout
    from commerce.db.models import Order
    from tests.order_factories import make_cart

    variant = await make_variant(db, shop)
    token = await make_cart(db, shop, {variant: 1})
    async with db.transaction() as s:
        await s.execute(update(Cart).where(Cart.token == token).values(
            shipping_address={**ADDRESS, "country_area": "XX"}))

    with pytest.raises(DomainError) as caught:
        await complete_checkout(db, token, settings=settings)

    [problem] = caught.value.problems
    assert problem.code is ErrorCode.INVALID and "countryArea" in problem.message
    async with db.transaction() as s:
        assert (await s.execute(select(Order.id))).all() == []
