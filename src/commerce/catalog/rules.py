"""Catalog rules with no I/O: field limits, slugs, image URLs, options, derived columns."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from urllib.parse import urlsplit

from commerce.shared.error_codes import ErrorCode
from commerce.shared.errors import Problems
from commerce.shared.text import slugify

PRODUCT_STATUSES = ("DRAFT", "ACTIVE", "ARCHIVED")

MAX_NAME = 250
MAX_SLUG = 255
MAX_DESCRIPTION = 50_000
MAX_URL = 2000
MAX_ALT = 500
MAX_IMAGES = 50
MAX_OPTION_NAMES = 10
MAX_OPTION_TEXT = 100
MAX_SKU = 255
MAX_BARCODE = 255
MAX_VARIANTS_PER_CREATE = 100
MAX_IDS_PER_CALL = 500
# Well below BIGINT and any real price, so arithmetic on sums stays exact everywhere.
MAX_AMOUNT = 10**13
MAX_WEIGHT_GRAMS = 10**9
MAX_STOCK_THRESHOLD = 2**31 - 1

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SKU = re.compile(r"^\S+$")

Path = Sequence[str]


def check_text(problems: Problems, value: str, path: Path, *, max_length: int,
               required: bool = False) -> str:
    """Strip ``value``; report it when required and blank, or too long. Returns it stripped."""
    value = value.strip()
    if required and not value:
        problems.add(ErrorCode.REQUIRED, "must not be blank", path)
    elif len(value) > max_length:
        problems.add(ErrorCode.INVALID, f"must be at most {max_length} characters", path)
    return value


def check_slug(problems: Problems, slug: str, path: Path) -> str:
    slug = slug.strip()
    if not _SLUG.match(slug):
        problems.add(ErrorCode.INVALID,
                     "use lower-case letters, digits and single hyphens, e.g. \"green-tea\"",
                     path)
    elif len(slug) > MAX_SLUG:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_SLUG} characters", path)
    return slug


def slug_base(name: str, fallback: str) -> str:
    """The slug a name suggests, trimmed so that a ``-<n>`` suffix still fits."""
    base = slugify(name)[: MAX_SLUG - 8].strip("-")
    return base or fallback


def first_free_slug(base: str, taken: Collection[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is not taken yet."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def check_status(problems: Problems, status: str, path: Path) -> None:
    if status not in PRODUCT_STATUSES:
        problems.add(ErrorCode.INVALID, f"must be one of {', '.join(PRODUCT_STATUSES)}", path)


def check_image_url(problems: Problems, url: str, path: Path) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        problems.add(ErrorCode.INVALID, "must be an absolute http:// or https:// URL", path)
    elif len(url) > MAX_URL:
        problems.add(ErrorCode.INVALID, f"must be at most {MAX_URL} characters", path)
    return url


def check_option_names(problems: Problems, names: Sequence[str], path: Path) -> list[str]:
    if len(names) > MAX_OPTION_NAMES:
        problems.add(ErrorCode.INVALID, f"at most {MAX_OPTION_NAMES} options", path)
    cleaned: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = check_text(problems, raw, [*path, str(i)], max_length=MAX_OPTION_TEXT,
                          required=True)
        if name.casefold() in seen:
            problems.add(ErrorCode.DUPLICATE, f"option {name!r} is listed twice",
                         [*path, str(i)])
        seen.add(name.casefold())
        cleaned.append(name)
    return cleaned


def check_selected_options(problems: Problems, options: Sequence[tuple[str, str]],
                           allowed: Sequence[str], path: Path) -> list[tuple[str, str]]:
    """Each option names one of the product's options, at most once, with a value."""
    cleaned: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, (raw_name, raw_value) in enumerate(options):
        at = [*path, str(i)]
        name = raw_name.strip()
        if name not in allowed:
            known = ", ".join(allowed) if allowed else "none"
            problems.add(ErrorCode.INVALID,
                         f"{name!r} is not an option of this product (options: {known})",
                         [*at, "name"])
        elif name in seen:
            problems.add(ErrorCode.DUPLICATE, f"option {name!r} is given twice", [*at, "name"])
        seen.add(name)
        value = check_text(problems, raw_value, [*at, "value"], max_length=MAX_OPTION_TEXT,
                           required=True)
        cleaned.append((name, value))
    return cleaned


def check_sku(problems: Problems, sku: str, path: Path) -> str:
    sku = check_text(problems, sku, path, max_length=MAX_SKU, required=True)
    if sku and not _SKU.match(sku):
        problems.add(ErrorCode.INVALID, "must not contain spaces", path)
    return sku


def check_amount(problems: Problems, amount: int | None, path: Path) -> None:
    if amount is not None and not 0 <= amount <= MAX_AMOUNT:
        problems.add(ErrorCode.INVALID, "is out of range", path)


def check_weight(problems: Problems, grams: int | None, path: Path) -> None:
    if grams is not None and not 0 <= grams <= MAX_WEIGHT_GRAMS:
        problems.add(ErrorCode.INVALID, f"must be between 0 and {MAX_WEIGHT_GRAMS}", path)


def duplicates(values: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for value in values:
        (twice if value in seen else seen).add(value)
    return twice


def price_bounds(prices: Sequence[int]) -> tuple[int | None, int | None]:
    """(min, max) over a product's variant prices; (None, None) without variants."""
    if not prices:
        return None, None
    return min(prices), max(prices)


def search_text(name: str, skus: Iterable[str]) -> str:
    """What product search matches substrings in: lower-cased name and SKUs."""
    return " ".join([name.lower(), *(sku.lower() for sku in skus)])
