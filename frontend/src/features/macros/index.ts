export { MacrosPage } from './components/macros-page';
export { MacroPicker } from './components/macro-picker';
