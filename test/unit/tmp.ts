// One temporary folder per test file, made before its tests and removed after
// them, so the unit tests that touch the disk never share or leave files.
import { after, before } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Registers the hooks; the returned function gives the folder (only inside tests). */
export function useTempFolder(name: string): () => string {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `corral-unit-${name}-`));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}
