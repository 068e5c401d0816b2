"""Starter articles for the questions buyers ask most (where is my order, returns, damaged
items, cancelling), in English and Chinese. Bodies use template variables, filled for a
conversation when an agent inserts the article; on the public help page only the store's name and
marketplace are known, so each variable has a fallback. Written to the marketplaces' rules: no
outside links, returns through the marketplace's own process."""

from __future__ import annotations

# (key, categories, tags, {language: (title, body)})
STARTER_ARTICLES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], dict[str, tuple[str, str]]], ...] = (
    (
        "where-is-my-order",
        ("shipping", "order_status"),
        ("shipping", "tracking", "delivery", "package", "not arrived", "包裹", "物流", "快递", "到哪", "发货"),
        {
            "en": (
                "Where is my order? Tracking your package",
                "Your order {{ order_id or '' }} is on its way with {{ carrier or 'the carrier' }}.\n\n"
                "- **Tracking number:** {{ tracking_number or 'shown on your order page once the parcel ships' }}\n"
                "- **Estimated delivery:** {{ ship_eta or 'shown on your order page' }}\n\n"
                "Tracking can take 24-48 hours to update after the parcel is handed to the carrier. If it has not "
                "moved for more than 3 business days, reply to us and we will open an inquiry with the carrier.",
            ),
            "zh": (
                "我的订单/包裹在哪里？物流查询",
                "您的订单 {{ order_id or '' }} 已由 {{ carrier or '物流公司' }} 承运，正在配送途中。\n\n"
                "- **物流单号：** {{ tracking_number or '包裹发出后会显示在订单页面' }}\n"
                "- **预计送达：** {{ ship_eta or '请查看订单页面' }}\n\n"
                "包裹交给物流公司后，物流信息可能需要 24-48 小时才会更新。如果超过 3 个工作日没有更新，"
                "请回复我们，我们会向物流公司发起查询。",
            ),
        },
    ),
    (
        "returns-and-refunds",
        ("return_refund",),
        ("return", "refund", "退货", "退款"),
        {
            "en": (
                "How do I return an item and get a refund?",
                "You can return an item within the return window shown on your order page on "
                "{{ marketplace or 'the marketplace' }}.\n\n"
                "1. Open your order and choose **Return or replace items**.\n"
                "2. Print the return label and drop the parcel off with the carrier.\n"
                "3. We issue the refund within 2 business days of receiving the item; your bank may take 3-5 "
                "business days to show it.",
            ),
            "zh": (
                "如何退货退款？",
                "您可以在 {{ marketplace or '平台' }} 订单页面显示的退货期限内申请退货。\n\n"
                "1. 打开订单，选择**退货或换货**。\n"
                "2. 打印退货标签，将包裹交给物流公司。\n"
                "3. 我们收到退货后 2 个工作日内退款，银行到账通常还需要 3-5 个工作日。",
            ),
        },
    ),
    (
        "damaged-item",
        ("return_refund", "complaint"),
        ("damaged", "broken", "损坏", "破损"),
        {
            "en": (
                "My item arrived damaged or broken",
                "We are sorry your {{ item_title or 'item' }} arrived damaged. Please reply with a photo of the "
                "damage and of the packaging. We will send a replacement or a full refund, whichever you prefer; "
                "you do not need to return the damaged item unless we ask.",
            ),
            "zh": (
                "收到的商品损坏或破损怎么办？",
                "很抱歉您收到的{{ item_title or '商品' }}有损坏。请回复商品损坏处和外包装的照片，"
                "我们会为您补发或全额退款，由您选择；除非我们另行通知，损坏的商品无需寄回。",
            ),
        },
    ),
    (
        "cancel-order",
        (),
        ("cancel", "取消"),
        {
            "en": (
                "Can I cancel my order?",
                "If your order {{ order_id or '' }} has not shipped yet, you can request a cancellation from your "
                "order page on {{ marketplace or 'the marketplace' }}, and we confirm it within one business day. "
                "If it has already shipped, it cannot be cancelled, but you can return it after delivery.",
            ),
            "zh": (
                "可以取消订单吗？",
                "如果您的订单 {{ order_id or '' }} 还没有发货，可以在 {{ marketplace or '平台' }} 的订单页面申请取消，"
                "我们会在一个工作日内确认。如果已经发货，则无法取消，您可以在收货后申请退货。",
            ),
        },
    ),
)
