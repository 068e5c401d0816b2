import { useTranslation } from 'react-i18next';
import { formatDateTime, formatMoney } from '@/lib/format';
import type { ConversationDetail } from '../api/get-conversation';

/** What the buyer bought and where it is: the two things most questions are about. */
export function OrderPanel({ conversation }: { conversation: ConversationDetail }) {
  const { t, i18n } = useTranslation();
  const order = conversation.order;
  if (!order && !conversation.order_id) return null;

  return (
    <section className="side-section" data-testid="order-panel">
      <h3 className="side-section__title">{t('order.title')}</h3>
      <dl className="facts">
        <dt>{t('order.id')}</dt>
        <dd className="mono">{order?.order_id ?? conversation.order_id}</dd>
        {order ? (
          <>
            <dt>{t('order.status')}</dt>
            <dd>{order.status}</dd>
            {order.total_amount ? (
              <>
                <dt>{t('order.total')}</dt>
                <dd>{formatMoney(order.total_amount, order.currency, i18n.language)}</dd>
              </>
            ) : null}
            {order.placed_at ? (
              <>
                <dt>{t('order.placed')}</dt>
                <dd>{formatDateTime(order.placed_at, i18n.language)}</dd>
              </>
            ) : null}
            {order.ship_by ? (
              <>
                <dt>{t('order.shipBy')}</dt>
                <dd>{formatDateTime(order.ship_by, i18n.language)}</dd>
              </>
            ) : null}
            {order.estimated_delivery ? (
              <>
                <dt>{t('order.eta')}</dt>
                <dd>{formatDateTime(order.estimated_delivery, i18n.language)}</dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      {order && order.items.length > 0 ? (
        <ul className="order-items">
          {order.items.map((item, i) => (
            <li key={`${item.sku ?? item.item_id ?? i}`}>
              <span className="order-items__qty">{item.quantity}×</span>
              <span className="order-items__title">{item.title}</span>
              {item.unit_price ? <span className="order-items__price">{formatMoney(item.unit_price, order.currency, i18n.language)}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {order?.shipments.map((s, i) => (
        <div className="shipment" key={s.tracking_number ?? i}>
          <div>
            <strong>{s.carrier ?? t('order.carrierUnknown')}</strong> {s.status ? <span className="tag tag--muted">{s.status}</span> : null}
          </div>
          {s.tracking_number ? (
            <div className="mono">
              {s.tracking_url ? (
                <a href={s.tracking_url} target="_blank" rel="noopener noreferrer">
                  {s.tracking_number}
                </a>
              ) : (
                s.tracking_number
              )}
            </div>
          ) : null}
        </div>
      ))}
      {!order ? <div className="muted">{t('order.notSynced')}</div> : null}
    </section>
  );
}
