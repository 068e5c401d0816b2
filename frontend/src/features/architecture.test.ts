import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * bulletproof-react's rule, enforced without an ESLint setup: a feature never imports another
 * feature (compose them in src/app instead), and shared code (components, hooks, lib) never
 * imports a feature.
 */
const SRC = path.resolve(__dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.tsx?$/.test(name) ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
}

describe('architecture', () => {
  it('features do not import each other', () => {
    const offenders: string[] = [];
    for (const feature of readdirSync(path.join(SRC, 'features')).filter((f) => statSync(path.join(SRC, 'features', f)).isDirectory())) {
      for (const file of files(path.join(SRC, 'features', feature))) {
        for (const spec of importsOf(file)) {
          const target = spec.startsWith('@/features/') ? spec.split('/')[2] : null;
          const relative = spec.startsWith('.') ? path.relative(path.join(SRC, 'features'), path.resolve(path.dirname(file), spec)).split(path.sep)[0] : null;
          if ((target && target !== feature) || (relative && relative !== feature && !relative.startsWith('..'))) {
            offenders.push(`${path.relative(SRC, file)} -> ${spec}`);
          }
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('shared code does not import features', () => {
    const offenders = ['components', 'hooks', 'lib'].flatMap((dir) =>
      files(path.join(SRC, dir)).flatMap((file) =>
        importsOf(file)
          .filter((spec) => spec.startsWith('@/features/') || spec.includes('/features/'))
          .map((spec) => `${path.relative(SRC, file)} -> ${spec}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('the API client is generated, never hand-written', () => {
    const client = readFileSync(path.join(SRC, 'lib', 'api-client.ts'), 'utf8');
    expect(client).toContain("from '@/api/schema'");
    expect(client).toContain('createClient<paths>');
  });
});
