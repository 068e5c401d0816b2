export const TEMPLATE_LANGUAGES = ['en', 'zh', 'es', 'de', 'fr', 'ja', 'ko'] as const;
