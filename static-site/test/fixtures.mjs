// A connector repository buildah can build offline (like tests/src/connector_fixtures.rs):
// `FROM scratch` + the host's static busybox, committed to a bare repository reached by file://.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const git = (cwd, ...args) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 'UI test', GIT_AUTHOR_EMAIL: 'ui@test', GIT_COMMITTER_NAME: 'UI test', GIT_COMMITTER_EMAIL: 'ui@test' } });

export const HEALTHY = '#!/bin/sh\ncase "$1" in\n  --health-check) echo healthy; exit 0 ;;\nesac\necho "running $*"\n';

/** A bare repository with a Dockerfile whose extra RUN steps are `buildSteps`. */
export function connectorRepo(buildSteps = '', files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'devportal-ui-repo-'));
  const work = join(dir, 'work');
  mkdirSync(work);
  copyFileSync('/bin/busybox', join(work, 'busybox'));
  writeFileSync(join(work, 'main.sh'), HEALTHY);
  writeFileSync(
    join(work, 'Dockerfile'),
    `FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nCOPY main.sh /app/main.sh\n${buildSteps}CMD ["sh", "/app/main.sh"]\n`,
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
  git(work, 'init', '--quiet', '-b', 'main');
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'initial commit');
  const bare = join(dir, 'repo.git');
  git(work, 'clone', '--quiet', '--bare', '--', work, bare);
  return { url: `file://${bare}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
