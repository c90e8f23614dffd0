"""The demo shop as plain data: the same shop for the same seed, no database involved.

``plan_shop`` turns the word lists of ``seed_data`` into row dictionaries; ``commerce.seed``
inserts them. Keeping the plan pure makes the shop deterministic and cheap to reason about.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from commerce.catalog.rules import search_text
from commerce.seed_data import CLOSING_LINES, IMAGE_ALTS, LEAVES, Leaf, Option
from commerce.shared.money import exponent
from commerce.shared.text import slugify

DRAFT_COUNT = 7
ARCHIVED_COUNT = 2
SALE_SHARE = 0.18


@dataclass(slots=True)
class PlannedVariant:
    row: dict[str, Any]
    # (warehouse code, on hand, allocated)
    stock: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass(slots=True)
class PlannedProduct:
    row: dict[str, Any]
    category: str
    leaf: Leaf
    on_sale: bool
    variants: list[PlannedVariant] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)


def _charm(cents: float) -> int:
    """A shop-like price: 1.49, 2.99, 24.99."""
    step = 50 if cents < 1000 else 100
    return max(step - 1, round(cents / step) * step - 1)


def _abbreviation(value: str) -> str:
    """SKU part for an option value: "M", "BLA", "HG" (Heather grey), "50ML", "15L"."""
    words: list[str] = [w for w in re.findall(r"[A-Za-z0-9]+", value.replace(".", ""))
                        if w != "of"]
    if len(words) == 1:
        word = words[0].upper()
        return word if any(c.isdigit() for c in word) or len(word) <= 3 else word[:3]
    return "".join(w.upper() if any(c.isdigit() for c in w) or len(w) <= 2 else w[0].upper()
                   for w in words)


def ean13(number: int) -> str:
    """A valid EAN-13 (GS1 check digit) from a 12-digit number."""
    digits = f"{number:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def _combinations(rng: random.Random, options: tuple[Option, ...], n: int
                  ) -> list[tuple[int, ...]]:
    """Which option values the variants get: value indexes per option, in display order."""
    first = options[0]
    if len(options) == 1:
        return [(i,) for i in sorted(rng.sample(range(len(first.values)),
                                                min(n, len(first.values))))]
    second = options[1]
    # A run of neighbouring sizes in one or two colours, like a real range.
    k2 = 1 if n <= 3 else 2
    k1 = min(math.ceil(n / k2), len(first.values))
    start = rng.randint(0, len(first.values) - k1)
    picked = sorted(rng.sample(range(len(second.values)), k2))
    combos: list[tuple[int, ...]] = [(i, j) for j in picked for i in range(start, start + k1)]
    return combos[:n]


def _stock(rng: random.Random) -> list[tuple[str, int, int]]:
    """Stock rows with nothing allocated: allocations come from the demo orders, placed
    through checkout, so every allocated unit belongs to an order. (The random draws are
    those of the earlier plan, which held units back here, so the shop stays the same.)"""
    roll = rng.random()
    if roll < 0.07:  # sold out, in the ways it happens: no rows, empty, none anywhere
        rng.randint(1, 3)
        return rng.choice([[], [("MAIN", 0, 0)], [("MAIN", 0, 0), ("WEST", 0, 0)]])
    if roll < 0.17:  # running low
        rng.choice([0, 0, 1])
        return [("MAIN", rng.randint(1, 3), 0)]
    on_hand = rng.randint(4, 120)
    held = min(on_hand - 2, rng.choice([0, 0, 0, 1, 2, 5]))
    rows = [("MAIN", on_hand - held, 0)]
    if rng.random() < 0.6:
        rows.append(("WEST", rng.randint(0, 60), 0))
    return rows


class _Planner:
    def __init__(self, currency: str, seed: int) -> None:
        self.rng = random.Random(seed)
        self.currency = currency
        self.scale: int = 10 ** exponent(currency)
        self.barcodes = 501234500000
        self.slugs: set[str] = set()

    def minor(self, cents: int) -> int:
        return cents * self.scale // 100

    def slug(self, name: str) -> str:
        base = slug = slugify(name)
        n = 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def product(self, leaf: Leaf, name: str) -> PlannedProduct:
        rng = self.rng
        options = rng.choice(leaf.option_sets)
        n = len(options[0].values) if not leaf.track_inventory else \
            rng.choices([1, 2, 3, 4, 5], weights=[3, 3, 3, 2, 2])[0]
        combos = _combinations(rng, options, n)
        if len(combos) == 1 and len(options) == 1 and options[0].name_suffix:
            name = f"{name} {options[0].values[combos[0][0]]}"
            options, combos = (), [()]
        on_sale = leaf.track_inventory and rng.random() < SALE_SHARE
        sentences = rng.sample(leaf.blurbs, min(2, len(leaf.blurbs)))
        description = " ".join([*sentences, rng.choice(CLOSING_LINES)])
        product = PlannedProduct(
            row={"name": name, "slug": self.slug(name), "description": description,
                 "status": "ACTIVE", "option_names": [o.name for o in options],
                 "currency": self.currency},
            category=leaf.name, leaf=leaf, on_sale=on_sale)
        base_cents = rng.randint(*leaf.price_cents)
        base_weight = rng.randint(*leaf.weight_grams) if leaf.weight_grams else None
        for position, combo in enumerate(combos):
            product.variants.append(self.variant(product, options, combo, position,
                                                 base_cents, base_weight))
        for k, alt in enumerate(IMAGE_ALTS[: rng.randint(1, 3)]):
            seed = product.row["slug"] if k == 0 else f"{product.row['slug']}-{k + 1}"
            product.images.append({"url": f"https://picsum.photos/seed/{seed}/800/800",
                                   "alt": alt.format(name=name), "position": k})
        return product

    def variant(self, product: PlannedProduct, options: tuple[Option, ...],
                combo: tuple[int, ...], position: int, base_cents: int,
                base_weight: int | None) -> PlannedVariant:
        rng, leaf = self.rng, product.leaf
        factor = 1.0
        for option, index in zip(options, combo, strict=True):
            if option.steps is not None:
                factor *= option.steps[index]
        cents = base_cents * factor
        price = _charm(cents) if leaf.charm_prices else round(cents)
        compare_at = _charm(price * rng.choice([1.25, 1.33, 1.5])) if product.on_sale else None
        values = [{"name": o.name, "value": o.values[i]}
                  for o, i in zip(options, combo, strict=True)]
        self.barcodes += 1
        return PlannedVariant(
            row={
                "barcode": ean13(self.barcodes) if leaf.track_inventory else None,
                "name": " / ".join(v["value"] for v in values),
                "option_values": values,
                "price_amount": self.minor(price),
                "compare_at_amount": None if compare_at is None else self.minor(compare_at),
                "cost_amount": self.minor(round(price * rng.uniform(0.35, 0.6)))
                if leaf.track_inventory else None,
                "currency": self.currency,
                "weight_grams": None if base_weight is None else round(base_weight * factor),
                "track_inventory": leaf.track_inventory,
                "position": position,
                "_abbreviations": [_abbreviation(v["value"]) for v in values],
            },
            stock=_stock(rng) if leaf.track_inventory else [])


def _assign_skus(number: int, product: PlannedProduct) -> None:
    prefix = f"{product.leaf.code}-{number:04d}"
    seen: set[str] = set()
    for k, variant in enumerate(product.variants):
        parts = variant.row.pop("_abbreviations")
        sku = "-".join([prefix, *parts])
        if sku in seen:
            sku = f"{sku}-{k + 1}"
        seen.add(sku)
        variant.row["sku"] = sku
    skus = [v.row["sku"] for v in product.variants]
    prices = [v.row["price_amount"] for v in product.variants]
    product.row.update(search_text=search_text(product.row["name"], skus),
                       min_price=min(prices), max_price=max(prices))


def plan_shop(currency: str, seed: int) -> list[PlannedProduct]:
    """Every product of the demo shop, in insertion order, with variants, stock and images."""
    planner = _Planner(currency, seed)
    products = [planner.product(leaf, name) for leaf in LEAVES for name in leaf.names]
    planner.rng.shuffle(products)  # so "newest" and id order mix the categories
    for number, product in enumerate(products, start=1):
        _assign_skus(number, product)
    hideable = [p for p in products if p.leaf.track_inventory]
    hidden = planner.rng.sample(hideable, DRAFT_COUNT + ARCHIVED_COUNT)
    for k, product in enumerate(hidden):
        product.row["status"] = "DRAFT" if k < DRAFT_COUNT else "ARCHIVED"
        product.on_sale = False
        for variant in product.variants:
            variant.row["compare_at_amount"] = None
    return products
