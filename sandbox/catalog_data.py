"""Static material for the catalogue: products a cross-border seller lists, buyer names, carriers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    key: str
    title: str
    price_usd: float
    # How buyers refer to it in a message, per language.
    short: dict[str, str]
    category: str
    fragile: bool = False
    has_size: bool = False
    electric: bool = False
    # What Amazon's messaging actions depend on (getMessagingActionsForOrder): a personalised item
    # (engraving, printed name), one that comes with a digital access key (an app or software
    # licence), and one sold with a home service (installation).
    customizable: bool = False
    digital_access: bool = False
    home_service: bool = False


PRODUCTS: tuple[Product, ...] = (
    Product(
        "led-strip",
        "LED Strip Lights 50ft RGB Color Changing with Remote and App Control",
        19.99,
        {"en": "LED strip lights", "zh": "LED灯带", "es": "la tira de luces LED"},
        "home",
        electric=True,
        home_service=True,
    ),
    Product(
        "utensil-set",
        "Silicone Kitchen Utensil Set 12-Piece Heat Resistant with Holder",
        24.99,
        {"en": "utensil set", "zh": "硅胶厨具套装", "es": "el juego de utensilios"},
        "kitchen",
    ),
    Product(
        "earbuds",
        "Wireless Earbuds Bluetooth 5.3 with Charging Case, 40H Playtime",
        29.99,
        {"en": "earbuds", "zh": "蓝牙耳机", "es": "los audífonos"},
        "electronics",
        electric=True,
    ),
    Product(
        "yoga-mat",
        "Yoga Mat 6mm Thick Non-Slip with Carrying Strap",
        22.49,
        {"en": "yoga mat", "zh": "瑜伽垫", "es": "el tapete de yoga"},
        "sports",
    ),
    Product(
        "pet-roller",
        "Pet Hair Remover Roller, Reusable Lint Roller for Couch and Carpet",
        14.99,
        {"en": "pet hair roller", "zh": "宠物除毛器", "es": "el rodillo quita pelos"},
        "pets",
    ),
    Product(
        "car-mount",
        "Magnetic Car Phone Mount for Dashboard and Vent, 360° Rotation",
        12.99,
        {"en": "phone mount", "zh": "车载手机支架", "es": "el soporte para celular"},
        "auto",
    ),
    Product(
        "water-bottle",
        "Stainless Steel Water Bottle 32oz Vacuum Insulated, Leak Proof Lid",
        18.95,
        {"en": "water bottle", "zh": "保温水杯", "es": "la botella de agua"},
        "outdoor",
        customizable=True,
    ),
    Product(
        "phone-case",
        "Clear Phone Case for iPhone 15 Pro, Shockproof with MagSafe",
        9.99,
        {"en": "phone case", "zh": "手机壳", "es": "la funda del teléfono"},
        "electronics",
        has_size=True,
    ),
    Product(
        "resistance-bands",
        "Resistance Bands Set, 5 Levels with Door Anchor and Handles",
        16.99,
        {"en": "resistance bands", "zh": "弹力带", "es": "las bandas de resistencia"},
        "sports",
    ),
    Product(
        "milk-frother",
        "Handheld Electric Milk Frother, Rechargeable with 3 Speeds",
        15.99,
        {"en": "milk frother", "zh": "电动打奶器", "es": "el espumador de leche"},
        "kitchen",
        electric=True,
    ),
    Product(
        "curtains",
        "Blackout Curtains 2 Panels 52x84 Inch, Thermal Insulated",
        27.99,
        {"en": "curtains", "zh": "遮光窗帘", "es": "las cortinas"},
        "home",
        has_size=True,
        home_service=True,
    ),
    Product(
        "claw-clips",
        "Hair Claw Clips 8 Pack, Matte Nonslip Large Clips for Thick Hair",
        8.99,
        {"en": "claw clips", "zh": "抓夹", "es": "los ganchos para el cabello"},
        "beauty",
    ),
    Product(
        "mini-fan",
        "Portable Mini Fan USB Rechargeable, 3 Speeds Handheld",
        13.49,
        {"en": "mini fan", "zh": "小风扇", "es": "el mini ventilador"},
        "electronics",
        electric=True,
    ),
    Product(
        "solar-lights",
        "Solar Garden Lights Outdoor 8 Pack, Waterproof Pathway Lights",
        26.99,
        {"en": "solar lights", "zh": "太阳能庭院灯", "es": "las luces solares"},
        "garden",
        electric=True,
        home_service=True,
    ),
    Product(
        "kids-tablet",
        "Kids LCD Drawing Tablet 10 Inch, Doodle Board with Lock Switch",
        11.99,
        {"en": "drawing tablet", "zh": "儿童手写板", "es": "la tableta de dibujo"},
        "toys",
        fragile=True,
        digital_access=True,
    ),
    Product(
        "packing-cubes",
        "Travel Packing Cubes Set of 6, Lightweight Luggage Organizers",
        19.49,
        {"en": "packing cubes", "zh": "旅行收纳袋", "es": "los organizadores de viaje"},
        "travel",
    ),
    Product(
        "vacuum",
        "Cordless Handheld Vacuum 8000Pa, Rechargeable for Car and Pet Hair",
        39.99,
        {"en": "handheld vacuum", "zh": "手持吸尘器", "es": "la aspiradora de mano"},
        "home",
        electric=True,
    ),
    Product(
        "ring-light",
        "10 Inch Ring Light with Tripod Stand and Phone Holder",
        23.99,
        {"en": "ring light", "zh": "补光灯", "es": "el aro de luz"},
        "electronics",
        electric=True,
    ),
    Product(
        "food-bags",
        "Reusable Silicone Food Storage Bags 12 Pack, Leakproof",
        17.99,
        {"en": "storage bags", "zh": "硅胶保鲜袋", "es": "las bolsas reutilizables"},
        "kitchen",
    ),
    Product(
        "keyboard",
        "Mechanical Gaming Keyboard 87 Keys RGB Backlit, Blue Switches",
        34.99,
        {"en": "keyboard", "zh": "机械键盘", "es": "el teclado"},
        "electronics",
        electric=True,
        digital_access=True,
    ),
    Product(
        "cutting-board",
        "Bamboo Cutting Board Set of 3 with Juice Groove",
        21.99,
        {"en": "cutting boards", "zh": "竹砧板", "es": "las tablas de cortar"},
        "kitchen",
        customizable=True,
    ),
    Product(
        "smart-plug",
        "Smart Plug WiFi 4 Pack, Works with Alexa and Google Home",
        22.99,
        {"en": "smart plugs", "zh": "智能插座", "es": "los enchufes inteligentes"},
        "electronics",
        electric=True,
        digital_access=True,
    ),
    Product(
        "eye-mask",
        "Heated Eye Mask USB, Cordless Steam Compress for Dry Eyes",
        19.99,
        {"en": "eye mask", "zh": "加热眼罩", "es": "el antifaz térmico"},
        "beauty",
        electric=True,
    ),
    Product(
        "bike-lights",
        "USB Rechargeable Bike Light Set, Front and Rear, IPX5",
        15.99,
        {"en": "bike lights", "zh": "自行车灯", "es": "las luces para bicicleta"},
        "sports",
        electric=True,
    ),
    Product(
        "brush-set",
        "Makeup Brush Set 14 Pcs with Case, Synthetic Bristles",
        12.99,
        {"en": "brush set", "zh": "化妆刷套装", "es": "el set de brochas"},
        "beauty",
    ),
    Product(
        "pillow-covers",
        "Throw Pillow Covers 18x18 Set of 4, Linen Farmhouse",
        16.99,
        {"en": "pillow covers", "zh": "抱枕套", "es": "las fundas de cojín"},
        "home",
        has_size=True,
        customizable=True,
    ),
    Product(
        "kitchen-scale",
        "Digital Kitchen Scale 22lb with Tare, Stainless Steel",
        11.99,
        {"en": "kitchen scale", "zh": "厨房秤", "es": "la báscula de cocina"},
        "kitchen",
        electric=True,
    ),
    Product(
        "glass-jars",
        "Glass Spice Jars 24 Pack with Labels and Funnel",
        25.99,
        {"en": "spice jars", "zh": "玻璃调料瓶", "es": "los frascos de especias"},
        "kitchen",
        fragile=True,
    ),
    Product(
        "ceramic-mugs",
        "Ceramic Coffee Mugs Set of 4, 16 oz Speckled Glaze",
        28.99,
        {"en": "mugs", "zh": "陶瓷马克杯", "es": "las tazas de cerámica"},
        "kitchen",
        fragile=True,
        customizable=True,
    ),
    Product(
        "dog-harness",
        "No Pull Dog Harness with Reflective Strips, Adjustable",
        18.99,
        {"en": "dog harness", "zh": "狗狗胸背带", "es": "el arnés para perro"},
        "pets",
        has_size=True,
        customizable=True,
    ),
)


# Buyer names by flavour; the flavour drives the likely language of the buyer's messages.
NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "us": (
        ("Alisa", "Morgan"),
        ("James", "Carter"),
        ("Linda", "Brooks"),
        ("Michael", "Reed"),
        ("Ashley", "Nguyen"),
        ("Robert", "Hayes"),
        ("Jennifer", "Price"),
        ("David", "Coleman"),
        ("Megan", "Foster"),
        ("Kevin", "Murphy"),
        ("Brittany", "Hughes"),
        ("Tyler", "Jenkins"),
        ("Karen", "Powell"),
        ("Brian", "Long"),
        ("Samantha", "Perry"),
        ("Greg", "Butler"),
        ("Denise", "Barnes"),
        ("Travis", "Fisher"),
        ("Heather", "Ross"),
        ("Marcus", "Bell"),
        ("Tiffany", "Ward"),
        ("Dustin", "Cox"),
        ("Crystal", "Howard"),
        ("Jamal", "Washington"),
        ("Courtney", "Simmons"),
        ("Shawn", "Patterson"),
        ("Monica", "Graham"),
        ("Derek", "Sullivan"),
    ),
    "hispanic": (
        ("María", "González"),
        ("José", "Rodríguez"),
        ("Lucía", "Hernández"),
        ("Carlos", "Martínez"),
        ("Guadalupe", "López"),
        ("Juan", "Pérez"),
        ("Sofía", "Ramírez"),
        ("Luis", "Torres"),
        ("Ana", "Flores"),
        ("Miguel", "Rivera"),
        ("Valeria", "Gómez"),
        ("Jorge", "Díaz"),
    ),
    "chinese": (
        ("Wei", "Zhang"),
        ("Na", "Li"),
        ("Jing", "Wang"),
        ("Lei", "Liu"),
        ("Yan", "Chen"),
        ("Min", "Yang"),
        ("Jun", "Zhao"),
        ("Xiu Ying", "Huang"),
        ("Hao", "Zhou"),
        ("Fang", "Wu"),
        ("Jia Hui", "Lim"),
        ("Wei Ming", "Tan"),
        ("Mei Ling", "Ong"),
    ),
    "sea": (
        ("Nur Aisyah", "Binti Ahmad"),
        ("Muhammad", "Hafiz"),
        ("Siti", "Rahmah"),
        ("Priya", "Nair"),
        ("Arjun", "Pillai"),
        ("Farah", "Ismail"),
        ("Daniel", "Koh"),
        ("Rachel", "Teo"),
        ("Aiden", "Goh"),
        ("Hui Min", "Chua"),
        ("Zul", "Hisham"),
        ("Kavitha", "Rajan"),
    ),
}

# Carriers a cross-border seller ships with, by marketplace region.
US_CARRIERS: tuple[str, ...] = ("USPS", "UPS", "FedEx", "YunExpress", "4PX")
SEA_CARRIERS: tuple[str, ...] = ("SPX Express", "Ninja Van", "J&T Express")

TRACKING_URLS: dict[str, str] = {
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "UPS": "https://www.ups.com/track?tracknum={n}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "YunExpress": "https://www.yuntrack.com/parcelTracking?id={n}",
    "4PX": "https://track.4px.com/#/result/0/{n}",
    "SPX Express": "https://spx.sg/track?{n}",
    "Ninja Van": "https://www.ninjavan.co/en-sg/tracking?id={n}",
    "J&T Express": "https://www.jtexpress.sg/tracking?tracking_no={n}",
}

US_CITIES: tuple[tuple[str, str, str], ...] = (
    ("Houston", "TX", "77002"),
    ("Phoenix", "AZ", "85004"),
    ("Columbus", "OH", "43215"),
    ("Charlotte", "NC", "28202"),
    ("Denver", "CO", "80202"),
    ("Nashville", "TN", "37203"),
    ("Tampa", "FL", "33602"),
    ("Sacramento", "CA", "95814"),
    ("Albany", "NY", "12207"),
    ("Spokane", "WA", "99201"),
    ("Omaha", "NE", "68102"),
    ("Madison", "WI", "53703"),
    ("San Antonio", "TX", "78205"),
    ("Los Angeles", "CA", "90012"),
    ("Miami", "FL", "33130"),
)
SEA_CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "SG": (
        ("Singapore", "Tampines", "520123"),
        ("Singapore", "Jurong West", "640456"),
        ("Singapore", "Ang Mo Kio", "560789"),
    ),
    "MY": (
        ("Kuala Lumpur", "Wilayah Persekutuan", "50450"),
        ("Petaling Jaya", "Selangor", "46000"),
        ("Johor Bahru", "Johor", "80000"),
        ("George Town", "Pulau Pinang", "10200"),
    ),
}
