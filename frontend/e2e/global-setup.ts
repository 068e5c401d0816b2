import path from 'node:path';
import { FRONTEND_DIR, startBackend } from './support/backend';

/** One backend for the whole run; tests get its address and API key through the environment. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const backend = await startBackend(path.join(FRONTEND_DIR, 'test-results'));
  process.env['E2E_BASE_URL'] = backend.baseUrl;
  process.env['E2E_API_KEY'] = backend.apiKey;
  process.env['E2E_SANDBOX_URL'] = backend.sandboxUrl;
  return backend.stop;
}
