import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Dialog, Field, FormProblem } from '@/components/form';
import { useMe, useUsers, type User } from '@/hooks/use-directory';
import { ROLES, oneOf } from '@/lib/enums';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import { useCreateUser, useUpdateUser } from '../api/users';

type Role = (typeof ROLES)[number];

/** People: roles, capacity (the load balancer's cap), language, active. Admins edit in place. */
export function PeoplePage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const users = useUsers();
  const me = useMe();
  const [adding, setAdding] = useState(false);
  return (
    <section className="settings-page" data-testid="settings-users">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.people')}</h2>
          <p className="muted">{t('people.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setAdding(true)}>
            {t('people.add')}
          </button>
        ) : null}
      </header>
      {users.isLoading ? (
        <Spinner />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('settings.name')}</th>
              <th>{t('settings.email')}</th>
              <th>{t('settings.role')}</th>
              <th>{t('settings.presence')}</th>
              <th>{t('settings.capacity')}</th>
              <th>{t('settings.language')}</th>
              <th>{t('people.active')}</th>
            </tr>
          </thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <UserRow key={u.id} user={u} canEdit={canEdit && u.id !== me.data?.user?.id} />
            ))}
          </tbody>
        </table>
      )}
      {adding ? <AddUserDialog onClose={() => setAdding(false)} /> : null}
    </section>
  );
}

function UserRow({ user: u, canEdit }: { user: User; canEdit: boolean }) {
  const { t } = useTranslation();
  const update = useUpdateUser();
  const [capacity, setCapacity] = useState(String(u.capacity));
  const patch = (body: Parameters<typeof update.mutate>[0]['body']) => update.mutate({ id: u.id, body });
  return (
    <tr className={u.is_active ? '' : 'is-inactive'} data-testid="user-row">
      <td>{u.name}</td>
      <td className="mono">{u.email}</td>
      <td>
        {canEdit ? (
          <select value={u.role} aria-label={t('settings.role')} onChange={(e) => patch({ role: oneOf(ROLES, e.target.value) as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        ) : (
          t(`role.${u.role}`)
        )}
      </td>
      <td>
        <span className={`presence-dot presence-dot--${u.status}`} /> {t(`presenceStatus.${u.status}`)}
      </td>
      <td>
        {canEdit ? (
          <input
            className="input--narrow"
            type="number"
            min={0}
            max={1000}
            value={capacity}
            aria-label={t('settings.capacity')}
            onChange={(e) => setCapacity(e.target.value)}
            onBlur={() => Number(capacity) !== u.capacity && patch({ capacity: Number(capacity) })}
          />
        ) : (
          u.capacity
        )}
      </td>
      <td>
        {canEdit ? (
          <select value={u.locale} aria-label={t('settings.language')} onChange={(e) => patch({ locale: e.target.value === 'zh-CN' ? 'zh-CN' : 'en' })}>
            <option value="en">English</option>
            <option value="zh-CN">中文</option>
          </select>
        ) : u.locale === 'zh-CN' ? (
          '中文'
        ) : (
          'English'
        )}
      </td>
      <td>
        {canEdit ? (
          <input type="checkbox" checked={u.is_active} aria-label={t('people.active')} onChange={(e) => patch({ is_active: e.target.checked })} />
        ) : u.is_active ? (
          '✓'
        ) : (
          '—'
        )}
        {update.error ? <ErrorNotice error={update.error} /> : null}
      </td>
    </tr>
  );
}

function AddUserDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const create = useCreateUser();
  const [form, setForm] = useState({ name: '', email: '', password: '', role: 'agent' as Role, locale: 'en' as 'en' | 'zh-CN', capacity: '20' });
  const errors = fieldErrorsOf(create.error);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ ...form, capacity: Number(form.capacity) }, { onSuccess: onClose });
  };
  return (
    <Dialog title={t('people.add')} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <div className="form__grid">
          <Field label={t('settings.name')} errors={errorsAt(errors, 'name')}>
            <input value={form.name} required onChange={set('name')} />
          </Field>
          <Field label={t('settings.email')} errors={errorsAt(errors, 'email')}>
            <input type="email" value={form.email} required onChange={set('email')} />
          </Field>
          <Field label={t('login.password')} errors={errorsAt(errors, 'password')}>
            <input type="password" autoComplete="new-password" value={form.password} required onChange={set('password')} />
          </Field>
          <Field label={t('settings.role')} errors={errorsAt(errors, 'role')}>
            <select value={form.role} onChange={(e) => setForm((f) => ({ ...f, role: oneOf(ROLES, e.target.value) ?? 'agent' }))}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('settings.language')} errors={errorsAt(errors, 'locale')}>
            <select value={form.locale} onChange={(e) => setForm((f) => ({ ...f, locale: e.target.value === 'zh-CN' ? 'zh-CN' : 'en' }))}>
              <option value="en">English</option>
              <option value="zh-CN">中文</option>
            </select>
          </Field>
          <Field label={t('settings.capacity')} errors={errorsAt(errors, 'capacity')} hint={t('people.capacityHint')}>
            <input type="number" min={0} max={1000} value={form.capacity} onChange={set('capacity')} />
          </Field>
        </div>
        <FormProblem error={create.error} placed={['name', 'email', 'password', 'role', 'locale', 'capacity']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={create.isPending}>
            {t('form.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
