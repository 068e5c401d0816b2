export { LoginForm } from './components/login-form';
export { useLogout } from './api/logout';
export { useSession } from './hooks/use-session';
export { StatusSelect } from './components/status-select';
export { useSetMyStatus } from './api/set-status';
