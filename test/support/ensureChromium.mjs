// Runs before `npm test` (and in .ci/run): the status page's browser test drives
// Debian's Chromium (playwright-core never downloads a browser). If it is missing
// and this machine can install Debian packages, install it; otherwise say how.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(path)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (root && apt) {
    process.stderr.write(`Chromium is not at ${path}: installing Debian's chromium package for the browser test ...\n`);
    const install = 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium';
    try {
      execSync(install, { stdio: 'inherit' });
    } catch {
      execSync(`apt-get update && ${install}`, { stdio: 'inherit', shell: '/bin/bash' });
    }
  } else {
    process.stderr.write(
      `Chromium is not at ${path}, so the status page's browser test (test/browser) will fail.\n` +
        `Install it (Debian/Ubuntu: sudo apt-get install chromium) or point CHROMIUM_PATH at a Chromium or Chrome binary.\n`,
    );
  }
}
