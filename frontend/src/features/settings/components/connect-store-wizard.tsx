import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog, FormProblem } from '@/components/form';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { MARKETPLACES } from '@/lib/enums';
import type { Channel } from '../api/channels';
import { useConnectOptions, useStartConnect } from '../api/connect';
import { connectFailure, isChannelBound, isConsentMarketplace } from '../lib/connect-guide';
import { ChannelForm, type Marketplace } from './connect-channel-dialog';

/** Where the callback left the flow (read from the URL the API redirected to). */
export interface ConnectOutcome {
  marketplace: Marketplace;
  channelId: string | null;
  reason: string | null;
  code: string | null;
}

type Step = 'choose' | 'authorize' | 'form' | 'done' | 'failed';

// Filled in by Seller Central's consent (SP-API website authorization), not typed.
const SP_API_KEYS = ['lwa_client_id', 'lwa_client_secret', 'refresh_token'] as const;

const STEP_KEYS = ['choose', 'authorize', 'test', 'done'] as const;

function stepIndex(step: Step): number {
  if (step === 'choose') return 0;
  if (step === 'authorize' || step === 'form') return 1;
  return 3;
}

/**
 * "Connect store" as a guided flow: choose the marketplace, then either sign in at the marketplace
 * and allow Hourglass (eBay, Shopee, TikTok Shop: the API handles the callback, checks the
 * connection and stores the tokens encrypted) or fill in a form that says where each value is found
 * (Walmart and Amazon mail relays); the connection is tested before anything is saved; then done.
 */
export function ConnectStoreWizard({
  onClose,
  outcome = null,
  channels = [],
}: {
  onClose: () => void;
  outcome?: ConnectOutcome | null;
  channels?: readonly Channel[];
}) {
  const { t } = useTranslation();
  const options = useConnectOptions();
  const start = useStartConnect();
  const [marketplace, setMarketplace] = useState<Marketplace | null>(outcome?.marketplace ?? null);
  const [step, setStep] = useState<Step>(outcome ? (outcome.channelId ? 'done' : 'failed') : 'choose');
  const [connected, setConnected] = useState<Channel | null>(null);
  // Amazon: the relay channel is connected with the form first, then SP-API is authorized for it.
  const [boundChannel, setBoundChannel] = useState<Channel | null>(null);
  const consent = new Set<string>(options.data?.consent ?? []);
  // Which marketplaces sign in at a consent page is known only from the options: a choice made
  // without them would open the form instead (a slow page after the marketplace's redirect did that,
  // and so would a failed request). Until they are loaded those choices, and Retry, wait.
  const waitsForOptions = (m: string) => !options.isSuccess && (isConsentMarketplace(m) || isChannelBound(m));
  const viaConsent = (m: string) => isConsentMarketplace(m) && consent.has(m);
  const name = marketplace ? t(`marketplace.${marketplace}`) : '';
  const current = stepIndex(step);
  const doneChannel = connected ?? channels.find((c) => c.id === outcome?.channelId) ?? null;

  const choose = (m: Marketplace) => {
    setMarketplace(m);
    setStep(viaConsent(m) && !(isChannelBound(m) && consent.has(m)) ? 'authorize' : 'form');
  };
  const authorize = () => {
    if (!marketplace) return;
    start.mutate(
      { marketplace, channelId: boundChannel?.id },
      { onSuccess: (r) => window.location.assign(r.authorize_url) },
    );
  };
  const bound = marketplace !== null && isChannelBound(marketplace) && consent.has(marketplace);

  return (
    <Dialog title={t('connect.title')} onClose={onClose} wide testId="connect-dialog">
      <ol className="stepper" aria-label={t('connect.progress')} data-testid="connect-stepper">
        {STEP_KEYS.map((key, i) => (
          <li
            key={key}
            className={`stepper__step${i === current ? ' is-current' : ''}${i < current ? ' is-done' : ''}`}
            aria-current={i === current ? 'step' : undefined}
            data-testid={`connect-step-${key}`}
          >
            <span className="stepper__num">{i + 1}</span>{' '}
            {key === 'authorize' && marketplace && (step === 'form' || !viaConsent(marketplace)) ? t('connect.steps.fill') : t(`connect.steps.${key}`)}
          </li>
        ))}
      </ol>

      {step === 'choose' ? (
        <>
          <ConnectOptionsStatus options={options} />
          <ul className="connect-choices" aria-busy={options.isPending}>
            {MARKETPLACES.map((m) => (
              <li key={m}>
                <button
                  type="button"
                  className="connect-choice"
                  onClick={() => choose(m)}
                  disabled={waitsForOptions(m)}
                  data-testid={`connect-choose-${m}`}
                >
                  <MarketplaceBadge marketplace={m} /> <strong>{t(`marketplace.${m}`)}</strong>
                  <span className="muted">{viaConsent(m) && !isChannelBound(m) ? t('connect.viaConsent') : t(`connect.how.${m}`)}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {step === 'authorize' && marketplace ? (
        <div className="connect-authorize" data-testid="connect-authorize-step">
          {bound && boundChannel ? (
            <p className="notice notice--ok" role="status" data-testid="connect-relay-done">
              {t('connect.consent.relayDone', { name: boundChannel.name })}
            </p>
          ) : null}
          {bound ? <p>{t('connect.consent.amazonWhy')}</p> : null}
          <ol className="connect-howto">
            <li>{t('connect.consent.signIn', { name })}</li>
            <li>{t('connect.consent.allow', { name })}</li>
            <li>{t('connect.consent.back')}</li>
          </ol>
          <p className="muted">{t('connect.consent.noPasswords', { name })}</p>
          <FormProblem error={start.error} />
          <div className="form__actions">
            {bound && boundChannel ? (
              <button
                type="button"
                className="btn btn--sm"
                onClick={() => {
                  setConnected(boundChannel);
                  setStep('done');
                }}
                data-testid="connect-skip-authorize"
              >
                {t('connect.consent.later')}
              </button>
            ) : (
              <button type="button" className="btn btn--sm" onClick={() => setStep('choose')}>
                {t('connect.back')}
              </button>
            )}
            <button type="button" className="btn btn--primary btn--sm" onClick={authorize} disabled={start.isPending} data-testid="connect-authorize">
              {start.isPending ? t('connect.opening', { name }) : t('connect.continueTo', { name })}
            </button>
          </div>
        </div>
      ) : null}

      {step === 'form' && marketplace ? (
        <ChannelForm
          marketplace={marketplace}
          onDone={(c) => {
            if (bound) {
              setBoundChannel(c);
              setStep('authorize');
              return;
            }
            setConnected(c);
            setStep('done');
          }}
          onCancel={() => setStep('choose')}
          cancelLabel={t('connect.back')}
          hidden={bound ? SP_API_KEYS : []}
        />
      ) : null}

      {step === 'done' ? (
        <div className="notice notice--ok" role="status" data-testid="connect-done">
          <p>
            <strong>{t('connect.done', { name: doneChannel?.name ?? name })}</strong>
          </p>
          <p>{t('connect.doneNext')}</p>
          <div className="form__actions">
            <button type="button" className="btn btn--primary btn--sm" onClick={onClose} data-testid="connect-finish">
              {t('connect.finish')}
            </button>
          </div>
        </div>
      ) : null}

      {step === 'failed' && marketplace ? (
        <div className="notice notice--error" role="alert" data-testid="connect-failed">
          <p data-testid="connect-failed-reason">{t(`connect.failure.${connectFailure(outcome?.reason ?? null)}`, { name })}</p>
          {outcome?.code ? <p className="muted">{t('connect.failureCode', { name, code: outcome.code })}</p> : null}
          <ConnectOptionsStatus options={options} />
          <div className="form__actions">
            <button type="button" className="btn btn--sm" onClick={onClose}>
              {t('form.cancel')}
            </button>
            <button
              type="button"
              className="btn btn--primary btn--sm"
              disabled={waitsForOptions(marketplace)}
              onClick={() => {
                if (bound) {
                  // Amazon: the relay channel exists; authorize it again from its row (Authorize SP-API).
                  onClose();
                  return;
                }
                setStep(viaConsent(marketplace) && !bound ? 'authorize' : 'form');
              }}
              data-testid="connect-retry">
              {t('connect.retry')}
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

/** While the connect options load, say so; if they could not be loaded, say that with a way to ask again. */
function ConnectOptionsStatus({ options }: { options: ReturnType<typeof useConnectOptions> }) {
  const { t } = useTranslation();
  if (options.isPending) {
    return (
      <p className="muted" role="status" data-testid="connect-options-loading">
        {t('common.loading')}
      </p>
    );
  }
  if (!options.isError) return null;
  return (
    <div data-testid="connect-options-failed">
      <FormProblem error={options.error} />
      <button type="button" className="btn btn--sm" onClick={() => void options.refetch()} data-testid="connect-options-retry">
        {t('common.retry')}
      </button>
    </div>
  );
}
