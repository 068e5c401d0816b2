import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormProblem } from '@/components/form';
import { useConversationCases, useOpenCase, type CaseKind } from '../api/cases';
import { CaseCard } from './case-card';

const KINDS: readonly CaseKind[] = ['return', 'refund', 'replacement', 'reship', 'cancellation', 'claim'];

interface CasePanelProps {
  conversationId: string;
  /** The order's currency, when the conversation has an order (a case's amount must use it). */
  currency: string | null;
  canEdit: boolean;
}

/** After-sales cases of one conversation, and opening a new one from it. */
export function CasePanel({ conversationId, currency, canEdit }: CasePanelProps) {
  const { t } = useTranslation();
  const cases = useConversationCases(conversationId);
  const openCase = useOpenCase();
  const [opening, setOpening] = useState(false);
  const [kind, setKind] = useState<CaseKind>('return');
  const [reason, setReason] = useState('');
  const [amount, setAmount] = useState('');
  const [withImages, setWithImages] = useState(true);

  const submit = () =>
    openCase.mutate(
      {
        conversation_id: conversationId,
        kind,
        reason,
        attach_conversation_images: withImages,
        ...(amount.trim() ? { amount: amount.trim(), ...(currency ? { currency } : {}) } : {}),
      },
      {
        onSuccess: () => {
          setOpening(false);
          setReason('');
          setAmount('');
        },
      },
    );

  return (
    <section className="side-section" data-testid="case-panel">
      <div className="side-section__row">
        <h3 className="side-section__title">{t('cases.title')}</h3>
        {canEdit && !opening ? (
          <button type="button" className="btn btn--sm" onClick={() => setOpening(true)} data-testid="open-case">
            {t('cases.open')}
          </button>
        ) : null}
      </div>
      {opening ? (
        <form
          className="case-form"
          data-testid="case-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <label className="ffield">
            <span className="ffield__label">{t('cases.kindLabel')}</span>
            <select className="input input--sm" value={kind} onChange={(e) => setKind(e.target.value as CaseKind)} data-testid="case-kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`cases.kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="ffield">
            <span className="ffield__label">{t('cases.reasonLabel')}</span>
            <input className="input input--sm" value={reason} maxLength={4000} onChange={(e) => setReason(e.target.value)} data-testid="case-open-reason" />
          </label>
          <label className="ffield">
            <span className="ffield__label">{currency ? t('cases.amountIn', { currency }) : t('cases.amount')}</span>
            <input className="input input--sm" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} data-testid="case-amount" />
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={withImages} onChange={(e) => setWithImages(e.target.checked)} data-testid="case-with-images" />
            <span>{t('cases.attachments.withImages')}</span>
          </label>
          <FormProblem error={openCase.error} />
          <div className="case-card__buttons">
            <button type="submit" className="btn btn--primary btn--sm" disabled={openCase.isPending} data-testid="case-submit">
              {t('cases.create')}
            </button>
            <button type="button" className="btn btn--ghost btn--sm" onClick={() => setOpening(false)}>
              {t('cases.cancel')}
            </button>
          </div>
        </form>
      ) : null}
      {cases.data && cases.data.length === 0 && !opening ? <div className="muted">{t('cases.none')}</div> : null}
      {cases.data?.map((c) => <CaseCard key={c.id} item={c} canEdit={canEdit} />)}
    </section>
  );
}
