export { ChannelsPage } from './components/channels-page';
export { PeoplePage } from './components/people-page';
export { ApiKeysPage } from './components/api-keys-page';
export { TranslationPage } from './components/translation-page';
export { PrivacyPage } from './components/privacy-page';
export { CsatPage } from './components/csat-page';
export { CollaborationPage } from './components/collaboration-page';
