"""What buyers write: templates per intent and language, composed from openings, cores and closings.

A message is an optional greeting, one core sentence group, an optional extra detail, an optional
closing and sometimes a signature; every piece has substitutions (item, order, carrier, days), so
the same intent rarely comes out the same way twice. Only templates whose fields are known are
used: a pre-sale question never quotes an order number.
"""

from __future__ import annotations

import random
import string

INTENTS: tuple[str, ...] = (
    "pre_sale",
    "where_is_my_order",
    "return",
    "complaint",
    "order_change",
    "walmart_customer_care",
    "bbb_complaint",
    "attorney_general_complaint",
    "spam",
    "system_notice",
)
# Intents that are about an order (they need one from the catalogue).
ORDER_INTENTS = frozenset(
    {
        "where_is_my_order",
        "return",
        "complaint",
        "order_change",
        "walmart_customer_care",
        "bbb_complaint",
        "attorney_general_complaint",
    }
)

GREETINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "Hi,",
        "Hello,",
        "Hi there,",
        "Hello {seller},",
        "Good morning,",
        "Hey,",
        "Dear seller,",
        "Hi {seller} team,",
    ),
    "zh": ("你好，", "您好，", "卖家你好，", "老板你好，", "亲，"),
    "es": ("Hola,", "Buenas tardes,", "Hola, buen día.", "Estimado vendedor:", "Buenos días,"),
}
CLOSINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "Thanks!",
        "Thank you.",
        "Thanks in advance.",
        "Appreciate your help.",
        "Please let me know.",
        "Thanks for your time.",
        "Looking forward to hearing from you.",
        "Thank you so much!",
    ),
    "zh": ("谢谢！", "麻烦了，谢谢。", "请尽快回复，谢谢。", "辛苦了。", "等你回复。"),
    "es": ("Gracias.", "¡Muchas gracias!", "Quedo atento a su respuesta.", "Saludos.", "Gracias de antemano."),
}

CORES: dict[str, dict[str, tuple[str, ...]]] = {
    "pre_sale": {
        "en": (
            "Does the {item} come in any other colors? The listing only shows one.",
            "Is this {item} compatible with 110V outlets? I'm in the US.",
            "How long does shipping usually take to {state}? I need it before the weekend.",
            "If I order 3 of these, can you do a better price?",
            "What are the exact dimensions of the {item}? The photos are a bit confusing.",
            "Is this the newest version? Some reviews mention an older model.",
            "Does the {item} come with a warranty? What happens if it stops working?",
            "Can you ship to a PO box?",
            "Is the {item} BPA free / safe for kids?",
            "Do you have this in stock right now or is it backordered?",
            "I want to buy this as a gift. Can you leave out the invoice and price tag?",
            "Will this fit an iPhone 15 Pro Max or only the regular Pro?",
        ),
        "zh": (
            "请问这个{item}有其他颜色吗？",
            "这款{item}支持110V电压吗？我在美国用。",
            "请问发货到{state}大概需要几天？",
            "买三个可以便宜一点吗？",
            "{item}的具体尺寸是多少？图片看不太清楚。",
            "这个有保修吗？坏了怎么处理？",
            "现在有现货吗？什么时候能发货？",
        ),
        "es": (
            "¿{item} viene en otros colores?",
            "¿Cuánto tarda el envío a {state}?",
            "¿Funciona con corriente de 110V?",
            "Si compro tres, ¿me hacen descuento?",
            "¿Cuáles son las medidas exactas?",
            "¿Tiene garantía? ¿Qué pasa si deja de funcionar?",
        ),
    },
    "where_is_my_order": {
        "en": (
            "I ordered the {item} {days} days ago (order {order}) and it still hasn't arrived. Where is it?",
            "The {carrier} tracking ({tracking}) hasn't updated in {stale} days. Is my package lost?",
            "Tracking says delivered but I never got the package. I checked with my neighbors too.",
            "Can you tell me when order {order} will ship? It still says preparing.",
            "My order was supposed to arrive by {eta} and it's not here yet.",
            "The tracking number you gave me doesn't work on the {carrier} website.",
            "Where is my order? I need the {item} for a trip on {eta}.",
            "It says the package is in transit from China. How much longer will it take?",
            "I haven't received any shipping confirmation for order {order}.",
            "Order {order} shows shipped but tracking has said 'label created' for a week.",
        ),
        "zh": (
            "你好，我的订单{order}已经下单{days}天了，物流一直没有更新，请问什么时候能到？",
            "请问{item}发货了吗？物流单号是多少？",
            "物流显示已签收，但是我没有收到包裹，麻烦帮忙查一下。",
            "快递单号{tracking}查不到任何信息，是不是单号错了？",
            "我买的{item}还没到，已经超过预计送达时间了。",
        ),
        "es": (
            "Hice el pedido {order} hace {days} días y todavía no me llega. ¿Dónde está?",
            "El rastreo de {carrier} no se actualiza desde hace {stale} días.",
            "Dice que fue entregado pero no recibí nada.",
            "¿Cuándo van a enviar mi pedido? Sigue en preparación.",
            "Mi pedido debía llegar el {eta} y todavía no llega.",
        ),
    },
    "return": {
        "en": (
            "I'd like to return the {item}. It's the wrong size for what I need. How do I get a return label?",
            "The {item} stopped working after {days} days. Can I get a refund or a replacement?",
            "I ordered {qty} by mistake and only need one. Can I send the rest back?",
            "I want to return order {order}. It doesn't look like the pictures at all.",
            "How long do I have to return this? I haven't opened the box.",
            "I started a return but never got a label. Can you send it?",
            "I already shipped the return back on {ret_date}. When will I get my refund?",
            "My kid already has one, so I'd like to send the {item} back for a refund.",
        ),
        "zh": (
            "收到的{item}尺寸不对，我想退货，请问怎么操作？",
            "东西用了{days}天就坏了，能退款或者换一个吗？",
            "我想申请退货退款，订单号{order}。",
            "退货已经寄回去了，什么时候能退款？",
        ),
        "es": (
            "Quiero devolver {item}, no es la talla correcta. ¿Cómo hago la devolución?",
            "El producto dejó de funcionar a los {days} días. Quiero un reembolso.",
            "Ya envié la devolución el {ret_date}. ¿Cuándo me reembolsan?",
        ),
    },
    "complaint": {
        "en": (
            "The {item} arrived broken. The box was crushed and there are pieces everywhere. Very disappointed.",
            "You sent me the wrong item. I ordered the {item} and got something completely different.",
            "Parts are missing from my order {order}. There's no charger in the box.",
            "This is the second time I've had a problem with your store. I want this fixed today.",
            "The quality is terrible, nothing like the description. I feel scammed.",
            "I've been waiting {days} days and nobody answers my messages. I'm about to open a case.",
            "The {item} smells like burnt plastic when I turn it on. This is dangerous.",
            "If this isn't resolved I'll be leaving negative feedback.",
        ),
        "zh": (
            "收到的{item}是坏的，包装也破了，非常失望。",
            "发错货了！我买的是{item}，收到的完全不是。",
            "已经等了{days}天还没收到，再不处理我就给差评了。",
            "质量太差了，和描述完全不一样。",
        ),
        "es": (
            "Me llegó {item} roto. Muy mala experiencia.",
            "Me enviaron un producto equivocado. Yo pedí {item}.",
            "Llevo {days} días esperando y nadie me responde. Voy a abrir un reclamo.",
        ),
    },
    "order_change": {
        "en": (
            "Can I still cancel order {order}? I ordered the wrong color.",
            "I need to change the shipping address on order {order}. I just moved.",
            "Please cancel my order, I found it cheaper locally. It hasn't shipped yet.",
            "Can you add one more {item} to my order {order} and ship them together?",
            "I put the wrong apartment number on order {order}, it should be Apt {apt}.",
        ),
        "zh": (
            "订单{order}还能取消吗？我选错颜色了。",
            "我需要修改订单{order}的收货地址。",
            "还没发货的话请帮我取消订单，谢谢。",
        ),
        "es": (
            "¿Todavía puedo cancelar el pedido {order}? Elegí el color equivocado.",
            "Necesito cambiar la dirección de envío del pedido {order}.",
        ),
    },
    "spam": {
        "en": (
            "Hello seller, we can boost your store ranking with verified 5-star reviews. WhatsApp +1 302 555 01{n2}.",
            "Dear partner, we are a factory direct supplier of phone accessories. Please send your email for "
            "our catalog.",
            "Hi dear, I'm an influencer with 200k followers. Send me a free {item} and I'll post a review!",
            "I want to buy 500 pcs. Please give me your personal email and phone number so we can arrange payment.",
            "Your store has been selected for a premium promotion program. Reply YES to activate.",
            "Looking for a reliable logistics partner? We ship China to USA in 5 days, best prices. Contact us today.",
        ),
        "zh": (
            "老板你好，我们是深圳工厂，手机配件源头厂家，欢迎加微信详聊。",
            "专业刷单提升店铺排名，安全可靠，联系QQ {n6}。",
        ),
        "es": ("Hola, ¿le interesa aumentar sus ventas? Ofrecemos reseñas de cinco estrellas a buen precio.",),
    },
}

FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "en": (
        "Any update on this?",
        "Hello? Still waiting to hear back.",
        "Just following up on my message from {when}.",
        "It's been {n1} days, can someone please respond?",
        "Is anyone there?",
        "Please reply, I really need this sorted out.",
        "Following up again. Order {order}.",
        "Hi, just checking in on my question above.",
    ),
    "zh": ("请问有进展吗？", "还在等回复，麻烦尽快处理。", "你好？有人在吗？", "已经{n1}天了，怎么还没人回复？"),
    "es": (
        "¿Alguna novedad?",
        "Sigo esperando respuesta.",
        "¿Hay alguien ahí?",
        "Por favor respondan, ya pasaron {n1} días.",
    ),
}

SIGNATURES: dict[str, tuple[str, ...]] = {
    "en": ("{name}", "- {name}", "Best,\n{name}", "Regards,\n{full_name}", "Sent from my iPhone"),
    "zh": ("{name}",),
    "es": ("{name}", "Saludos,\n{full_name}"),
}

CARE_BODIES: tuple[str, ...] = (
    "Hello Seller,\n\nThe customer {full_name} contacted Walmart Customer Care regarding purchase order "
    '#{order}. The customer states: "{quote}"\n\nPlease review this order and respond to the customer '
    "within 48 hours with a resolution.\n\nCase number: {case}\n\nThank you,\nWalmart Customer Care",
    "Hi Partner,\n\nWe are reaching out on behalf of our customer {full_name} (PO #{order}). {quote_sentence}\n\n"
    "Please contact the customer directly and update us on the resolution. Responses are expected within "
    "48 hours, including weekends.\n\nReference: {case}\nWalmart Customer Care Team",
)
CARE_QUOTES: tuple[str, ...] = (
    "I have not received my package and the tracking hasn't moved in a week.",
    "The item arrived damaged and I would like a replacement.",
    "I was charged but the order shows cancelled.",
    "The seller sent the wrong color and is not responding.",
    "I returned the item two weeks ago and have not received my refund.",
)
BBB_BODIES: dict[str, str] = {
    "bbb_complaint": (
        "IMPORTANT - ACTION REQUIRED WITHIN 1 HOUR\n\nWalmart has received notice of a complaint filed with the "
        "Better Business Bureau (BBB) by customer {full_name} regarding purchase order #{order}.\n\n"
        'Customer complaint summary: "{quote}"\n\nAs required by the Walmart Marketplace Customer Care '
        "Policy, you must respond to this complaint within 1 hour of receipt. Failure to respond may result "
        "in order cancellation, refund and account review.\n\nCase number: {case}\nWalmart Marketplace "
        "Partner Escalations"
    ),
    "attorney_general_complaint": (
        "IMPORTANT - ACTION REQUIRED WITHIN 1 HOUR\n\nWalmart has been contacted by the Office of the Attorney "
        "General of the State of {state_name} about a consumer complaint from {full_name} concerning purchase "
        'order #{order}.\n\nComplaint summary: "{quote}"\n\nPer Walmart policy, Attorney General complaints '
        "require a response within 1 hour. Reply to this message with the resolution you have provided to "
        "the customer.\n\nCase number: {case}\nWalmart Marketplace Partner Escalations"
    ),
}
STATE_NAMES = {
    "TX": "Texas",
    "AZ": "Arizona",
    "OH": "Ohio",
    "NC": "North Carolina",
    "CO": "Colorado",
    "TN": "Tennessee",
    "FL": "Florida",
    "CA": "California",
    "NY": "New York",
    "WA": "Washington",
    "NE": "Nebraska",
    "WI": "Wisconsin",
}

EBAY_NOTICES: tuple[tuple[str, str], ...] = (
    (
        "Your item sold! Ship it by {eta}",
        "Congratulations, your item sold to {handle}. Please ship the {item} by {eta} "
        "and upload tracking so the buyer can follow the package.",
    ),
    (
        "Reminder: upload tracking for a recent sale",
        "We noticed you haven't uploaded tracking for a recent sale of "
        "{title}. Uploading tracking helps protect you under eBay seller protections.",
    ),
    (
        "A buyer has requested a return",
        "{handle} has requested to return {title}. Reason: Doesn't fit. Return ID: 5{case}. Please "
        "respond within 3 business days so eBay doesn't have to step in.",
    ),
    (
        "Your payout has been initiated",
        "We've initiated a payout to your bank account. It may take 1-3 business days to arrive. No action is needed.",
    ),
    (
        "Important information about your listing",
        "Your listing {title} may be missing item specifics that buyers search for. Add them to improve visibility.",
    ),
    (
        "An item not received request was opened",
        "{handle} says they haven't received {title}. Inquiry ID: 5{case}. Respond within 3 business days "
        "with tracking or a refund.",
    ),
)

AMAZON_TOPICS: dict[str, tuple[str, ...]] = {
    "pre_sale": ("Product details", "Customization", "Ship faster"),
    "where_is_my_order": ("Order delivery", "Shipping", "Ship faster"),
    "return": ("Return policy", "Return request"),
    "complaint": ("Damaged or defective item", "Order information"),
    "order_change": ("Order information", "Cancel order"),
    "spam": ("Product details", "Other"),
}
WALMART_SUBJECTS: dict[str, tuple[str, ...]] = {
    "pre_sale": ("Question about {title_short}", "Product question", "Question before I buy"),
    "where_is_my_order": ("Where is my order?", "Order #{order} not received", "Shipping status for order #{order}"),
    "return": ("Return request for order #{order}", "How do I return my item?", "Refund question"),
    "complaint": ("Problem with my order #{order}", "Damaged item received", "Wrong item received"),
    "order_change": ("Cancel order #{order}", "Change shipping address"),
    "spam": ("Business opportunity", "Partnership proposal", "Increase your sales"),
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _pick(rng: random.Random, options: tuple[str, ...], context: dict[str, str]) -> str | None:
    usable = [t for t in options if _fields(t) <= context.keys()]
    if not usable:
        return None
    return rng.choice(usable).format_map(context)


def compose(rng: random.Random, intent: str, language: str, context: dict[str, str], chat: bool = False) -> str:
    """A buyer message for `intent` in `language`, written the way buyers write.

    `chat` is for Shopee and TikTok, where a greeting runs into the question on one line; in mail
    (Amazon, Walmart, eBay) it stands on its own line.
    """
    pool = CORES[intent].get(language) or CORES[intent]["en"]
    core = _pick(rng, pool, context) or _pick(rng, CORES[intent]["en"], context) or ""
    parts: list[str] = []
    greeting = ""
    if intent != "spam" and rng.random() < 0.6:
        greeting = _pick(rng, GREETINGS[language], context) or ""
        if chat and language != "zh" and greeting.endswith(","):
            greeting = greeting[:-1] + ("!" if language == "en" else ".")
    parts.append(core)
    if intent in ("where_is_my_order", "complaint") and rng.random() < 0.35:
        extra = _pick(rng, CORES[intent].get(language, CORES[intent]["en"]), context)
        if extra and extra != core:
            parts.append(extra)
    if intent != "spam" and rng.random() < 0.55:
        parts.append(rng.choice(CLOSINGS[language]))
    text = ("" if language == "zh" else " ").join(p for p in parts if p)
    if greeting:
        separator = "" if language == "zh" else (" " if chat else "\n\n")
        text = greeting + separator + text
    if intent != "spam" and rng.random() < 0.35:
        signature = _pick(rng, SIGNATURES[language], context)
        if signature:
            text += "\n\n" + signature
    # Some buyers type in lower case without punctuation, some shout.
    style = rng.random()
    if language == "en" and style < 0.08:
        text = text.lower().replace(".", "").replace(",", "")
    elif language == "en" and intent == "complaint" and style > 0.9:
        text = text.upper()
    return text


def follow_up(rng: random.Random, language: str, context: dict[str, str]) -> str:
    return _pick(rng, FOLLOW_UPS[language], context) or rng.choice(FOLLOW_UPS["en"])
