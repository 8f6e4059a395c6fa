// The layering rules of DESIGN §1–2 are enforced by ESLint; this proves each rule fires where it
// should and stays quiet where imports are allowed.
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('layering lint rules', () => {
  it('allows electron only under src-main/electron/', async () => {
    expect(await messages('src-main/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await messages('src-renderer/app/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toHaveLength(0);
    expect(await messages('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(0);
  });

  it('forbids node built-ins in src-shared and src-renderer, in both spellings', async () => {
    for (const file of ['src-shared/domain/x.ts', 'src-renderer/lib/x.ts']) {
      expect(await messages(file, "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
      expect(await messages(file, "import fs from 'fs/promises';\nexport const a = fs;\n")).toHaveLength(1);
      expect(await messages(file, "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
      // A relative folder that happens to share a built-in's name (domain, events) is not a built-in.
      expect(await messages(file, "import { x } from '../domain/errors';\nexport const a = x;\n")).toHaveLength(0);
    }
    expect(await messages('src-main/core/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(0);
  });

  it('lets the renderer import a feature only through its index.ts', async () => {
    expect(await messages('src-renderer/app/x.ts', "import { A } from '../features/charts/chart-panel';\nexport const a = A;\n")).toHaveLength(1);
    expect(await messages('src-renderer/app/x.ts', "import { A } from '../features/charts';\nexport const a = A;\n")).toHaveLength(0);
    expect(await messages('src-renderer/app/x.ts', "import { A } from '../features/charts/index';\nexport const a = A;\n")).toHaveLength(0);
  });

  it('keeps src-main out of the renderer and everything out of src-shared', async () => {
    expect(await messages('src-renderer/app/x.ts', "import { A } from '../../src-main/core/events';\nexport const a = A;\n")).toHaveLength(1);
    expect(await messages('src-shared/domain/x.ts', "import { A } from '../../src-renderer/app/x';\nexport const a = A;\n")).toHaveLength(1);
  });

  it('takes BSON from the driver-instance module only, never a second copy of bson', async () => {
    const code = "import { Long } from 'bson';\nexport const a = Long;\n";
    expect(await messages('src-main/core/metrics/x.ts', code)).toHaveLength(1);
    expect(await messages('test/integration/x.test.ts', code)).toHaveLength(1);
    expect(await messages('src-main/core/bson/bson.ts', code)).toHaveLength(0);
    expect(await messages('src-main/core/metrics/x.ts', "import { Long } from '../bson/bson';\nexport const a = Long;\n")).toHaveLength(0);
  });

  it('allows new BrowserWindow only in the createWindow factory (SEC-E2)', async () => {
    const code = "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({});\n";
    expect(await messages('src-main/electron/menu.ts', code)).toHaveLength(1);
    expect(await messages('src-main/electron/create-window.ts', code)).toHaveLength(0);
  });
});

describe('unsafe constructs', () => {
  it('bans dangerouslySetInnerHTML in the renderer and eval everywhere', async () => {
    expect(await messages('src-renderer/app/x.tsx', 'export const A = () => <div dangerouslySetInnerHTML={{ __html: "x" }} />;\n')).toHaveLength(1);
    expect(await messages('src-main/core/x.ts', 'export const a = eval("1");\n')).toHaveLength(1);
  });
});
