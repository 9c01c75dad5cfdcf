// Runs before `npm start` and `npm test`: on a fresh clone (or after the lockfile
// changed) it installs the locked dependencies with `npm ci`, so the README's two
// quick-start commands work without a separate install step. When node_modules
// already matches package-lock.json it does nothing.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

function lockedPackages(file) {
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  return (
    Object.entries(lock.packages ?? {})
      // Optional packages (other platforms' binaries) are legitimately absent.
      .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.optional)
      .map(([path, meta]) => `${path}@${meta.version}`)
      .sort()
      .join('\n')
  );
}

const installed = 'node_modules/.package-lock.json';
let current = false;
if (existsSync(installed)) {
  try {
    const have = new Set(lockedPackages(installed).split('\n'));
    current = lockedPackages('package-lock.json')
      .split('\n')
      .every((p) => have.has(p));
  } catch {
    current = false;
  }
}
if (!current) {
  process.stderr.write('Installing the locked dependencies (npm ci) ...\n');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
