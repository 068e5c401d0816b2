import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@/lib/problem';
import { useLogin } from '../api/login';

export function LoginForm({ onSuccess }: { onSuccess: () => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const loginMutation = useLogin();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    loginMutation.mutate({ email: email.trim(), password }, { onSuccess });
  };

  const error = loginMutation.error;
  const message =
    error instanceof ApiError && (error.status === 401 || error.status === 422)
      ? t('login.invalid')
      : error
        ? t('common.networkError')
        : null;

  return (
    <form className="login-form" onSubmit={submit} noValidate>
      <label className="field">
        <span className="field__label">{t('login.email')}</span>
        <input
          type="email"
          name="email"
          autoComplete="username"
          autoFocus
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label className="field">
        <span className="field__label">{t('login.password')}</span>
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {message ? (
        <div className="notice notice--error" role="alert">
          {message}
        </div>
      ) : null}
      <button className="btn btn--primary btn--block" type="submit" disabled={loginMutation.isPending || !email || !password}>
        {loginMutation.isPending ? t('login.signingIn') : t('login.submit')}
      </button>
    </form>
  );
}
