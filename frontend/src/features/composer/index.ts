export { Composer } from './components/composer';
