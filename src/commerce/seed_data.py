"""Word lists for the demo shop (pure data; ``commerce.seed`` turns them into rows).

Prices are in cents of a two-decimal currency and converted to the shop currency's minor
units when seeding. Weights are grams.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Option:
    """One option dimension (Size, Colour, Volume...) and the values a product may offer."""

    name: str
    values: tuple[str, ...]
    # Price/weight multiplier per value (same order as ``values``); None = no effect.
    steps: tuple[float, ...] | None = None
    # A product with only one value carries it in its name ("Apple juice 1L") instead.
    name_suffix: bool = False


@dataclass(frozen=True, slots=True)
class Leaf:
    """A category that holds products, with how to make believable products for it."""

    name: str
    code: str  # SKU prefix
    parent: str | None
    description: str
    names: tuple[str, ...]
    # Each product picks one of these option sets (one or two options each).
    option_sets: tuple[tuple[Option, ...], ...]
    price_cents: tuple[int, int]
    weight_grams: tuple[int, int] | None
    blurbs: tuple[str, ...]
    track_inventory: bool = True
    charm_prices: bool = True  # end prices in .99


def cross(qualifiers: str, stems: str) -> tuple[str, ...]:
    """``"Merino|Bamboo"``, ``"socks"`` -> ("Merino socks", "Bamboo socks")."""
    return tuple(f"{q} {s}" for s in stems.split("|") for q in qualifiers.split("|"))


ROOT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("Clothing", "Everyday clothes made to last, from T-shirts to rain jackets."),
    ("Food & drink", "Pantry staples, drinks and treats from small producers."),
    ("Home & kitchen", "Cookware, tableware and things that make a house feel like home."),
)

CLOTHES_SIZES = Option("Size", ("XS", "S", "M", "L", "XL"))
CLOTHES_COLOURS = Option("Colour", ("White", "Black", "Navy", "Heather grey", "Olive", "Rust"))
SOCK_SIZES = Option("Size", ("S (36-38)", "M (39-42)", "L (43-46)"))
SHOE_SIZES = Option("Size", ("38", "39", "40", "41", "42", "43", "44", "45", "46"))
NEUTRALS = Option("Colour", ("Black", "Tan", "Sand", "Stone", "Charcoal"))
GEAR_COLOURS = Option("Colour", ("Forest green", "Black", "Orange", "Slate blue"))
TECH_COLOURS = Option("Colour", ("Black", "White", "Space grey"))
DESK_COLOURS = Option("Colour", ("Black", "Navy", "Sage", "Terracotta"))
TABLE_COLOURS = Option("Colour", ("White", "Sand", "Slate", "Sage"))

LEAVES: tuple[Leaf, ...] = (
    Leaf(
        "T-shirts", "TSH", "Clothing", "Soft, well-cut T-shirts for every day.",
        cross("Organic cotton|Heavyweight|Slub|Linen-blend|Striped|Pocket|Washed|Merino"
              "|Graphic|Long-sleeve", "T-shirt|crew neck tee"),
        ((CLOTHES_SIZES,), (CLOTHES_SIZES, CLOTHES_COLOURS)),
        (1800, 4500), (150, 260),
        ("Cut for an easy, everyday fit that keeps its shape wash after wash.",
         "Pre-shrunk, so the size you order is the size you keep.",
         "Knitted in Portugal from responsibly sourced yarn.",
         "A relaxed shoulder and a slightly longer back hem."),
    ),
    Leaf(
        "Hoodies & sweatshirts", "HOD", "Clothing", "Warm layers for cool mornings.",
        cross("Brushed fleece|Loopback cotton|Zip-up|Oversized|Recycled|Garment-dyed"
              "|Quarter-zip", "hoodie|sweatshirt"),
        ((CLOTHES_SIZES, CLOTHES_COLOURS), (CLOTHES_SIZES,)),
        (4500, 9500), (450, 750),
        ("Ribbed cuffs and hem hold their shape.",
         "A heavy 400 g/m² fabric that gets softer with every wash.",
         "Made with 60% recycled polyester from plastic bottles."),
    ),
    Leaf(
        "Socks", "SOK", "Clothing", "Socks for running, hiking and everything in between.",
        cross("Merino wool|Bamboo|Organic cotton|Cushioned running|Hiking|Ankle|Striped"
              "|Thermal|Compression|Cashmere-blend", "socks"),
        ((SOCK_SIZES,), (SOCK_SIZES, Option("Colour", ("Black", "Grey", "Navy", "Mustard")))),
        (800, 2400), (60, 120),
        ("A reinforced heel and toe for longer life.",
         "Seamless toes, so nothing rubs on long days.",
         "Naturally odour-resistant and temperature-regulating."),
    ),
    Leaf(
        "Jackets", "JKT", "Clothing", "Jackets for wind, rain and everything else.",
        cross("Waxed cotton|Quilted|Packable down|Rain|Denim|Waterproof shell|Fleece-lined"
              "|Chore", "jacket"),
        ((CLOTHES_SIZES, NEUTRALS), (CLOTHES_SIZES,)),
        (8900, 28900), (500, 1200),
        ("Taped seams and a storm flap keep the weather out.",
         "Packs into its own pocket for travel.",
         "Two hand-warmer pockets and one inside pocket for your phone."),
    ),
    Leaf(
        "Knitwear", "KNT", "Clothing", "Jumpers, cardigans and hats to keep you warm.",
        cross("Merino|Cashmere|Lambswool|Cotton cable-knit|Alpaca-blend",
              "crew neck jumper|cardigan|roll neck jumper"),
        ((CLOTHES_SIZES, CLOTHES_COLOURS), (CLOTHES_SIZES,)),
        (3900, 16900), (200, 600),
        ("Knitted on traditional frames in Scotland.",
         "Fine-gauge yarn that is warm without the bulk.",
         "Hand wash cold and dry flat to keep it looking new."),
    ),
    Leaf(
        "Footwear", "FTW", None, "Shoes and boots built for walking.",
        ("Canvas low-top sneakers", "Leather high-top sneakers", "Suede desert boots",
         "Leather Chelsea boots", "Trail running shoes", "Road running shoes",
         "Minimalist barefoot shoes", "Waterproof hiking boots", "Wool slippers",
         "Leather loafers", "Jute espadrilles", "Sport sandals", "Rubber rain boots",
         "Court sneakers"),
        ((SHOE_SIZES,), (SHOE_SIZES, NEUTRALS)),
        (4900, 18900), (600, 1400),
        ("Cushioned, removable insoles and a grippy rubber outsole.",
         "Stitched, not glued, so they can be resoled.",
         "Runs true to size; choose the larger size if you are between two."),
    ),
    Leaf(
        "Juices", "JUI", "Food & drink", "Cold-pressed and not-from-concentrate juices.",
        cross("Apple|Orange|Pineapple|Cranberry|Pink grapefruit|Mango|Pomegranate"
              "|Carrot & ginger|Cloudy apple|Blood orange|Tomato|Beetroot & apple", "juice"),
        ((Option("Volume", ("330ml", "1L", "1.5L"), (1.0, 2.2, 3.0), name_suffix=True),),),
        (149, 299), (350, 380),
        ("Pressed from whole fruit, never from concentrate.",
         "No added sugar, no preservatives.",
         "Keep refrigerated and drink within five days of opening."),
    ),
    Leaf(
        "Coffee", "COF", "Food & drink", "Speciality coffee, roasted every week.",
        cross("Colombian|Ethiopian Yirgacheffe|Guatemalan|Sumatra Mandheling|House espresso"
              "|Swiss water decaf|Kenyan|Brazilian", "coffee beans"),
        ((Option("Weight", ("250g", "500g", "1kg"), (1.0, 1.9, 3.6), name_suffix=True),),
         (Option("Grind", ("Whole bean", "Espresso", "Filter")),)),
        (799, 1499), (260, 280),
        ("Notes of dark chocolate, red berries and caramel.",
         "Roasted in small batches and shipped within 48 hours.",
         "Direct trade: we pay farmers well above the Fairtrade minimum."),
    ),
    Leaf(
        "Tea", "TEA", "Food & drink", "Loose-leaf and bagged teas.",
        ("English breakfast tea", "Earl Grey tea", "Sencha green tea", "Chamomile tea",
         "Peppermint tea", "Rooibos tea", "Masala chai", "Jasmine green tea",
         "Darjeeling first flush tea", "Lemon & ginger tea"),
        ((Option("Pack", ("20 bags", "50 bags", "100g loose"), (1.0, 2.2, 1.6),
                 name_suffix=True),),),
        (349, 699), (60, 80),
        ("Blended and packed in small batches.", "Brew for three to four minutes.",
         "Plastic-free, compostable tea bags."),
    ),
    Leaf(
        "Snacks", "SNK", "Food & drink", "Crisps, chocolate and other good things.",
        ("Sea salt crisps", "Salted caramel popcorn", "Dark chocolate 70%",
         "Milk chocolate hazelnut bar", "Oat cookies", "Trail mix", "Roasted almonds",
         "Dried mango slices", "Rice crackers", "Peanut butter pretzels", "Granola bars",
         "Wasabi peas", "Dark chocolate sea salt bar", "Smoked paprika cashews"),
        ((Option("Pack", ("Single", "6-pack", "12-pack"), (1.0, 5.2, 9.8)),),),
        (199, 499), (40, 200),
        ("Made in small batches with simple ingredients.",
         "Vegan and gluten-free.", "The perfect afternoon snack."),
    ),
    Leaf(
        "Cookware", "CKW", "Home & kitchen", "Pans and pots that last a lifetime.",
        ("Cast iron skillet", "Carbon steel wok", "Stainless steel saucepan",
         "Non-stick frying pan", "Enamelled Dutch oven", "Copper saucier", "Stockpot",
         "Cast iron grill pan", "Roasting tin", "Sauté pan", "Milk pan", "Bamboo steamer"),
        ((Option("Size", ("20 cm", "24 cm", "28 cm"), (1.0, 1.25, 1.5)),),),
        (2400, 18900), (800, 3500),
        ("Works on gas, electric and induction hobs.", "Oven-safe up to 260 °C.",
         "Comes with a lifetime guarantee."),
    ),
    Leaf(
        "Tableware", "TBL", "Home & kitchen", "Plates, bowls and glasses for every table.",
        ("Stoneware dinner plate", "Porcelain side plate", "Ceramic mug", "Glass tumbler",
         "Wine glass", "Linen napkins", "Serving bowl", "Pasta bowl", "Espresso cup",
         "Stoneware teapot", "Water carafe", "Cutlery set", "Salad servers"),
        ((TABLE_COLOURS,), (Option("Pack", ("Single", "Set of 4"), (1.0, 3.6)),),
         (Option("Pack", ("Single", "Set of 4"), (1.0, 3.6)), TABLE_COLOURS)),
        (800, 8900), (200, 1500),
        ("Dishwasher and microwave safe.", "Glazed by hand, so every piece is unique.",
         "Made in a family-run pottery in Portugal."),
    ),
    Leaf(
        "Home fragrance", "FRG", "Home & kitchen", "Candles and diffusers.",
        cross("Fig|Cedarwood|Lavender|Sea salt|Orange blossom|Tobacco & vanilla|Eucalyptus"
              "|Amber", "scented candle|reed diffuser"),
        ((Option("Size", ("Small (190 g)", "Large (400 g)"), (1.0, 1.8)),),),
        (1800, 3800), (250, 700),
        ("Hand-poured soy wax with a cotton wick.", "Up to 45 hours of burn time.",
         "Blended with natural essential oils."),
    ),
    Leaf(
        "Outdoors", "OUT", None, "Gear for hiking, camping and days outside.",
        ("Insulated water bottle", "Enamel camping mug", "Two-person tent",
         "Down sleeping bag", "Carbon trekking poles", "Rechargeable headlamp", "Daypack 20L",
         "Hiking backpack 45L", "Compact camp stove", "Folding camp chair", "Ripstop hammock",
         "Roll-top dry bag", "Trail first aid kit", "Microfibre travel towel"),
        ((GEAR_COLOURS,),),
        (1200, 34900), (100, 2500),
        ("Tested on the trails of the Lake District.", "Lightweight and packable.",
         "Backed by a two-year warranty."),
    ),
    Leaf(
        "Tech accessories", "TEC", None, "Cables, chargers and cases.",
        ("USB-C charging cable", "Braided Lightning cable", "65W USB-C charger",
         "Wireless charging pad", "Power bank 10000mAh", "Wool laptop sleeve",
         "Recycled phone case", "Bluetooth earbuds", "Wireless mouse",
         "Mechanical keyboard", "Aluminium laptop stand", "USB-C to HDMI adapter",
         "Tempered glass screen protector"),
        ((TECH_COLOURS,),),
        (900, 12900), (30, 900),
        ("Certified for fast charging.", "Two-year warranty and free returns.",
         "Packaged without plastic."),
    ),
    Leaf(
        "Beauty & care", "BTY", None, "Gentle skincare and bathroom essentials.",
        ("Lavender hand cream", "Unscented body lotion", "Charcoal face wash",
         "Vitamin C serum", "Shea butter lip balm", "Argan oil shampoo", "Oat conditioner",
         "Mineral sunscreen SPF 50", "Rosehip facial oil", "Olive oil soap bar",
         "Natural deodorant", "Sea salt body scrub"),
        ((Option("Volume", ("50 ml", "100 ml", "250 ml"), (1.0, 1.7, 3.2)),),),
        (450, 3900), (60, 300),
        ("Dermatologically tested and suitable for sensitive skin.",
         "Vegan and never tested on animals.", "In a recyclable aluminium bottle."),
    ),
    Leaf(
        "Stationery", "STA", None, "Notebooks, pens and desk things.",
        ("Dotted notebook A5", "Lined notebook A5", "Hardcover sketchbook", "Gel pen set",
         "Fountain pen", "Canvas pencil case", "Weekly planner", "Brass mechanical pencil",
         "Washi tape set", "Desk organiser", "Recycled paper envelopes", "Watercolour set"),
        ((DESK_COLOURS,),),
        (300, 5900), (30, 600),
        ("Fountain-pen-friendly 100 g/m² paper.", "Made from recycled materials.",
         "Lies flat when open."),
    ),
    Leaf(
        "Gift cards", "GFT", None, "Gift cards delivered by e-mail or post.",
        ("E-gift card", "Gift card in a greeting card"),
        ((Option("Amount", ("25", "50", "100", "200"), (1.0, 2.0, 4.0, 8.0)),),),
        (2500, 2500), None,
        ("Never expires and can be spent on anything in the shop.",),
        track_inventory=False, charm_prices=False,
    ),
)

COLLECTIONS: tuple[tuple[str, str, bool], ...] = (
    ("Summer sale", "Up to 40% off selected lines while stocks last.", True),
    ("New arrivals", "The latest additions to the shop.", True),
    ("Best sellers", "What everyone is buying right now.", True),
    ("Gift ideas", "Presents for people who have everything.", True),
    ("Autumn preview", "Coming soon; visible to staff only.", False),
)

WAREHOUSES: tuple[tuple[str, str, str, str, str, int], ...] = (
    # name, code, street, city, postal code, priority
    ("Main warehouse", "MAIN", "1200 Commerce Way", "Columbus", "43004", 0),
    ("West Coast fulfillment center", "WEST", "88 Harbor Boulevard", "Oakland", "94607", 1),
)

CLOSING_LINES = (
    "Free shipping on orders over 50.",
    "Free returns within 30 days.",
    "Ships within one working day.",
)

IMAGE_ALTS = ("{name}", "{name}, close-up detail", "{name} in use")
